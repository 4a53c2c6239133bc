"""``chatapp replay --as-of POSITION|TIME --conversation ID``: the
conversation as it stood then, folded from its events on the log by the
domain's own aggregate (no second copy of the rules)."""

from __future__ import annotations

from typing import Any

from app.codecs import event_codec
from app.replay_input import BadInput, Point
from app.settings import Settings
from domain.conversation import Conversation, is_conversation_event
from infra.kafka.log_reader import LogReader, Span
from infra.kafka.topics import topic_partitions
from infra.partitioning import partition_for


def conversation_as_of(settings: Settings, conversation_id: str, point: Point) -> dict[str, Any]:
    """Members with roles, title, last seq and watermarks after the last event
    at or before ``point``: a position (offset) in the conversation's
    partition of the events topic, or a time (the events' own time; the
    history up to the first event after it)."""
    topic = settings.events_topic
    partition = partition_for(conversation_id, len(topic_partitions(settings.kafka, topic)))
    codec = event_codec(settings)
    conversation: Conversation | None = None
    position: int | None = None
    with LogReader(settings.kafka) as reader:
        (span,) = reader.spans(topic, partitions=[partition])
        stop = span.stop if point.position is None else min(span.stop, point.position + 1)
        for logged in reader.read([Span(topic, partition, span.start, stop)]):
            record = logged.record
            if record.key != conversation_id:
                continue
            try:
                event = codec.decode(record.value, record.headers)
            except Exception as error:
                raise BadInput(
                    f"cannot decode the record at offset {record.offset} "
                    f"({type(error).__name__}): is CHAT_EVENT_CIPHER_KEY right?"
                ) from None
            if not is_conversation_event(event):
                continue
            if point.moment is not None and event.timestamp > point.moment:
                break
            conversation = event.mutate(conversation)
            position = record.offset
    if conversation is None:
        raise BadInput(f"conversation {conversation_id} has no event at or before that point")
    return _state(conversation, partition, position)


def _state(conversation: Conversation, partition: int, position: int | None) -> dict[str, Any]:
    return {
        "conversation_id": str(conversation.id),
        "partition": partition,
        "position": position,
        "version": conversation.version,
        "kind": conversation.kind,
        "title": conversation.title,
        "last_seq": conversation.last_seq,
        "members": [
            {
                "user_id": user_id,
                "role": role,
                "delivered_seq": conversation.delivered[user_id],
                "read_seq": conversation.read[user_id],
            }
            for user_id, role in conversation.members.items()
        ],
        "last_hash": conversation.last_hash,
    }
