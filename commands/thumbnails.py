"""Thumbnails: JPEG, at most 320 px on the longest side (PROTOCOL.md, "Media")."""

from __future__ import annotations

import io

from PIL import Image

THUMBNAIL_PX = 320


def thumbnail_jpeg(image: Image.Image) -> bytes:
    small = image.convert("RGB")
    small.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX))
    out = io.BytesIO()
    small.save(out, "JPEG", quality=80)
    return out.getvalue()
