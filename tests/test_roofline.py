"""Roofline arithmetic by hand: attainable = min(peak, bandwidth x intensity)."""
import os

import pytest

import netcost
from conftest import SAMPLES
from netcost.errors import NetcostError
from netcost.roofline import DEVICES, estimate, parse_rate

LENET = os.path.join(SAMPLES, "lenet.prototxt")


def test_memory_bound_layer_takes_bytes_over_bandwidth():
    # 1,000 FLOPs on 1,000 bytes: intensity 1 FLOP/B, below a ridge of 1e12 / 1e10 = 100:
    # memory-bound, time = 1,000 B / 1e10 B/s = 1e-7 s, attainable = 1e10 * 1 = 1e10 FLOP/s.
    point = estimate(1_000, 1_000, peak=1e12, bandwidth=1e10)
    assert point.memory_bound
    assert point.seconds == pytest.approx(1e-7)
    assert point.attainable == pytest.approx(1e10)


def test_compute_bound_layer_takes_flops_over_peak():
    # 1e9 FLOPs on 1e6 bytes: intensity 1,000 > ridge 100: compute-bound, 1e9 / 1e12 = 1 ms.
    point = estimate(10**9, 10**6, peak=1e12, bandwidth=1e10)
    assert not point.memory_bound
    assert point.seconds == pytest.approx(1e-3)
    assert point.attainable == pytest.approx(1e12)


def test_lenet_on_custom_figures():
    # --peak-flops 1.7T --bandwidth 25.6G at int8 (1 byte per element).
    report = netcost.analyze(LENET, precision="int8", peak_flops="1.7T", bandwidth="25.6G")
    rl = report.roofline
    assert rl.peak == pytest.approx(1.7e12) and rl.bandwidth == pytest.approx(25.6e9)
    assert rl.ridge == pytest.approx(1.7e12 / 25.6e9)
    conv2 = next(r for r in report.layers if r.name == "conv2")
    # conv2: 3,203,200 FLOPs; bytes (2,880 in + 25,050 params + 3,200 out) x 1 = 31,130;
    # intensity 102.9 > ridge 66.4: compute-bound, 3,203,200 / 1.7e12 s.
    assert conv2.cost.bytes_moved == 31_130
    assert not conv2.roofline.memory_bound
    assert conv2.roofline.seconds == pytest.approx(3_203_200 / 1.7e12)
    ip1 = next(r for r in report.layers if r.name == "ip1")
    # ip1: 800,500 FLOPs on (800 + 400,500 + 500) B: intensity ~2: memory-bound.
    assert ip1.roofline.memory_bound
    assert ip1.roofline.seconds == pytest.approx(401_800 / 25.6e9)
    total = sum(r.roofline.seconds for r in report.layers)
    memory = sum(r.roofline.seconds for r in report.layers if r.roofline.memory_bound)
    assert rl.seconds == pytest.approx(total)
    assert rl.memory_bound_share == pytest.approx(memory / total)


def test_device_presets_carry_a_source_and_the_npu_from_the_reference():
    assert all(d.source and d.bandwidth > 0 and d.peak for d in DEVICES.values())
    # REFERENCE.md: a 1.7 TOPS INT8 NPU (HiSilicon 3519AV100).
    assert DEVICES["hi3519av100"].peak["int8"] == pytest.approx(1.7e12)
    report = netcost.analyze(LENET, precision="int8", device="hi3519av100")
    assert report.roofline.seconds > 0
    with pytest.raises(NetcostError, match="no fp32 peak"):
        netcost.analyze(LENET, device="hi3519av100")


@pytest.mark.parametrize("text, value", [("1.7T", 1.7e12), ("25.6G", 25.6e9), ("500M", 5e8),
                                         ("1e9", 1e9), ("12k", 12e3)])
def test_parse_rate(text, value):
    assert parse_rate(text, "rate") == pytest.approx(value)


@pytest.mark.parametrize("text", ["", "fast", "-1G", "1.7X", "0"])
def test_bad_rates(text):
    with pytest.raises(NetcostError):
        parse_rate(text, "rate")
