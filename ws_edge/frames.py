"""Client frames: parsing and validation (PROTOCOL.md, "WebSocket")."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from domain.rules import has_unstorable_text

MAX_SEQ = 2**31 - 1
MAX_SYNC_CONVERSATIONS = 1000


class BadFrame(Exception):
    def __init__(self, message: str, frame_id: Any = None, code: str = "bad_request") -> None:
        super().__init__(message)
        self.frame_id = frame_id
        self.code = code
        self.extra: dict[str, Any] = {}


@dataclass(frozen=True)
class Frame:
    type: str
    id: Any
    body: dict[str, Any]

    def text(self, name: str) -> str:
        value = self.body.get(name)
        if not isinstance(value, str) or not value:
            raise BadFrame(f"{name} must be a non-empty string", self.id)
        return value

    def seq(self, name: str) -> int:
        value = self.body.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SEQ:
            raise BadFrame(f"{name} must be an integer 0..{MAX_SEQ}", self.id)
        return value

    def cursors(self) -> dict[str, int]:
        raw = self.body.get("cursors")
        if not isinstance(raw, dict) or len(raw) > MAX_SYNC_CONVERSATIONS:
            raise BadFrame(
                f"cursors must be an object of at most {MAX_SYNC_CONVERSATIONS} entries", self.id
            )
        cursors: dict[str, int] = {}
        for conversation_id, last_seq in raw.items():
            if isinstance(last_seq, bool) or not isinstance(last_seq, int):
                raise BadFrame("each cursor must be an integer seq", self.id)
            if not 0 <= last_seq <= MAX_SEQ:
                raise BadFrame(f"each cursor must be 0..{MAX_SEQ}", self.id)
            cursors[conversation_id] = last_seq
        return cursors


def parse_frame(text: str) -> Frame:
    try:
        body = json.loads(text)
    except (ValueError, RecursionError):
        raise BadFrame("the frame is not valid JSON") from None
    if not isinstance(body, dict):
        raise BadFrame("a frame is a JSON object")
    if has_unstorable_text(body):
        raise BadFrame("a frame's strings cannot hold NUL or lone surrogates")
    frame_id = body.get("id")
    if (frame_id is not None and not isinstance(frame_id, (str, int))) or isinstance(
        frame_id, bool
    ):
        frame_id = None
    kind = body.get("type")
    if not isinstance(kind, str):
        raise BadFrame("a frame needs a string type", frame_id)
    return Frame(kind, frame_id, body)


def error_frame(code: str, message: str, frame_id: Any = None) -> dict[str, Any]:
    frame: dict[str, Any] = {"type": "error", "code": code, "message": message}
    if frame_id is not None:
        frame["id"] = frame_id
    return frame
