"""What a push says (docs/notifications.md has the exact shapes): the Web
Push payload (JSON, encrypted to the browser), its ``Topic`` (one per
conversation, so a later push replaces an undelivered earlier one), and
the Matrix push gateway's ``/notify`` body."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from projections.delivery_ports import Delivery

TOPIC_LENGTH = 32  # RFC 8030: at most 32 characters of URL-safe base64


def topic(conversation_id: str) -> str:
    digest = hashlib.sha256(conversation_id.encode()).digest()[:24]
    return base64.urlsafe_b64encode(digest).decode()


def summary(folded: int, title: str | None) -> str:
    """``New message``, ``5 new messages in Team``."""
    text = "New message" if folded == 1 else f"{folded} new messages"
    return f"{text} in {title}" if title else text


def webpush_payload(delivery: Delivery, unread: int) -> bytes:
    content: dict[str, Any] = {
        "type": "message",
        "conversation_id": delivery.conversation_id,
        "message_id": str(delivery.message_id),
        "seq": delivery.seq,
        "sender_id": delivery.sender_id,
        "title": delivery.title,
        "count": delivery.folded,
        "unread": unread,
        "summary": summary(delivery.folded, delivery.title),
    }
    if delivery.body is not None:
        content["body"] = delivery.body
    return json.dumps(content, separators=(",", ":"), ensure_ascii=False).encode()


def gateway_body(delivery: Delivery, unread: int) -> dict[str, Any]:
    """PROTOCOL.md's request, plus ``room_name`` for groups and ``content``
    only when bodies are included."""
    device = delivery.device
    notification: dict[str, Any] = {
        "event_id": str(delivery.message_id),
        "room_id": delivery.conversation_id,
        "type": "m.room.message",
        "sender": delivery.sender_id,
        "prio": "high",
        "counts": {"unread": unread},
        "devices": [{"app_id": device.app_id, "pushkey": device.pushkey}],
    }
    if delivery.title:
        notification["room_name"] = delivery.title
    if delivery.body is not None:
        notification["content"] = {"msgtype": "m.text", "body": delivery.body}
    return {"notification": notification}
