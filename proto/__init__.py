"""Protobuf schemas written for netcost and the modules protoc generates from them
(installed as netcost.proto). Regenerate with `python proto/generate.py`."""
