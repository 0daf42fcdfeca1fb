"""ONNX models edited in their protobuf wire format, so that the `onnx` package is not
needed at run time: cut a graph at a tensor, read initializers, and set their raw data.

Field numbers used: ModelProto.graph = 7, metadata_props = 14; GraphProto.node = 1,
initializer = 5, output = 12; NodeProto.input = 1, output = 2; TensorProto.dims = 1,
data_type = 2, name = 8, raw_data = 9 (and the other data fields, DATA_FIELDS).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

#: TensorProto.data_type numbers and the numpy types they hold.
DTYPES = {1: np.float32, 3: np.int8}


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        low, n = n & 0x7F, n >> 7
        out.append(low | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _read_varint(buf: bytes | memoryview, i: int) -> tuple[int, int]:
    shift = value = 0
    while True:
        if i >= len(buf):
            raise ValueError("the ONNX model ends in the middle of a number (truncated?)")
        byte = buf[i]
        i += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, i
        shift += 7


def _fields(buf: bytes | memoryview):
    """(field number, wire type, payload start, end, raw start) of a protobuf message."""
    i = 0
    while i < len(buf):
        start = i
        key, i = _read_varint(buf, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            _, j = _read_varint(buf, i)
            yield number, wire, i, j, start
        elif wire in (1, 2, 5):
            if wire == 2:
                length, i = _read_varint(buf, i)
            else:
                length = 8 if wire == 1 else 4
            j = i + length
            if j > len(buf):
                raise ValueError("the ONNX model ends in the middle of a field (truncated?)")
            yield number, wire, i, j, start
        else:
            raise ValueError(f"unexpected protobuf wire type {wire}")
        i = j


def _bytes_field(number: int, payload: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _string(message: bytes | memoryview, number: int) -> str:
    """The first string field `number` of `message`, or ""."""
    return next(iter(_strings(message, number)), "")


def _strings(message: bytes | memoryview, number: int) -> list[str]:
    return [str(message[i:j], "utf-8") for n, w, i, j, _ in _fields(message)
            if n == number and w == 2]  # fmt: skip


def with_output(model: bytes, name: str) -> bytes:
    """The ONNX `model` cut at the float tensor `name`: that tensor is the graph's only
    output, and the nodes and initializers that only fed the old outputs are dropped."""
    tensor_type = _bytes_field(1, _varint(1 << 3) + _varint(1))  # TypeProto.tensor_type: float
    value_info = _bytes_field(1, name.encode()) + _bytes_field(2, tensor_type)
    field, start, end = _graph(model)
    old = model[start:end]
    fields = list(_fields(old))
    nodes = [(k, _strings(old[a:b], 1), _strings(old[a:b], 2))
             for k, (n, _, a, b, _) in enumerate(fields) if n == 1]  # fmt: skip
    if not any(name in outputs for _, _, outputs in nodes):
        raise ValueError(f"no node in the ONNX model computes {name}")
    needed, keep = {name}, set()
    for k, inputs, outputs in reversed(nodes):  # nodes are in topological order
        if needed.intersection(outputs):
            keep.add(k)
            needed.update(inputs)
    graph = bytearray()
    for k, (n, _, a, b, g_start) in enumerate(fields):
        if n == 12 or (n == 1 and k not in keep):
            continue
        if n == 5 and not needed.intersection(_strings(old[a:b], 8)):
            continue
        graph += old[g_start:b]
    graph += _bytes_field(12, value_info)
    return model[:field] + _bytes_field(7, bytes(graph)) + model[end:]


def _graph(model: bytes) -> tuple[int, int, int]:
    """Where the graph field starts in `model`, where its payload starts, and its end."""
    for number, wire, i, j, start in _fields(model):
        if number == 7 and wire == 2:
            return start, i, j
    raise ValueError("no graph in the ONNX model")


def _initializers(model: bytes) -> Iterator[tuple[str, memoryview]]:
    """(name, TensorProto bytes) of each initializer of `model`'s graph."""
    _, start, end = _graph(model)
    graph = memoryview(model)[start:end]  # no copies of the (large) tensors
    for number, wire, i, j, _ in _fields(graph):
        if number == 5 and wire == 2:
            tensor = graph[i:j]
            yield _string(tensor, 8), tensor


def initializer_names(model: bytes) -> list[str]:
    """The names of `model`'s initializers, in the graph's order."""
    return [name for name, _ in _initializers(model)]


