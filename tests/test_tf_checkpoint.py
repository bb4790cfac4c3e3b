"""The checkpoint V2 `.index` reader: crc32c, the LevelDB table walk, BundleEntryProto
decoding, and clear errors on damaged files."""
import os
import random

import pytest

from conftest import REFERENCE
from netcost.errors import ParseError
from netcost.frontends import tf_checkpoint as ck
from netcost.proto import tf_bundle_pb2, tf_graph_pb2, tf_meta_graph_pb2

TF = os.path.join(REFERENCE, "tf")


def reference(name):
    path = os.path.join(TF, name)
    if not os.path.exists(path):
        pytest.skip(f"shared reference files not present: {path}")
    return path


# ---------------------------------------------------------------------------------------
# crc32c

def _crc32c_bitwise(data, crc=0):
    """Bit-at-a-time reference (reflected Castagnoli polynomial), independent of the
    module's sliced tables."""
    crc ^= 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


@pytest.mark.parametrize("data, expected", [
    (b"", 0x00000000),
    (b"123456789", 0xE3069283),          # the standard check value of CRC-32C
    (bytes(32), 0x8A9136AA),             # RFC 3720 B.4: 32 bytes of zeros
    (b"\xff" * 32, 0x62A8AB43),          # ... 32 bytes of ones
    (bytes(range(32)), 0x46DD794E),      # ... incrementing 00..1f
    (bytes(range(31, -1, -1)), 0x113FDB5C),  # ... decrementing 1f..00
])
def test_crc32c_known_vectors(data, expected):
    assert ck.crc32c(data) == expected


def test_crc32c_matches_bitwise_reference_and_continues():
    rng = random.Random(7)
    for n in list(range(0, 40)) + [255, 256, 1000, 4099]:
        data = bytes(rng.randrange(256) for _ in range(n))
        assert ck.crc32c(data) == _crc32c_bitwise(data), n
        cut = rng.randrange(n + 1)
        assert ck.crc32c_update(ck.crc32c(data[:cut]), data[cut:]) == ck.crc32c(data)
    assert ck.crc32c(memoryview(b"123456789")) == 0xE3069283
    assert ck.crc32c(bytearray(b"123456789")) == 0xE3069283


def test_crc_mask_is_leveldbs():
    # mask = rotate right by 15, plus 0xa282ead8 (mod 2^32)
    assert ck.mask_crc(0) == 0xA282EAD8
    assert ck.mask_crc(0x00008000) == (1 + 0xA282EAD8) & 0xFFFFFFFF
    assert ck.mask_crc(1) == ((1 << 17) + 0xA282EAD8) & 0xFFFFFFFF
    for crc in (0, 1, 0xE3069283, 0xFFFFFFFF, 0x12345678):
        assert ck.unmask_crc(ck.mask_crc(crc)) == crc
        assert ck.mask_crc(crc) != crc


# ---------------------------------------------------------------------------------------
# The LeNet checkpoint of REFERENCE.md (tf.compat.v1.layers, TF1 Saver, V2 format)

LENET_SHAPES = {
    "Variable": (1, 28, 28, 1),      # the image is a variable in lenet_oracle.py
    "conv1/kernel": (5, 5, 1, 20), "conv1/bias": (20,),
    "conv2/kernel": (5, 5, 20, 50), "conv2/bias": (50,),
    "ip1/kernel": (800, 500), "ip1/bias": (500,),
    "ip2/kernel": (500, 10), "ip2/bias": (10,),
}


def test_lenet_index_entries():
    header, entries = ck.read_index(reference("lenet.ckpt.index"))
    assert header.num_shards == 1
    assert header.endianness == tf_bundle_pb2.BundleHeaderProto.LITTLE
    assert {name: e.shape for name, e in entries.items()} == LENET_SHAPES
    assert list(entries) == sorted(entries)  # table order is key order
    for e in entries.values():
        assert e.dtype == "DT_FLOAT"
        assert e.shard_id == 0 and not e.sliced
        assert e.size == 4 * e.num_elements
    # The weights of REFERENCE.md's LeNet table: 431,080 params (the image is not a param).
    assert sum(e.num_elements for n, e in entries.items() if n != "Variable") == 431_080
    # The tensors tile the single data shard exactly.
    data_file = reference("lenet.ckpt.data-00000-of-00001")
    assert sum(e.size for e in entries.values()) == os.path.getsize(data_file) == 1_727_456
    spans = sorted((e.offset, e.size) for e in entries.values())
    assert spans[0][0] == 0
    assert all(a + n == b for (a, n), (b, _) in zip(spans, spans[1:]))
    assert entries["conv1/kernel"].data_file("lenet.ckpt", header.num_shards) == \
        "lenet.ckpt.data-00000-of-00001"


