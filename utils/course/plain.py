"""Plain data as bytes: what crosses between the checker and a sandboxed notebook's process.

A value is *plain* when it is built only of exact ``torch.Tensor``, ``float``, ``int``, ``bool``,
``str``, ``None``, ``torch.dtype``, and lists, tuples and dicts of those: no subclass, no object
with methods of its own. `encode` turns a plain value into bytes (JSON with tagged tensors,
tuples, dicts and special floats) and raises `NotPlain` for anything else; `decode` builds the
value back from bytes it does not trust: it runs no code of the sender (no pickle), accepts only
the tags above, and every object it returns is of an exact built-in or torch type.

This module is standalone (the standard library, and torch only inside the functions): the
sandboxed process runs a copy of it, and the checker imports its own.
"""

from __future__ import annotations

import base64
import json
import math

MAX_BYTES = 64 << 20  # one message
MAX_DEPTH = 32
DTYPES = (
    "float64",
    "float32",
    "float16",
    "bfloat16",
    "int64",
    "int32",
    "int16",
    "int8",
    "uint8",
    "bool",
    "complex64",
    "complex128",
)


class NotPlain(TypeError):
    """A value that is not plain data; the message says what it is."""


def describe(value: object) -> str:
    """What a value is, for a verdict ("a list", "a MyTensor (a torch.Tensor subclass)")."""
    kind = type(value)
    name = getattr(kind, "__qualname__", "object")
    for base in (float, int, str, list, tuple, dict):
        if isinstance(value, base) and kind is not base:
            return f"a {name} (a subclass of {base.__name__})"
    try:
        import torch

        if isinstance(value, torch.Tensor) and kind is not torch.Tensor:
            return f"a {name} (a torch.Tensor subclass)"
    except ImportError:  # pragma: no cover - the course always has torch
        pass
    return f"a {name}"


def _tensor_to(value) -> dict:
    import torch

    if value.layout != torch.strided:
        raise NotPlain(f"a {value.layout} tensor (only dense tensors are accepted)")
    name = str(value.dtype).removeprefix("torch.")
    if name not in DTYPES:
        raise NotPlain(f"a tensor of dtype {name}")
    data = value.detach().to("cpu").contiguous()
    if name == "bfloat16":
        raw = data.view(torch.int16).numpy().tobytes()
    else:
        raw = data.numpy().tobytes()
    return {"$x": name, "s": list(data.shape), "b": base64.b64encode(raw).decode("ascii")}


def to_json(value: object, depth: int = 0) -> object:
    """The JSON form of a plain value; raises NotPlain."""
    if depth > MAX_DEPTH:
        raise NotPlain(f"data nested over {MAX_DEPTH} deep")
    kind = type(value)
    if value is None or kind is bool or kind is str:
        return value
    if kind is int:
        if abs(value) >= 1 << 63:
            raise NotPlain("an int of more than 64 bits")
        return value
    if kind is float:
        return value if math.isfinite(value) else {"$f": repr(value)}
    if kind is list:
        return [to_json(v, depth + 1) for v in value]
    if kind is tuple:
        return {"$t": [to_json(v, depth + 1) for v in value]}
    if kind is dict:
        return {"$d": [[to_json(k, depth + 1), to_json(v, depth + 1)] for k, v in value.items()]}
    import torch

    if kind is torch.Tensor:
        if value.requires_grad:
            raise NotPlain("a tensor that requires grad")
        return _tensor_to(value)
    if kind is torch.dtype:
        return {"$dt": str(value).removeprefix("torch.")}
    raise NotPlain(describe(value))


def encode(value: object) -> bytes:
    """Bytes for a plain value; raises NotPlain for anything else."""
    data = json.dumps(to_json(value), allow_nan=False, separators=(",", ":")).encode()
    if len(data) > MAX_BYTES:
        raise NotPlain(f"{len(data) >> 20} MB of data (over {MAX_BYTES >> 20} MB)")
    return data


def _tensor_from(item: dict):
    import torch

    name, shape, text = item.get("$x"), item.get("s"), item.get("b")
    if name not in DTYPES or not isinstance(shape, list) or not isinstance(text, str):
        raise ValueError("a malformed tensor")
    if len(shape) > 16 or not all(type(n) is int and 0 <= n < 1 << 40 for n in shape):
        raise ValueError("a malformed tensor shape")
    raw = base64.b64decode(text.encode("ascii"), validate=True)
    dtype = getattr(torch, name)
    numel = math.prod(shape)
    size = torch.empty((), dtype=dtype).element_size()
    if numel * size != len(raw):
        raise ValueError("a tensor whose data does not fit its shape")
    if numel == 0:
        return torch.empty(shape, dtype=dtype)
    if name == "bfloat16":
        flat = torch.frombuffer(bytearray(raw), dtype=torch.int16).view(torch.bfloat16)
    else:
        flat = torch.frombuffer(bytearray(raw), dtype=dtype)
    return flat.reshape(shape).clone()


def from_json(item: object, depth: int = 0) -> object:
    """A plain value from its JSON form; raises ValueError on anything else."""
    if depth > MAX_DEPTH + 2:
        raise ValueError("data nested too deep")
    kind = type(item)
    if item is None or kind in (bool, str, int, float):
        return item
    if kind is list:
        return [from_json(v, depth + 1) for v in item]
    if kind is not dict or len(item) not in (1, 3):
        raise ValueError(f"unexpected {kind.__name__}")
    if "$t" in item and isinstance(item["$t"], list):
        return tuple(from_json(v, depth + 1) for v in item["$t"])
    if "$d" in item and isinstance(item["$d"], list):
        out = {}
        for pair in item["$d"]:
            if not isinstance(pair, list) or len(pair) != 2:
                raise ValueError("a malformed dict")
            key = from_json(pair[0], depth + 1)
            if isinstance(key, list | dict) or type(key).__name__ == "Tensor":
                raise ValueError("an unhashable dict key")
            out[key] = from_json(pair[1], depth + 1)
        return out
    if "$f" in item and item["$f"] in ("nan", "inf", "-inf"):
        return float(item["$f"])
    if "$dt" in item and item["$dt"] in DTYPES:
        import torch

        return getattr(torch, item["$dt"])
    if "$x" in item:
        return _tensor_from(item)
    raise ValueError("an unknown tag")


def decode(data: bytes) -> object:
    """The plain value in ``data``; raises ValueError when it is anything else."""
    if len(data) > MAX_BYTES:
        raise ValueError(f"{len(data) >> 20} MB of data (over {MAX_BYTES >> 20} MB)")
    try:
        item = json.loads(data.decode("utf-8"), parse_constant=_no_constant)
    except RecursionError:
        raise ValueError("data nested too deep") from None
    return from_json(item)


def _no_constant(name: str):
    raise ValueError(f"a bare {name}")
