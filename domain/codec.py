"""Event <-> log record, through eventsourcing's Mapper (JSON transcoder,
optional zlib compression and AES cipher).

Headers carry the event type, its schema version, the aggregate id and
version, so the log can be read without this code.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import (
    Cipher,
    Compressor,
    DatetimeAsISO,
    JSONTranscoder,
    Mapper,
    StoredEvent,
    UUIDAsHex,
)
from eventsourcing.utils import get_topic

from domain.conversation import Conversation
from domain.records import OutgoingRecord
from domain.rejection import CommandRejected

EVENT_CLASSES: dict[str, type[DomainEvent]] = {
    "ConversationStarted": Conversation.Started,
    "MessagePosted": Conversation.MessagePosted,
    "MembersAdded": Conversation.MembersAdded,
    "MemberRemoved": Conversation.MemberRemoved,
    "MemberLeft": Conversation.MemberLeft,
    "GroupRenamed": Conversation.GroupRenamed,
    "MessagesDelivered": Conversation.MessagesDelivered,
    "MessagesRead": Conversation.MessagesRead,
    "CommandRejected": CommandRejected,
    "ReplyPosted": Conversation.ReplyPosted,
    "MessageEdited": Conversation.MessageEdited,
    "MessageDeleted": Conversation.MessageDeleted,
    "ReactionAdded": Conversation.ReactionAdded,
    "ReactionRemoved": Conversation.ReactionRemoved,
}
_NAMES = {cls: name for name, cls in EVENT_CLASSES.items()}


class UnknownEventType(ValueError):
    """A record names an event type this code does not know."""


def event_type_name(event: Any) -> str:
    try:
        return _NAMES[type(event)]
    except KeyError:
        raise UnknownEventType(type(event).__qualname__) from None


def json_transcoder() -> JSONTranscoder:
    """JSON with UUIDs and datetimes, for events and snapshots alike."""
    transcoder = JSONTranscoder()
    transcoder.register(UUIDAsHex())
    transcoder.register(DatetimeAsISO())
    return transcoder


class EventCodec:
    def __init__(self, cipher: Cipher | None = None, compressor: Compressor | None = None):
        self._mapper: Mapper[uuid.UUID] = Mapper(
            transcoder=json_transcoder(), cipher=cipher, compressor=compressor
        )
        self._encoding = (
            "+".join(name for name, on in (("zlib", compressor), ("aes", cipher)) if on)
            or "identity"
        )

    def encode(self, event: DomainEvent) -> OutgoingRecord:
        name = event_type_name(event)
        stored = self._mapper.to_stored_event(event)
        headers = {
            "event_type": name,
            "schema_version": str(getattr(type(event), "class_version", 1)),
            "aggregate_id": str(stored.originator_id),
            "aggregate_version": str(stored.originator_version),
            "content_type": "application/json",
            "content_encoding": self._encoding,
        }
        return OutgoingRecord(key=str(stored.originator_id), value=stored.state, headers=headers)

    def decode(self, value: bytes, headers: Mapping[str, str]) -> DomainEvent:
        name = headers.get("event_type", "")
        event_class = EVENT_CLASSES.get(name)
        if event_class is None:
            raise UnknownEventType(name)
        stored = StoredEvent(
            originator_id=uuid.UUID(headers["aggregate_id"]),
            originator_version=int(headers["aggregate_version"]),
            topic=get_topic(event_class),
            state=value,
        )
        event = self._mapper.to_domain_event(stored)
        if not isinstance(event, DomainEvent):
            raise UnknownEventType(name)
        return event
