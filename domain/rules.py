"""Rules on what users write: message bodies, client ids, group titles."""

from __future__ import annotations

from typing import Any

from domain.errors import InvalidCommand, MessageTooLarge

MAX_BODY_BYTES = 16 * 1024
MAX_CLIENT_MSG_ID_LENGTH = 128
MAX_TITLE_LENGTH = 200
MAX_ATTACHMENTS = 10
MAX_SEQ = 2**31 - 1
"""The largest seq a client may name: the read models keep seqs as 32-bit integers."""


def is_storable_text(text: str) -> bool:
    """No NUL (PostgreSQL text cannot hold it) and no lone surrogate (not UTF-8)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def has_unstorable_text(value: Any) -> bool:
    """Whether any string in a parsed JSON value (keys included) is not storable."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if not is_storable_text(item):
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def validate_text(text: str, what: str) -> None:
    if not is_storable_text(text):
        raise InvalidCommand(f"{what} has a NUL character or is not valid Unicode")


def validate_title(title: str) -> str:
    validate_text(title, "the title")
    title = title.strip()
    if not title or len(title) > MAX_TITLE_LENGTH:
        raise InvalidCommand(f"a group title has 1 to {MAX_TITLE_LENGTH} characters")
    return title


def validate_message(client_msg_id: str, body: str, attachments: int = 0) -> None:
    """A body of 1 byte to 16 KiB of UTF-8 (over it: too large; empty only
    when the message carries attachments), at most 10 attachments, and a
    client message id of 1 to 128 characters."""
    validate_text(body, "the body")
    if len(body.encode("utf-8")) > MAX_BODY_BYTES:
        raise MessageTooLarge(f"a message body has at most {MAX_BODY_BYTES} bytes")
    validate_text(client_msg_id, "client_msg_id")
    if not client_msg_id or len(client_msg_id) > MAX_CLIENT_MSG_ID_LENGTH:
        raise InvalidCommand(f"client_msg_id has 1 to {MAX_CLIENT_MSG_ID_LENGTH} characters")
    if attachments > MAX_ATTACHMENTS:
        raise InvalidCommand(f"a message carries at most {MAX_ATTACHMENTS} attachments")
    if not body and not attachments:
        raise InvalidCommand("a message body cannot be empty without attachments")
