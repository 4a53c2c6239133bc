"""Media files the tests make: a JPEG with EXIF and GPS, a PNG, a truncated
image, a pixel bomb (a PNG header claiming 100 megapixels), an Ogg/Opus
voice note and an MP4 video written with PyAV, and a small PDF."""

from __future__ import annotations

import io
import math
import struct
import zlib
from fractions import Fraction
from pathlib import Path

import av
from PIL import Image

GPS_IFD = 0x8825


def jpeg_with_gps(width: int = 1200, height: int = 800) -> bytes:
    image = Image.new("RGB", (width, height), (200, 40, 40))
    exif = Image.Exif()
    exif[0x010F] = "TestCam"  # Make
    exif[0x0110] = "Model 1"  # Model
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (48.0, 51.0, 29.0), 3: "E", 4: (2.0, 17.0, 40.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), quality=90)
    return out.getvalue()


def png(width: int = 64, height: int = 48) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 120, 200)).save(out, "PNG")
    return out.getvalue()


def truncated_jpeg() -> bytes:
    whole = jpeg_with_gps(600, 400)
    return whole[: len(whole) // 2]


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def pixel_bomb(width: int = 10_000, height: int = 10_000) -> bytes:
    """A valid PNG header for 100 megapixels of 1-bit grey; its data is a
    few compressed rows (a decoder that trusted it would allocate it all)."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * ((width + 7) // 8 + 1) * 16)
    signature = b"\x89PNG\r\n\x1a\n"
    return signature + _chunk(b"IHDR", header) + _chunk(b"IDAT", rows) + _chunk(b"IEND", b"")


def ogg_opus_voice(path: Path, seconds: float = 1.5) -> bytes:
    rate = 48_000
    with av.open(str(path), "w", format="ogg") as container:
        stream = container.add_stream("libopus", rate=rate)
        stream.layout = "mono"
        samples = int(rate * seconds)
        frame_size = 960
        for start in range(0, samples, frame_size):
            frame = av.AudioFrame(format="flt", layout="mono", samples=frame_size)
            tone = (
                0.3 * math.sin(2 * math.pi * 440 * (start + i) / rate) for i in range(frame_size)
            )
            frame.planes[0].update(struct.pack(f"<{frame_size}f", *tone))
            frame.sample_rate = rate
            frame.pts = start
            frame.time_base = Fraction(1, rate)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path.read_bytes()


def mp4_video(path: Path, width: int = 640, height: int = 360, frames: int = 24) -> bytes:
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=24)
        stream.width = width
        stream.height = height
        stream.pix_fmt = "yuv420p"
        for index in range(frames):
            shade = (index * 10) % 255
            picture = Image.new("RGB", (width, height), (shade, 255 - shade, 90))
            frame = av.VideoFrame.from_image(picture)  # type: ignore[no-untyped-call]
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path.read_bytes()


def small_pdf() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )
