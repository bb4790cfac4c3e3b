"""Parameter totals against published figures (the source is named beside each number)."""
import os

import pytest

from conftest import CORPUS, SAMPLES
from netcost.loader import load_graph
from netcost.options import Options
from netcost.report import build_report


def _report(path, **options):
    return build_report(load_graph(path, Options(**options)))


def _corpus(name):
    path = os.path.join(CORPUS, "caffe", name)
    if not os.path.exists(path):
        pytest.skip("shared corpus not present")
    return path


@pytest.mark.parametrize("path, params, source", [
    # REFERENCE.md LeNet table: 520 + 25,050 + 400,500 + 5,010.
    (os.path.join(SAMPLES, "lenet.prototxt"), 431_080, "REFERENCE.md LeNet table"),
    (os.path.join(SAMPLES, "lenet_v1.prototxt"), 431_080, "same net in V1 syntax"),
    # Simonyan & Zisserman 2014, Table 2 (138M); torchvision vgg16 prints 138,357,544.
    (os.path.join(SAMPLES, "vgg16.prototxt"), 138_357_544, "VGG-16 paper / torchvision"),
    # Hand arithmetic: conv1 3*3*3*8=216, dw 9*8=72, pw 8*16=128, dw 9*16=144, pw 16*32=512,
    # fc 32*10+10=330.
    (os.path.join(SAMPLES, "mobilenet_block.prototxt"), 1_402, "hand arithmetic"),
    # conv1 7*7*3*16=2352, branch1 16*64=1024, 2a 16*16=256, 2b 9*16*16=2304, 2c 16*64=1024,
    # five Scale layers 2*(16+64+16+16+64)=352, fc 64*10+10=650.
    (os.path.join(SAMPLES, "resnet_block.prototxt"), 7_962, "hand arithmetic"),
])
def test_sample_params(path, params, source):
    assert _report(path).total_params == params, source


def test_resnet_block_stored_batchnorm_values():
    # Five BatchNorm layers store mean + variance per channel and one factor:
    # (2*16+1) + (2*64+1) + (2*16+1) + (2*16+1) + (2*64+1) = 357, none of it learnable.
    report = _report(os.path.join(SAMPLES, "resnet_block.prototxt"))
    assert report.total_stored_values == 357


@pytest.mark.parametrize("name, params, source", [
    # BVLC model zoo AlexNet deploy: 60,965,224 learnable parameters (widely quoted, e.g.
    # by Netscope and torchsummary for the same layer sizes).
    ("bvlc_alexnet_deploy.prototxt", 60_965_224, "BVLC AlexNet deploy"),
    ("bvlc_caffenet_deploy.prototxt", 60_965_224, "CaffeNet: AlexNet with pool/norm swapped"),
    # He et al. ResNet-50 (Caffe release), learnable: 25,557,096. It is torchvision's
    # 25,557,032 (REFERENCE.md) plus the 64 biases of conv1, the one convolution of the Caffe
    # release with a bias; BatchNorm statistics are stored values, not counted here.
    ("resnet50_deploy.prototxt", 25_557_096, "Caffe ResNet-50, learnable"),
    # SqueezeNet v1.0 paper (Iandola et al. 2016), Table 1 / DeepScale release: 1,248,424.
    ("squeezenet_v1_0_deploy.prototxt", 1_248_424, "SqueezeNet v1.0"),
    ("bvlc_lenet.prototxt", 431_080, "BVLC LeNet deploy = REFERENCE.md LeNet"),
    ("v1_bvlc_lenet.prototxt", 431_080, "the same LeNet in V1 syntax"),
    ("soeaver_vgg16_tf_deploy.prototxt", 138_357_544, "VGG-16"),
])
def test_published_param_totals(name, params, source):
    assert _report(_corpus(name)).total_params == params, source


def test_mobilenet_v1_params_match_paper():
    # Howard et al. 2017, Table 8: 1.0 MobileNet-224 has 4.2 million parameters.
    report = _report(_corpus("mobilenet_v1_deploy.prototxt"))
    assert round(report.total_params / 1e6, 1) == 4.2
