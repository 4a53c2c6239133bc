"""Rules on what users write: message bodies, client ids, group titles."""

from __future__ import annotations

from domain.errors import InvalidCommand

MAX_BODY_BYTES = 16 * 1024
MAX_CLIENT_MSG_ID_LENGTH = 128
MAX_TITLE_LENGTH = 200


def validate_title(title: str) -> str:
    title = title.strip()
    if not title or len(title) > MAX_TITLE_LENGTH:
        raise InvalidCommand(f"a group title has 1 to {MAX_TITLE_LENGTH} characters")
    return title


def validate_message(client_msg_id: str, body: str) -> None:
    if not client_msg_id or len(client_msg_id) > MAX_CLIENT_MSG_ID_LENGTH:
        raise InvalidCommand(f"client_msg_id has 1 to {MAX_CLIENT_MSG_ID_LENGTH} characters")
    if not body:
        raise InvalidCommand("a message body cannot be empty")
    if len(body.encode("utf-8")) > MAX_BODY_BYTES:
        raise InvalidCommand(f"a message body has at most {MAX_BODY_BYTES} bytes")
