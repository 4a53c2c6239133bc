"""The JSON transcoder of events and snapshots, on eventsourcing's public
``Transcoder`` interface and its ``Transcoding`` classes.

The format is the one eventsourcing's ``JSONTranscoder`` writes (compact
JSON, non-ASCII kept, a registered type as ``{"_type_": name, "_data_":
...}``: ``uuid_hex``, ``datetime_iso``), except that attachments are plain
JSON objects (the media object's fields), as the hash chain covers them:
records written before this module decode the same.
"""

from __future__ import annotations

import json
from typing import Any

from eventsourcing.persistence import (
    DatetimeAsISO,
    Transcoder,
    Transcoding,
    TranscodingNotRegisteredError,
    UUIDAsHex,
)

from domain.attachments import Attachment

TYPE_KEY, DATA_KEY = "_type_", "_data_"


class ChatTranscoder(Transcoder):
    def __init__(self, transcodings: tuple[Transcoding, ...] = (UUIDAsHex(), DatetimeAsISO())):
        self._by_type = {transcoding.type: transcoding for transcoding in transcodings}
        self._by_name = {transcoding.name: transcoding for transcoding in transcodings}
        self._encoder = json.JSONEncoder(
            default=self._encode_value, separators=(",", ":"), ensure_ascii=False
        )
        self._decoder = json.JSONDecoder(object_hook=self._decode_object)

    def encode(self, obj: Any) -> bytes:
        return self._encoder.encode(obj).encode("utf8")

    def decode(self, data: bytes) -> Any:
        return self._decoder.decode(data.decode("utf8"))

    def _encode_value(self, value: Any) -> dict[str, Any]:
        if isinstance(value, Attachment):
            return value.as_json()
        transcoding = self._by_type.get(type(value))
        if transcoding is None:
            raise TranscodingNotRegisteredError(f"no transcoding for {type(value).__qualname__}")
        return {TYPE_KEY: transcoding.name, DATA_KEY: transcoding.encode(value)}

    def _decode_object(self, found: dict[str, Any]) -> Any:
        if len(found) != 2 or TYPE_KEY not in found or DATA_KEY not in found:
            return found
        transcoding = self._by_name.get(found[TYPE_KEY])
        if transcoding is None:
            raise TranscodingNotRegisteredError(f"no transcoding named {found[TYPE_KEY]!r}")
        return transcoding.decode(found[DATA_KEY])