def test_lenet_entry_crcs_match_the_data_shard():
    # Independent of the reader: the stored crc32c is LevelDB-masked crc32c of the bytes.
    _, entries = ck.read_index(reference("lenet.ckpt.index"))
    with open(reference("lenet.ckpt.data-00000-of-00001"), "rb") as f:
        data = f.read()
    for e in entries.values():
        assert e.crc32c == ck.mask_crc(ck.crc32c(data[e.offset:e.offset + e.size])), e.name


def test_lenet_index_agrees_with_meta_graph():
    _, entries = ck.read_index(reference("lenet.ckpt.index"))
    with open(reference("lenet.ckpt.meta"), "rb") as f:
        meta = tf_meta_graph_pb2.MetaGraphDef.FromString(f.read())
    assert meta.saver_def.version == tf_meta_graph_pb2.SaverDef.V2
    variables = [tf_meta_graph_pb2.VariableDef.FromString(b)
                 for b in meta.collection_def["variables"].bytes_list.value]
    assert sorted(v.variable_name[:-2] for v in variables) == list(entries)


def test_prefix_path_is_accepted():
    path = reference("lenet.ckpt.index")
    header, entries = ck.read_index(path[:-len(".index")])
    assert header.num_shards == 1 and len(entries) == 9


# ---------------------------------------------------------------------------------------
# Damaged copies of the LeNet index

def _lenet_bytes():
    with open(reference("lenet.ckpt.index"), "rb") as f:
        return bytearray(f.read())


def _error(tmp_path, data, name="bad.index"):
    path = tmp_path / name
    path.write_bytes(bytes(data))
    with pytest.raises(ParseError) as info:
        ck.read_index(str(path))
    err = info.value
    assert err.file == str(path)
    assert "\n" not in str(err) and str(err).startswith(str(path) + ": ")
    return err.message


def test_flipped_byte_in_data_block_is_a_crc_error(tmp_path):
    data = _lenet_bytes()
    data[0x30] ^= 0x01  # inside the first (only) data block: "conv1/bias" key
    message = _error(tmp_path, data)
    assert "crc32c mismatch" in message and "data block" in message


def test_flipped_byte_in_index_block_is_a_crc_error(tmp_path):
    data = _lenet_bytes()
    reader = ck._TableReader(bytes(data), "x")
    offset, size = reader.index_block
    data[offset + size - 5] ^= 0x40
    message = _error(tmp_path, data)
    assert "crc32c mismatch" in message and "index block" in message


def test_flipped_crc_in_trailer_is_a_crc_error(tmp_path):
    data = _lenet_bytes()
    reader = ck._TableReader(bytes(data), "x")
    offset, size = reader.index_block
    data[offset + size + 2] ^= 0xFF
    assert "crc32c mismatch" in _error(tmp_path, data)


@pytest.mark.parametrize("keep", [0, 20, 47, 100, -1, -8, -30])
def test_truncated_file_is_a_clear_error(tmp_path, keep):
    data = _lenet_bytes()
    cut = data[:keep] if keep >= 0 else data[:len(data) + keep]
    message = _error(tmp_path, cut)
    assert "truncated" in message
    if len(cut) < 48:
        assert f"{len(cut)} bytes" in message


def test_wrong_magic(tmp_path):
    data = _lenet_bytes()
    data[-1] ^= 0xFF
    message = _error(tmp_path, data)
    assert "bad table magic" in message and "0xdb4775248b80fb57" in message


