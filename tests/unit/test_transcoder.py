"""The JSON transcoder on eventsourcing's public Transcoder interface reads
and writes exactly what the code before it (a JSONTranscoder subclass
overriding its private ``_encode_obj``) wrote."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any, cast

import pytest
from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import TranscodingNotRegisteredError

from domain.attachments import Attachment
from domain.codec import EventCodec
from domain.conversation import Conversation
from domain.snapshot_codec import SnapshotCodec
from domain.transcoder import ChatTranscoder

OLD = Path(__file__).resolve().parents[1] / "data" / "pre_transcoder_records.json"


def old_fixture() -> dict[str, Any]:
    fixture: dict[str, Any] = json.loads(OLD.read_text("utf-8"))
    return fixture


def decoded_old_events() -> list[DomainEvent]:
    codec = EventCodec()
    return [codec.decode(r["value"].encode(), r["headers"]) for r in old_fixture()["records"]]


def test_records_written_by_the_old_transcoder_decode_with_their_attachments() -> None:
    events = decoded_old_events()
    posted = events[1]
    assert isinstance(posted, Conversation.MessagePosted)
    assert posted.attachments[0] == Attachment(
        "m-1", "image", "image/png", 2048, "ab" * 32, 640, 480, None, True
    )
    assert isinstance(events[2], Conversation.ReplyPosted)
    assert isinstance(events[0].originator_id, uuid.UUID)


def test_events_are_encoded_again_byte_for_byte_as_the_old_transcoder_wrote_them() -> None:
    codec = EventCodec()
    again = [codec.encode(event).value.decode() for event in decoded_old_events()]
    assert again == [r["value"] for r in old_fixture()["records"]]


def test_a_snapshot_written_by_the_old_transcoder_restores_and_is_written_the_same() -> None:
    stored = old_fixture()["snapshot"]
    codec = SnapshotCodec()
    conversation = codec.decode(
        uuid.UUID(stored["conversation_id"]), stored["version"], stored["state"].encode()
    )
    assert isinstance(conversation, Conversation)
    assert conversation.last_seq == 2
    again, old = (json.loads(state) for state in (codec.encode(conversation), stored["state"]))
    again.pop("timestamp"), old.pop("timestamp")  # when the snapshot was taken
    assert again == old


def test_a_value_of_a_type_without_a_transcoding_is_refused() -> None:
    with pytest.raises(TranscodingNotRegisteredError):
        ChatTranscoder().encode({"at": cast(Any, object())})
