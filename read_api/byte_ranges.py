"""HTTP Range requests (RFC 9110, section 14) on a blob of known size: one
range of bytes; several ranges are answered whole (200), as the RFC allows."""

from __future__ import annotations

import re
from dataclasses import dataclass

_ONE_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class Unsatisfiable(ValueError):
    """A range outside the blob: 416 with ``Content-Range: bytes */size``."""


@dataclass(frozen=True)
class ByteRange:
    first: int
    last: int  # inclusive

    @property
    def length(self) -> int:
        return self.last - self.first + 1

    def content_range(self, size: int) -> str:
        return f"bytes {self.first}-{self.last}/{size}"


def requested_range(header: str | None, size: int) -> ByteRange | None:
    """The range a ``Range`` header asks of ``size`` bytes; None for the whole
    blob (no header, several ranges, or a unit other than bytes)."""
    if not header:
        return None
    match = _ONE_RANGE.match(header.strip().replace(" ", ""))
    if match is None:
        return None
    start, end = match.groups()
    if not start and not end:
        raise Unsatisfiable("an empty range")
    if not start:  # the last N bytes
        length = int(end)
        if length == 0 or size == 0:
            raise Unsatisfiable("no bytes asked")
        return ByteRange(max(0, size - length), size - 1)
    first = int(start)
    last = min(int(end), size - 1) if end else size - 1
    if first >= size or last < first:
        raise Unsatisfiable(f"the blob has {size} bytes")
    return ByteRange(first, last)
