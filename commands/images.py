"""Images with Pillow: dimensions, a JPEG thumbnail (at most 320 px on its
longest side), and a copy without EXIF (GPS included) or other metadata,
which is what gets stored. Decompression bombs are refused (413) by
Pillow's pixel limit before any pixel is decoded; a corrupt or truncated file is
UnsupportedMedia (415). ``inspect_media`` picks the inspector of a type."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from commands.media_inspection import Inspection
from commands.media_types import MediaTooLarge, UnsupportedMedia, kind_of
from commands.thumbnails import thumbnail_jpeg
from commands.video import inspect_audio_video

MAX_PIXELS = 50_000_000
"""Pillow's limit here: images over it are refused (Image.MAX_IMAGE_PIXELS)."""
_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP", "image/gif": "GIF"}

Image.MAX_IMAGE_PIXELS = MAX_PIXELS


def inspect_media(path: Path, content_type: str) -> Inspection:
    kind = kind_of(content_type)
    if kind == "image":
        return inspect_image(path, content_type)
    if kind in ("voice", "video"):
        return inspect_audio_video(path, kind)
    return Inspection()


def inspect_image(path: Path, content_type: str) -> Inspection:
    try:
        with Image.open(path) as image:
            _refuse_bombs(image)
            image.load()
            upright = ImageOps.exif_transpose(image)
            cleaned = _without_metadata(image, upright, path, content_type)
            return Inspection(
                width=upright.width,
                height=upright.height,
                thumbnail=thumbnail_jpeg(upright),
                cleaned=cleaned,
            )
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise MediaTooLarge(f"an image has at most {MAX_PIXELS} pixels") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise UnsupportedMedia(f"the image cannot be decoded: {error}") from None


def _refuse_bombs(image: Image.Image) -> None:
    """Pillow only warns between 1x and 2x its limit; here both are refused."""
    if image.width * image.height > MAX_PIXELS:
        raise Image.DecompressionBombError(f"{image.width}x{image.height}")


def _without_metadata(
    original: Image.Image, upright: Image.Image, path: Path, content_type: str
) -> Path | None:
    """A re-encoded copy without EXIF, XMP or text chunks (animated images
    keep every frame); GIF carries no EXIF and is stored as it came."""
    image_format = _FORMATS[content_type]
    if image_format == "GIF":
        return None
    cleaned = path.with_name(path.name + ".clean")
    animated = getattr(original, "is_animated", False)
    source = original if animated else upright
    options: dict[str, object] = {"exif": b""}
    if image_format == "JPEG":
        options.update(quality=92, icc_profile=original.info.get("icc_profile"))
    if image_format == "WEBP":
        options.update(quality=90)
    if animated:
        options["save_all"] = True
    fresh = source if animated else _copy_pixels(source)
    fresh.save(cleaned, image_format, **options)
    return cleaned


def _copy_pixels(image: Image.Image) -> Image.Image:
    """The pixels alone: ``info`` (EXIF, XMP, PNG text) is left behind."""
    copy = Image.frombytes(image.mode, image.size, image.tobytes())
    if image.mode in ("P", "PA"):
        copy.putpalette(image.getpalette() or [])
    return copy
