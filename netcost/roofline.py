"""Roofline estimates: attainable FLOP/s = min(peak, bandwidth x intensity) per layer.

Device presets carry their datasheet source. Rates are floats (FLOP/s, byte/s) and times are
estimates in seconds; counts elsewhere stay exact integers.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, Optional, Tuple

from .errors import NetcostError


@dataclass(frozen=True)
class Device:
    name: str
    title: str
    peak: Dict[str, float]  # precision -> peak FLOP/s (INT8: OP/s)
    bandwidth: float  # byte/s
    source: str

    def peak_for(self, precision: str) -> float:
        if precision not in self.peak:
            raise NetcostError(f"device {self.name} has no {precision} peak in its datasheet "
                               f"(it has: {', '.join(self.peak)})")
        return self.peak[precision]


G, T = 1e9, 1e12

# Peak compute per precision and memory bandwidth as the vendors publish them.
DEVICES: Dict[str, Device] = {d.name: d for d in (
    Device("hi3519av100", "HiSilicon Hi3519AV100 NNIE (edge NPU)",
           {"int8": 1.7 * T}, 12.8 * G,
           "HiSilicon Hi3519AV100 brief: NNIE 1.7 TOPS INT8; its 32-bit LPDDR4/DDR4 "
           "interface at 3200 MT/s gives 12.8 GB/s (width x rate)"),
    Device("jetson-nano", "NVIDIA Jetson Nano (128-core Maxwell GPU)",
           {"fp32": 236 * G, "fp16": 472 * G}, 25.6 * G,
           "NVIDIA Jetson Nano module datasheet: 472 GFLOPS FP16; 64-bit LPDDR4 25.6 GB/s"),
    Device("jetson-orin-nano-8gb", "NVIDIA Jetson Orin Nano 8GB",
           {"fp32": 1.28 * T, "fp16": 2.56 * T, "int8": 20 * T}, 68 * G,
           "NVIDIA Jetson Orin Nano series datasheet: 40 TOPS INT8 with sparsity, so 20 TOPS "
           "dense; 128-bit LPDDR5 68 GB/s; GPU 1024 CUDA cores x 625 MHz x 2 = 1.28 TFLOPS "
           "FP32, twice that FP16"),
    Device("t4", "NVIDIA Tesla T4",
           {"fp32": 8.1 * T, "fp16": 65 * T, "int8": 130 * T}, 320 * G,
           "NVIDIA T4 datasheet: 8.1 TFLOPS FP32, 65 TFLOPS FP16 (Tensor Cores), 130 TOPS "
           "INT8, 320 GB/s GDDR6"),
    Device("a100-40gb", "NVIDIA A100 40GB (SXM)",
           {"fp32": 19.5 * T, "bf16": 312 * T, "fp16": 312 * T, "int8": 624 * T}, 1555 * G,
           "NVIDIA A100 datasheet: 19.5 TFLOPS FP32, 312 TFLOPS FP16/BF16 Tensor Core, 624 "
           "TOPS INT8, 1,555 GB/s HBM2"),
    Device("xeon-8380", "Intel Xeon Platinum 8380 (40 cores, AVX-512)",
           {"fp32": 40 * 2.3 * G * 64, "int8": 40 * 2.3 * G * 256}, 204.8 * G,
           "Intel ARK: 40 cores at 2.3 GHz base, 2 AVX-512 FMA units = 64 FP32 FLOP/cycle "
           "(16 lanes x 2 x 2); AVX-512 VNNI 4x that in INT8; 8 channels DDR4-3200 = "
           "204.8 GB/s"),
)}

_RATE = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][+-]?\d+)?)\s*([kKMGTP]?)\s*$")
_SCALE = {"": 1.0, "k": 1e3, "K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15}


def parse_rate(text: str, what: str) -> float:
    """'1.7T' -> 1.7e12 (decimal prefixes k, M, G, T, P)."""
    m = _RATE.match(text)
    if not m or float(m.group(1)) <= 0:
        raise NetcostError(f"bad {what} '{text}': expected a positive number with an optional "
                           "k/M/G/T/P prefix, e.g. 1.7T")
    return float(m.group(1)) * _SCALE[m.group(2)]


def custom_device(peak: str, bandwidth: str, precision: str) -> Device:
    return Device("custom", f"custom ({peak}FLOP/s, {bandwidth}B/s)",
                  {precision: parse_rate(peak, "--peak-flops")},
                  parse_rate(bandwidth, "--bandwidth"), "given on the command line")


def get_device(name: str) -> Device:
    if name not in DEVICES:
        raise NetcostError(f"unknown device '{name}' (known: {', '.join(DEVICES)})")
    return DEVICES[name]


@dataclass(frozen=True)
class RooflinePoint:
    attainable: float  # FLOP/s
    seconds: float
    memory_bound: bool


def estimate(flops: Optional[int], bytes_moved: Optional[int], peak: float,
             bandwidth: float) -> Optional[RooflinePoint]:
    """time = FLOPs / min(peak, bandwidth x FLOPs/bytes) = max(FLOPs/peak, bytes/bandwidth);
    memory-bound when intensity is below the ridge point peak / bandwidth."""
    if flops is None or bytes_moved is None:
        return None
    compute_time = flops / peak
    memory_time = bytes_moved / bandwidth
    memory_bound = memory_time > compute_time
    attainable = peak if not memory_bound else (flops / memory_time if memory_time else 0.0)
    return RooflinePoint(attainable, max(compute_time, memory_time), memory_bound)


def ridge_point(peak: float, bandwidth: float) -> float:
    return peak / bandwidth
