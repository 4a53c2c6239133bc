"""Event <-> log record, through eventsourcing's Mapper (JSON transcoder,
optional zlib compression and AES cipher).

Headers carry the event type, its schema version, the aggregate id and
version, so the log can be read without this code. A record of an older
schema version is upcast when decoded (eventsourcing's ``class_version``
and the event class's ``upcast_vN_vM`` methods); one of a newer version
than this code knows is refused as unknown.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import Cipher, Compressor, Mapper, StoredEvent, Transcoder
from eventsourcing.utils import get_topic

from domain.attachments import Attachment
from domain.auditor import AuditorGranted, AuditorRevoked, AuditRead
from domain.conversation import Conversation
from domain.records import OutgoingRecord
from domain.rejection import CommandRejected
from domain.relationship_events import RELATIONSHIP_EVENTS
from domain.transcoder import ChatTranscoder

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
    **{event.__name__: event for event in RELATIONSHIP_EVENTS},
    "AuditorGranted": AuditorGranted,
    "AuditorRevoked": AuditorRevoked,
    "AuditRead": AuditRead,
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


def schema_version(event_class: type[DomainEvent]) -> int:
    version: int = getattr(event_class, "class_version", 1)
    return version


def _with_values(event: DomainEvent) -> DomainEvent:
    """Turns the JSON objects of a decoded event's attachments back into values."""
    attachments = getattr(event, "attachments", None)
    if attachments is not None and not all(isinstance(a, Attachment) for a in attachments):
        restored = tuple(Attachment.from_json(a) for a in attachments)
        object.__setattr__(event, "attachments", restored)
    return event


def json_transcoder() -> Transcoder:
    """JSON with UUIDs, datetimes and attachments, for events and snapshots alike."""
    return ChatTranscoder()


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
            "schema_version": str(schema_version(type(event))),
            "aggregate_id": str(stored.originator_id),
            "aggregate_version": str(stored.originator_version),
            "content_type": "application/json",
            "content_encoding": self._encoding,
        }
        # A relationship's events are keyed by the pair's direct conversation.
        key = getattr(event, "log_key", None) or str(stored.originator_id)
        return OutgoingRecord(key=key, value=stored.state, headers=headers)

    def plaintext(self, value: bytes) -> bytes:
        """A record value deciphered and decompressed: the JSON as written."""
        if self._mapper.cipher:
            value = self._mapper.cipher.decrypt(value)
        if self._mapper.compressor:
            value = self._mapper.compressor.decompress(value)
        return value

    def decode(self, value: bytes, headers: Mapping[str, str]) -> DomainEvent:
        name = headers.get("event_type", "")
        event_class = EVENT_CLASSES.get(name)
        if event_class is None:
            raise UnknownEventType(name)
        version = headers.get("schema_version", "1")
        if not version.isdigit() or int(version) > schema_version(event_class):
            raise UnknownEventType(f"{name} schema_version {version}")
        stored = StoredEvent(
            originator_id=uuid.UUID(headers["aggregate_id"]),
            originator_version=int(headers["aggregate_version"]),
            topic=get_topic(event_class),
            state=value,
        )
        event = self._mapper.to_domain_event(stored)
        if not isinstance(event, DomainEvent):
            raise UnknownEventType(name)
        return _with_values(event)
