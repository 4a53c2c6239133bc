"""MessagePosted version 2 (attachments) and the upcast of version 1 records."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pytest
from eventsourcing.domain import DomainEvent

from domain.attachments import Attachment
from domain.codec import EventCodec, UnknownEventType
from domain.conversation import Conversation
from domain.hashchain import ChainLink, chain_payload, first_broken_link
from domain.records import OutgoingRecord

V1_RECORDS = Path(__file__).resolve().parents[1] / "data" / "v1_records.json"
AT = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
PHOTO = Attachment("m-1", "image", "image/png", 2048, "ab" * 32, 640, 480, None, True)


def encoded(conversation: Conversation) -> list[OutgoingRecord]:
    codec = EventCodec()
    return [codec.encode(cast(DomainEvent, event)) for event in conversation.collect_events()]


def v1_records() -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = json.loads(V1_RECORDS.read_text("utf-8"))["records"]
    return records


def link_of(value: bytes, headers: dict[str, str]) -> ChainLink:
    state = json.loads(value)
    kind = "Started" if headers["event_type"] == "ConversationStarted" else headers["event_type"]
    payload = chain_payload(kind, headers["aggregate_id"], int(headers["aggregate_version"]), state)
    return ChainLink(payload, state["prev_hash"], state["hash"])


def test_a_version_1_message_record_decodes_to_version_2_with_no_attachments() -> None:
    posted = next(r for r in v1_records() if r["headers"]["event_type"] == "MessagePosted")
    event = EventCodec().decode(posted["value"].encode(), posted["headers"])
    assert isinstance(event, Conversation.MessagePosted)
    assert event.attachments == ()
    assert (event.seq, event.body) == (1, "héllo, v1")


def test_version_1_records_still_verify_over_the_fields_they_were_written_with() -> None:
    links = [link_of(r["value"].encode(), r["headers"]) for r in v1_records()]
    assert first_broken_link(links) is None


def test_version_1_records_rebuild_the_conversation() -> None:
    codec = EventCodec()
    events = [codec.decode(r["value"].encode(), r["headers"]) for r in v1_records()]
    conversation = None
    for event in events:
        conversation = event.mutate(conversation)  # type: ignore[attr-defined]
    assert isinstance(conversation, Conversation)
    assert (conversation.last_seq, conversation.read["u-ben"]) == (2, 2)


def test_a_posted_message_carries_its_attachments_through_the_codec() -> None:
    conversation = Conversation.start_direct("ann", "ben", AT)
    conversation.post_message("ann", "c1", 7, "look", AT, (PHOTO,))
    record = encoded(conversation)[-1]
    assert record.headers["schema_version"] == "2"
    stored = json.loads(record.value)
    assert stored["class_version"] == 2
    assert stored["attachments"] == [PHOTO.as_json()]
    event = EventCodec().decode(record.value, record.headers)
    assert isinstance(event, Conversation.MessagePosted)
    assert event.attachments == (PHOTO,)


def test_a_version_2_record_verifies_over_its_stored_attachments() -> None:
    conversation = Conversation.start_direct("ann", "ben", AT)
    conversation.post_message("ann", "c1", 7, "look", AT, (PHOTO,))
    conversation.post_message("ben", "c2", 8, "no attachment", AT)
    records = encoded(conversation)
    links = [link_of(r.value, dict(r.headers)) for r in records]
    assert first_broken_link(links) is None


def test_an_altered_attachment_breaks_the_chain() -> None:
    conversation = Conversation.start_direct("ann", "ben", AT)
    conversation.post_message("ann", "c1", 7, "look", AT, (PHOTO,))
    records = encoded(conversation)
    links = [link_of(r.value, dict(r.headers)) for r in records]
    tampered = json.loads(records[1].value)
    tampered["attachments"][0]["size"] = 1
    links[1] = link_of(json.dumps(tampered).encode(), dict(records[1].headers))
    broken = first_broken_link(links)
    assert broken is not None and broken.index == 1


def test_a_record_of_a_newer_schema_version_than_the_code_is_refused() -> None:
    posted = next(r for r in v1_records() if r["headers"]["event_type"] == "MessagePosted")
    headers = {**posted["headers"], "schema_version": "3"}
    with pytest.raises(UnknownEventType):
        EventCodec().decode(posted["value"].encode(), headers)
