"""Client frames (PROTOCOL.md) built from events."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.conversation import Conversation
from domain.rejection import CommandRejected


def message_object(event: Conversation.MessagePosted) -> dict[str, Any]:
    return {
        "conversation_id": str(event.originator_id),
        "seq": event.seq,
        "message_id": str(event.message_id),
        "sender_id": event.sender,
        "body": event.body,
        "sent_at": event.sent_at,
        "client_msg_id": event.client_msg_id,
    }


def message_frame(event: Conversation.MessagePosted) -> dict[str, Any]:
    return {"type": "message", **message_object(event)}


def conversation_frame(conversation: Mapping[str, Any]) -> dict[str, Any]:
    return {"type": "conversation", "conversation": dict(conversation)}


def rejected_frame(event: CommandRejected) -> dict[str, Any]:
    return {
        "type": "rejected",
        "conversation_id": str(event.originator_id),
        "client_msg_id": event.client_msg_id,
        "command": event.command_type,
        "code": event.code,
        "reason": event.reason,
    }


def receipt_frame(conversation_id: str, user_id: str, kind: str, up_to_seq: int) -> dict[str, Any]:
    return {
        "type": "receipt",
        "conversation_id": conversation_id,
        "user_id": user_id,
        "kind": kind,
        "up_to_seq": up_to_seq,
    }
