"""What a decoder reads from an uploaded file: dimensions, duration and a
thumbnail (JPEG bytes). The image and video inspectors live in
``commands/images.py`` and ``commands/video.py``; they run in a worker
thread with a time limit per file (``inspect_off_loop``)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from commands.media_types import UnsupportedMedia


@dataclass(frozen=True)
class Inspection:
    width: int | None = None
    height: int | None = None
    duration_ms: int | None = None
    thumbnail: bytes | None = None
    """The thumbnail (JPEG), at most 320 px on its longest side."""
    cleaned: Path | None = None
    """A rewritten file to store instead of the upload (an image without its
    metadata), or None to store the upload as it came."""


Inspector = Callable[[Path, str], Inspection]
"""(file, content type) -> what was read; raises UnsupportedMedia for bytes
it cannot decode."""


def no_inspection(path: Path, content_type: str) -> Inspection:
    return Inspection()


async def inspect_off_loop(
    inspector: Inspector, path: Path, content_type: str, timeout: float
) -> Inspection:
    """Runs the inspector in a worker thread; past ``timeout`` the upload is
    refused (415) and the thread's result is dropped."""
    try:
        return await asyncio.wait_for(
            asyncio.to_thread(inspector, path, content_type), timeout=timeout
        )
    except TimeoutError:
        raise UnsupportedMedia(f"the file could not be decoded within {timeout:g} s") from None
