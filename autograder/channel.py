"""The data-only channel between the grader and a worker.

A message is a length-prefixed frame: an 8-byte big-endian length, a 4-byte header length, a JSON
header, then raw tensor bytes. JSON cannot execute code when read, and tensors are rebuilt from raw
bytes after their dtype, shape and size were checked, so nothing a student's process sends can run
in the grader. Supported values: None, bool, int, float (inf/nan included), str, list, tuple,
dict with str keys, torch.Tensor and numpy arrays of the dtypes in DTYPES.
"""
from __future__ import annotations

import json
import math
import socket
import struct
import time

import numpy as np
import torch

DTYPES = {
    "float16": torch.float16, "float32": torch.float32, "float64": torch.float64,
    "int8": torch.int8, "int16": torch.int16, "int32": torch.int32, "int64": torch.int64,
    "uint8": torch.uint8, "bool": torch.bool,
}
MAX_DEPTH = 20
MAX_ITEMS = 100_000
MAX_HEADER = 8 << 20


class ChannelError(Exception):
    """A message that is not valid data (too big, malformed, or of a type we do not accept)."""


def _dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).replace("torch.", "")


def _encode(value, buffers: list[bytes], depth: int):
    if depth > MAX_DEPTH:
        raise ChannelError(f"data nested deeper than {MAX_DEPTH} levels")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        text = str(int(value))
        if len(text) >= 64:
            raise ChannelError("ints of more than 63 digits cannot be sent back")
        return {"int": text}
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else {"float": repr(float(value))}
    if isinstance(value, np.generic):  # a numpy scalar travels as a 0-d array
        value = np.asarray(value)
    if isinstance(value, np.ndarray):
        if value.dtype.name not in DTYPES:
            raise ChannelError(f"arrays of dtype {value.dtype} cannot be sent back")
        native = np.ascontiguousarray(value, dtype=value.dtype.newbyteorder("=")).reshape(value.shape)
        return {"ndarray": _encode(torch.from_numpy(native), buffers, depth)["tensor"]}
    if isinstance(value, torch.Tensor):
        tensor = torch.Tensor.detach(value).cpu().contiguous()
        name = _dtype_name(tensor.dtype)
        if name not in DTYPES:
            raise ChannelError(f"tensors of dtype {tensor.dtype} cannot be sent back")
        data = tensor.numpy().tobytes() if tensor.numel() else b""
        buffers.append(data)
        return {"tensor": {"dtype": name, "shape": list(tensor.shape), "nbytes": len(data)}}
    if isinstance(value, (list, tuple)):
        items = [_encode(item, buffers, depth + 1) for item in value]
        return {"tuple": items} if isinstance(value, tuple) else items
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise ChannelError("dict keys must be strings")
        return {"dict": {key: _encode(item, buffers, depth + 1) for key, item in value.items()}}
    raise ChannelError(f"a {type(value).__name__} cannot be sent back; return tensors, numbers, strings, "
                       f"lists, tuples or dicts")


def encode(message) -> bytes:
    """Serialise `message` (a dict of supported values) to one frame body."""
    buffers: list[bytes] = []
    header = json.dumps(_encode(message, buffers, 0), allow_nan=False).encode()
    return struct.pack(">I", len(header)) + header + b"".join(buffers)


class _Decoder:
    def __init__(self, body: bytes, offset: int):
        self.body, self.offset, self.items = body, offset, 0

    def tensor(self, spec) -> torch.Tensor:
        if not isinstance(spec, dict) or set(spec) != {"dtype", "shape", "nbytes"}:
            raise ChannelError("malformed tensor")
        dtype = DTYPES.get(spec["dtype"]) if isinstance(spec["dtype"], str) else None
        shape, nbytes = spec["shape"], spec["nbytes"]
        if dtype is None or not isinstance(shape, list) or len(shape) > 16 or \
                not all(type(s) is int and 0 <= s for s in shape) or type(nbytes) is not int:
            raise ChannelError("malformed tensor")
        count = math.prod(shape)
        if count * torch.empty((), dtype=dtype).element_size() != nbytes or \
                self.offset + nbytes > len(self.body):
            raise ChannelError("tensor size does not match its shape")
        data = bytearray(self.body[self.offset:self.offset + nbytes])
        self.offset += nbytes
        if not count:
            return torch.empty(shape, dtype=dtype)
        return torch.frombuffer(data, dtype=dtype).reshape(shape)

    def value(self, node, depth: int = 0):
        self.items += 1
        if depth > MAX_DEPTH or self.items > MAX_ITEMS:
            raise ChannelError("data too deeply nested or too many items")
        if node is None or isinstance(node, (bool, str, float)):
            return node
        if isinstance(node, list):
            return [self.value(item, depth + 1) for item in node]
        if not isinstance(node, dict) or len(node) != 1:
            raise ChannelError("malformed message")
        (kind, payload), = node.items()
        if kind == "int" and isinstance(payload, str) and len(payload) < 64:
            return int(payload)
        if kind == "float" and payload in ("inf", "-inf", "nan"):
            return float(payload)
        if kind == "tensor":
            return self.tensor(payload)
        if kind == "ndarray":
            return self.tensor(payload).numpy()
        if kind == "tuple" and isinstance(payload, list):
            return tuple(self.value(item, depth + 1) for item in payload)
        if kind == "dict" and isinstance(payload, dict):
            return {key: self.value(item, depth + 1) for key, item in payload.items()}
        raise ChannelError("malformed message")


def decode(body: bytes):
    """Rebuild a message from a frame body, validating every part of it."""
    if len(body) < 4:
        raise ChannelError("truncated message")
    (size,) = struct.unpack(">I", body[:4])
    if size > MAX_HEADER or 4 + size > len(body):
        raise ChannelError("malformed message header")
    try:
        header = json.loads(body[4:4 + size])
    except (ValueError, RecursionError):
        raise ChannelError("message header is not valid JSON") from None
    decoder = _Decoder(body, 4 + size)
    try:
        message = decoder.value(header)
    except (ValueError, RecursionError, OverflowError) as error:
        raise ChannelError(f"malformed message ({error})") from None
    if decoder.offset != len(body):
        raise ChannelError("trailing bytes after the message")
    return message


def send(sock: socket.socket, message) -> None:
    send_body(sock, encode(message))


def send_body(sock: socket.socket, body: bytes) -> None:
    """Send a frame body made by encode()."""
    sock.sendall(struct.pack(">Q", len(body)) + body)


def _recv_exact(sock: socket.socket, size: int, deadline: float | None) -> bytes:
    chunks, left = [], size
    while left:
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no complete message before the deadline")
            sock.settimeout(remaining)
        chunk = sock.recv(min(left, 1 << 20))
        if not chunk:
            raise EOFError("the other side closed the connection")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def recv(sock: socket.socket, max_bytes: int, deadline: float | None = None):
    """Read one message; a frame bigger than `max_bytes` is refused before it is read.

    deadline: a time.monotonic() value by which the whole message must have arrived.
    """
    (size,) = struct.unpack(">Q", _recv_exact(sock, 8, deadline))
    if size > max_bytes:
        raise ChannelError(f"the reply is {size / 2**20:.1f} MiB, more than the {max_bytes / 2**20:.0f} MiB "
                           f"allowed")
    return decode(_recv_exact(sock, size, deadline))
