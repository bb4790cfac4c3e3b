"""Every layer type that gets a shape gets a cost rule in every convention."""
import pytest

from netcost.cost import conventions
from netcost.shapes.caffe import CAFFE_SHAPES


@pytest.mark.parametrize("name", list(conventions()))
def test_every_caffe_type_has_a_rule(name):
    registry = conventions()[name].registry
    missing = [op for op in CAFFE_SHAPES.known() if registry.get(op) is None]
    assert missing == []


def test_conventions_state_their_source_and_units():
    for convention in conventions().values():
        assert convention.description and convention.source
        assert all(m.unit for m in convention.metrics)