def test_not_an_index_at_all(tmp_path):
    with open(reference("lenet.ckpt.meta"), "rb") as f:
        assert "bad table magic" in _error(tmp_path, f.read())


def test_bad_varint_in_footer(tmp_path):
    data = _lenet_bytes()
    data[-48:-8] = b"\xff" * 40
    message = _error(tmp_path, data)
    assert "bad varint" in message and "footer" in message


def test_block_handle_past_the_end(tmp_path):
    data = _lenet_bytes()
    # metaindex (0, 0), index (60000, 10) then padding
    footer = _varint(0) + _varint(0) + _varint(60000) + _varint(10)
    data[-48:-8] = footer + bytes(40 - len(footer))
    assert "runs past" in _error(tmp_path, data)


def test_missing_file():
    with pytest.raises(ParseError) as info:
        ck.read_index("/nonexistent/model.ckpt.index")
    assert "cannot read" in info.value.message


# ---------------------------------------------------------------------------------------
# Synthetic tables: many blocks, prefix compression, long keys and values

def _varint(n):
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _block(items, restart_interval=16):
    out, restarts, previous = bytearray(), [], b""
    for i, (key, value) in enumerate(items):
        if i % restart_interval == 0:
            restarts.append(len(out))
            shared = 0
        else:
            shared = len(os.path.commonprefix([previous, key]))
        out += _varint(shared) + _varint(len(key) - shared) + _varint(len(value))
        out += key[shared:] + value
        previous = key
    for r in restarts or [0]:
        out += r.to_bytes(4, "little")
    out += len(restarts or [0]).to_bytes(4, "little")
    return bytes(out)


def _table(items, per_block=50, compression=0):
    """A LevelDB-format table holding the sorted (key, value) items."""
    out, index = bytearray(), []

    def put(block):
        handle = _varint(len(out)) + _varint(len(block))
        kind = bytes([compression])
        crc = ck.mask_crc(ck.crc32c(block + kind))
        out.extend(block + kind + crc.to_bytes(4, "little"))
        return handle

    for start in range(0, len(items), per_block):
        chunk = items[start:start + per_block]
        index.append((chunk[-1][0], put(_block(chunk))))
    meta_handle = put(_block([]))
    index_handle = put(_block(index, restart_interval=1))
    footer = meta_handle + index_handle
    out += footer + bytes(40 - len(footer)) + ck.TABLE_MAGIC.to_bytes(8, "little")
    return bytes(out)


def _entry(dtype, shape, offset, size, shard=0, slices=0):
    e = tf_bundle_pb2.BundleEntryProto(dtype=dtype, shard_id=shard, offset=offset, size=size,
                                       crc32c=0xDEADBEEF)
    for d in shape:
        e.shape.dim.add(size=d)
    for _ in range(slices):
        e.slices.add().extent.add(start=0, length=1)
    return e.SerializeToString()


def _header(num_shards=1):
    return tf_bundle_pb2.BundleHeaderProto(num_shards=num_shards).SerializeToString()


def test_many_tensors_over_many_blocks(tmp_path):
    rng = random.Random(3)
    expected = {}
    items = [(b"", _header(num_shards=4))]
    offset = 0
    for i in range(3000):
        # shared prefixes, some names over 127 bytes (two-byte varint lengths)
        name = f"model/block_{i // 100:02d}/layer_{i % 100:02d}/" + \
            ("kernel" if i % 2 else "bias" + "_long" * (i % 40))
        shape = tuple(rng.randrange(1, 300) for _ in range(rng.randrange(0, 5)))
        size = 4
        for d in shape:
            size *= d
        expected[name] = (shape, i % 4, offset, size)
        items.append((name.encode(), _entry(tf_graph_pb2.DT_FLOAT, shape, offset, size, i % 4)))
        offset += size
    items.sort()
    path = tmp_path / "big.index"
    path.write_bytes(_table(items, per_block=37))
    header, entries = ck.read_index(str(path))
    assert header.num_shards == 4
    assert list(entries) == sorted(expected)
    assert {n: (e.shape, e.shard_id, e.offset, e.size) for n, e in entries.items()} == expected
    assert max(len(n) for n in entries) > 127