def metadata(model: bytes) -> dict[str, str]:
    """The model's metadata_props (ModelProto field 14: key = 1, value = 2)."""
    out = {}
    for number, wire, i, j, _ in _fields(model):
        if number == 14 and wire == 2:
            entry = model[i:j]
            out[_string(entry, 1)] = _string(entry, 2)
    return out


#: TensorProto fields that hold data: float, int32, string, int64, raw, double, uint64.
DATA_FIELDS = frozenset({4, 5, 6, 7, 9, 10, 11})


def empty_initializers(model: bytes) -> list[str]:
    """The names of `model`'s initializers that hold no data (to be filled in)."""
    return [name for name, tensor in _initializers(model)
            if not any(n in DATA_FIELDS for n, *_ in _fields(tensor))]  # fmt: skip


def _varints(buf: bytes | memoryview, i: int, j: int) -> list[int]:
    values = []
    while i < j:
        value, i = _read_varint(buf, i)
        values.append(value)
    return values


def tensors(model: bytes, names: set[str]) -> dict[str, np.ndarray]:
    """The named float32 or int8 initializers of `model`, as numpy arrays (raw data, or
    float_data and int32_data for scalars)."""
    found = {}
    for name, tensor in _initializers(model):
        if name not in names:
            continue
        dims: list[int] = []
        dtype, values = None, None
        for n, w, a, b, _ in _fields(tensor):
            if n == 1:
                dims += _varints(tensor, a, b) if w == 2 else [_read_varint(tensor, a)[0]]
            elif n == 2 and w == 0:
                dtype = DTYPES.get(_read_varint(tensor, a)[0])
            elif n == 9 and w == 2 and dtype is not None:
                values = np.frombuffer(tensor[a:b], dtype=dtype)
            elif n == 4:  # float_data, packed (wire 2) or one value (wire 5)
                values = np.frombuffer(tensor[a:b], dtype="<f4")
            elif n == 5:  # int32_data, varints (the signed ones as 64-bit two's complement)
                ints = _varints(tensor, a, b) if w == 2 else [_read_varint(tensor, a)[0]]
                values = np.array([v - (1 << 64) if v >= 1 << 63 else v for v in ints])
        if dtype is None or values is None or values.size != int(np.prod(dims)):
            raise ValueError(f"initializer {name} is not float32 or int8 data of its shape")
        found[name] = values.astype(dtype).reshape(dims)
    missing = names - found.keys()
    if missing:
        raise ValueError(f"no initializer {sorted(missing)[0]} in the ONNX model")
    return found


def with_tensor_data(model: bytes, data: dict[str, bytes | memoryview | None]) -> bytes:
    """`model` with the raw data of each named initializer replaced by `data[name]`, or
    removed where that is None. The rest of the model is kept byte for byte; the new model
    is written in one copy (the base model's tables are tens of MB)."""
    field, start, end = _graph(model)
    whole = memoryview(model)
    graph = whole[start:end]
    pieces: list[bytes | memoryview] = []
    done = set()
    for number, wire, i, j, g_start in _fields(graph):
        tensor = graph[i:j]
        name = _string(tensor, 8) if number == 5 and wire == 2 else ""
        if name not in data:
            pieces.append(graph[g_start:j])
            continue
        parts = [tensor[s:b] for n, _, _, b, s in _fields(tensor) if n != 9]
        raw = data[name]
        if raw is not None:
            parts += [_varint(9 << 3 | 2), _varint(len(raw)), raw]
        pieces += [_varint(5 << 3 | 2), _varint(sum(len(p) for p in parts)), *parts]
        done.add(name)
    missing = data.keys() - done
    if missing:
        raise ValueError(f"no initializer {sorted(missing)[0]} in the ONNX model")
    size = sum(len(p) for p in pieces)
    return b"".join([whole[:field], _varint(7 << 3 | 2), _varint(size), *pieces, whole[end:]])


def raw_data(model: bytes, names: set[str]) -> dict[str, memoryview]:
    """The raw data of the named initializers of `model`, as views into it (no copies)."""
    found = {}
    for name, tensor in _initializers(model):
        if name in names:
            raws = [tensor[a:b] for n, w, a, b, _ in _fields(tensor) if n == 9 and w == 2]
            if not raws:
                raise ValueError(f"initializer {name} has no raw data")
            found[name] = raws[0]
    missing = names - found.keys()
    if missing:
        raise ValueError(f"no initializer {sorted(missing)[0]} in the ONNX model")
    return found
