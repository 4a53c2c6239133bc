"""Voice notes recorded in a browser: MediaRecorder writes Opus in WebM and
declares audio/webm, while the sniffer names WebM bytes video/webm."""

from __future__ import annotations

import pytest

from commands.media_types import MediaPolicy, UnsupportedMedia, kind_of
from tests.support import media_files

WEBM_HEAD = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm" + b"\0" * 64


def test_webm_bytes_declared_as_audio_webm_are_a_voice_note() -> None:
    content_type = MediaPolicy().content_type(WEBM_HEAD, "audio/webm;codecs=opus")
    assert content_type == "audio/webm"
    assert kind_of(content_type) == "voice"


def test_webm_bytes_declared_as_video_stay_a_video() -> None:
    assert MediaPolicy().content_type(WEBM_HEAD, "video/webm") == "video/webm"


def test_other_bytes_declared_as_audio_webm_are_refused() -> None:
    with pytest.raises(UnsupportedMedia):
        MediaPolicy().content_type(media_files.png(), "audio/webm")