def test_unknown_dims_dtypes_slices_and_binary_keys(tmp_path):
    items = sorted([
        (b"", _header()),
        (b"a", _entry(tf_graph_pb2.DT_INT64, (), 0, 8)),
        (b"b", _entry(tf_graph_pb2.DT_BFLOAT16, (-1, 3), 8, 0)),
        (b"c", _entry(tf_graph_pb2.DT_FLOAT, (4, 4), 0, 0, slices=2)),
        (b"c\x00\xff", _entry(tf_graph_pb2.DT_FLOAT, (2, 4), 8, 32)),
        (b"d", _entry(77, (1,), 40, 4)),
    ])
    path = tmp_path / "odd.index"
    path.write_bytes(_table(items, per_block=2))
    _, entries = ck.read_index(str(path))
    assert entries["a"].shape == () and entries["a"].dtype == "DT_INT64"
    assert entries["a"].num_elements == 1
    assert entries["b"].shape == (None, 3) and entries["b"].num_elements is None
    assert entries["b"].dtype == "DT_BFLOAT16"
    assert entries["c"].sliced and not entries["a"].sliced
    assert "c\x00\\xff" in entries  # bytes that are not UTF-8 come back escaped
    assert entries["d"].dtype == "DT_UNKNOWN_77"


def test_snappy_block_is_reported_unsupported(tmp_path):
    data = _table([(b"", _header())], compression=1)
    message = _error(tmp_path, data)
    assert "snappy" in message and "not supported" in message


def test_unknown_compression_type(tmp_path):
    assert "compression type 9" in _error(tmp_path, _table([(b"", _header())], compression=9))


def test_missing_header(tmp_path):
    data = _table([(b"w", _entry(tf_graph_pb2.DT_FLOAT, (1,), 0, 4))])
    assert "no BundleHeaderProto" in _error(tmp_path, data)


def test_unknown_rank_entry(tmp_path):
    entry = tf_bundle_pb2.BundleEntryProto(dtype=tf_graph_pb2.DT_FLOAT,
                                           shape={"unknown_rank": True})
    data = _table([(b"", _header()), (b"w", entry.SerializeToString())])
    assert "'w' is stored with an unknown rank" in _error(tmp_path, data)


def test_corrupt_entry_proto(tmp_path):
    data = _table([(b"", _header()), (b"w", b"\x0a\xff\xff")])
    message = _error(tmp_path, data)
    assert "corrupt BundleEntryProto" in message and "'w'" in message


def test_corrupt_block_structure(tmp_path):
    # a valid crc over nonsense: restart count larger than the block
    block = b"\x00\x01\x02" + (1000).to_bytes(4, "little")
    kind = b"\x00"
    crc = ck.mask_crc(ck.crc32c(block + kind)).to_bytes(4, "little")
    index = _block([(b"x", _varint(0) + _varint(len(block)))], restart_interval=1)
    index_at = len(block) + 5
    index_crc = ck.mask_crc(ck.crc32c(index + kind)).to_bytes(4, "little")
    footer = _varint(0) + _varint(0) + _varint(index_at) + _varint(len(index))
    data = block + kind + crc + index + kind + index_crc + footer + bytes(40 - len(footer)) + \
        ck.TABLE_MAGIC.to_bytes(8, "little")
    assert "restart count" in _error(tmp_path, data)
    # an entry whose value runs past the entries area
    block = _varint(0) + _varint(1) + _varint(100) + b"k" + b"\x00" * 4 + \
        (0).to_bytes(4, "little") + (1).to_bytes(4, "little")
    crc = ck.mask_crc(ck.crc32c(block + kind)).to_bytes(4, "little")
    index = _block([(b"x", _varint(0) + _varint(len(block)))], restart_interval=1)
    index_at = len(block) + 5
    index_crc = ck.mask_crc(ck.crc32c(index + kind)).to_bytes(4, "little")
    footer = _varint(0) + _varint(0) + _varint(index_at) + _varint(len(index))
    data = block + kind + crc + index + kind + index_crc + footer + bytes(40 - len(footer)) + \
        ck.TABLE_MAGIC.to_bytes(8, "little")
    assert "runs past the entries" in _error(tmp_path, data)
