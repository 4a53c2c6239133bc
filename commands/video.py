"""Voice notes and videos with PyAV (its wheels carry FFmpeg): duration,
dimensions and a poster frame (the first decoded video frame) as a JPEG
thumbnail. A file FFmpeg cannot demux or decode is UnsupportedMedia (415)."""

from __future__ import annotations

from pathlib import Path

import av
from PIL import Image

from commands.media_inspection import Inspection
from commands.media_types import UnsupportedMedia
from commands.thumbnails import thumbnail_jpeg


def inspect_audio_video(path: Path, kind: str) -> Inspection:
    try:
        with av.open(str(path)) as container:
            duration_ms = _duration_ms(container)
            videos = container.streams.video
            if kind == "voice" or not videos:
                if not container.streams.audio:
                    raise UnsupportedMedia("the file has no audio stream")
                return Inspection(duration_ms=duration_ms)
            stream = videos[0]
            poster = _first_frame(container, stream)
            return Inspection(
                width=stream.codec_context.width,
                height=stream.codec_context.height,
                duration_ms=duration_ms,
                thumbnail=thumbnail_jpeg(poster) if poster is not None else None,
            )
    except av.FFmpegError as error:
        raise UnsupportedMedia(f"the file cannot be decoded: {error}") from None


def _duration_ms(container: av.container.InputContainer) -> int | None:
    if container.duration is not None:
        return int(container.duration * 1000 / av.time_base)
    for stream in container.streams:
        if stream.duration is not None and stream.time_base is not None:
            return int(stream.duration * stream.time_base * 1000)
    return None


def _first_frame(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream
) -> Image.Image | None:
    for frame in container.decode(stream):
        image: Image.Image = frame.to_image()  # type: ignore[no-untyped-call]
        return image
    return None
