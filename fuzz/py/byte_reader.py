"""byte_reader.py — decodes a fuzzer's bytes into Python values for the atheris targets.

Independent of atheris (so that committed corpora replay anywhere, with plain Python): every read is
total, returning 0/empty once the input is exhausted. `value()` draws from the kinds of arguments
a user might pass by mistake as well as on purpose: small ints (dense collisions), int64 extremes,
ints just outside int64, bools, floats (nan, inf), None, str, bytes, lists and tuples.
"""
from __future__ import annotations

import struct
from typing import Any, List

INT64_MIN, INT64_MAX = -(2 ** 63), 2 ** 63 - 1
EXTREMES = [INT64_MIN, INT64_MIN + 1, INT64_MAX, INT64_MAX - 1, 0, -1, 1,
            INT64_MAX + 1, INT64_MIN - 1, 2 ** 64, -(2 ** 64), 2 ** 100]


class ByteReader:
    """A cursor over the input bytes."""

    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def done(self) -> bool:
        return self.pos >= len(self.data)

    def u8(self) -> int:
        if self.pos >= len(self.data):
            return 0
        self.pos += 1
        return self.data[self.pos - 1]

    def raw(self, n: int) -> bytes:
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk.ljust(n, b"\0")

    def i64(self) -> int:
        return struct.unpack("<q", self.raw(8))[0]

    def key(self) -> int:
        """An int: small (tag < 160), an extreme or just-out-of-range value, or a raw int64."""
        tag = self.u8()
        if tag < 160:
            return tag - 80
        if tag < 160 + len(EXTREMES):
            return EXTREMES[tag - 160]
        return self.i64()

    def ints(self, limit: int = 16) -> List[int]:
        return [self.key() for _ in range(self.u8() % (limit + 1))]

    def value(self) -> Any:
        """Any argument: mostly ints, sometimes a wrong type."""
        tag = self.u8()
        if tag < 200:
            return self.key()
        kinds = [True, False, None, 1.5, float("nan"), float("inf"), -0.0, "7", "x", b"\x01" * 8,
                 b"abc", [1, 2], (3, 4), (), object(), 2 ** 63, -(2 ** 63) - 1, {1: 2}]
        return kinds[(tag - 200) % len(kinds)]
