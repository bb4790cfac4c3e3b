"""Published totals under named conventions (the source is named beside each number)."""
import os

import pytest

import netcost
from conftest import SAMPLES, corpus_file


def test_vgg16_sample():
    # VGG-16 at 224x224: 15,470,264,320 multiply-accumulates (conv 15,346,630,656 + fc
    # 123,633,664: the figure thop/torchinfo print, "15.47 G mult-adds") and 138,357,544 params.
    report = netcost.analyze(os.path.join(SAMPLES, "vgg16.prototxt"), convention="macc")
    assert report.total("macc") == (15_470_264_320, True)
    assert report.total_params == 138_357_544


def test_vgg16_fc_layers_by_hand():
    # fc6: 512*7*7 = 25,088 inputs x 4,096 = 102,760,448 MACC; fc7 4,096 x 4,096 = 16,777,216;
    # fc8 4,096 x 1,000 = 4,096,000; together 123,633,664.
    report = netcost.analyze(os.path.join(SAMPLES, "vgg16.prototxt"), convention="macc")
    fc = {r.name: r.cost.counts["macc"] for r in report.layers if r.name.startswith("fc")}
    assert fc == {"fc6": 102_760_448, "fc7": 16_777_216, "fc8": 4_096_000}


def test_squeezenet_v1_0_macc():
    # SqueezeNet v1.0 (DeepScale release) at batch 1: 861,339,936 MACC, Netscope's figure.
    report = netcost.analyze(corpus_file("caffe", "squeezenet_v1_0_deploy.prototxt"),
                             convention="macc", batch=1)
    assert report.total("macc") == (861_339_936, True)


def test_mobilenet_v1_matches_its_paper():
    # Howard et al. 2017, Table 8: 1.0 MobileNet-224: 569 million mult-adds, 4.2 million params.
    report = netcost.analyze(corpus_file("caffe", "mobilenet_v1_deploy.prototxt"),
                             convention="macc")
    macc, complete = report.total("macc")
    assert complete and round(macc / 1e6) == 569
    assert round(report.total_params / 1e6, 1) == 4.2


def test_resnet50_macc_counts_convolutions_and_fc_only():
    # The Caffe ResNet-50 under `macc`: the netscope convention's 3,868,560,384 (REFERENCE
    # issue figure) counts each Scale element as one MACC in addition; the Scale layers see
    # the outputs of every BatchNorm, so the two differ by exactly those element counts.
    path = corpus_file("caffe", "resnet50_deploy.prototxt")
    report = netcost.analyze(path, convention="macc")
    macc, complete = report.total("macc")
    scale_elements = sum(r.outputs[0][1].numel for r in report.layers if r.type == "Scale")
    assert complete and macc + scale_elements == 3_868_560_384


@pytest.mark.parametrize("convention", ["flops", "macc", "tf-profiler"])
def test_flops_is_twice_macc_plus_bias_for_convolutions(convention):
    # Every convention that counts a convolution agrees with REFERENCE.md's formula
    # 2 * K_h*K_w*C_in/G*C_out*H*W + C_out*H*W for a biased conv, expressed in its own unit.
    report = netcost.analyze(os.path.join(SAMPLES, "mobilenet_block.prototxt"),
                             convention=convention)
    dw = next(r for r in report.layers if r.name == "conv2_dw")
    # depthwise 3x3 on 8 channels of 48x48 (96 / stride 2), no bias: 9 * 1 * 8 * 48 * 48.
    macc = 9 * 8 * 48 * 48
    assert dw.ops == 2 * macc
