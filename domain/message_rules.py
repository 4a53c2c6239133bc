"""Who may change which message: edits, deletions, reactions and replies,
said once. The aggregate answers "no such message" alike for a message that
does not exist, one the actor may not change and one that was deleted, so
that nobody learns more than they could read."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence

from domain.errors import InvalidCommand, MessageNotFound, MessageTooLarge
from domain.membership_rules import ADMIN, GROUP, Roles, require_member
from domain.rules import MAX_BODY_BYTES, validate_text

MAX_EMOJI_CHARACTERS = 16


def require_visible(
    members: Roles, senders: Sequence[str], deleted: Mapping[int, str], actor: str, seq: int
) -> str:
    """The sender of message ``seq``, which the actor can read (not deleted)."""
    require_member(members, actor)
    if not 1 <= seq <= len(senders) or seq in deleted:
        raise MessageNotFound("no such message")
    return senders[seq - 1]


def require_own(sender: str, actor: str) -> None:
    """Edits: one's own messages only (others' answer as if there were none)."""
    if sender != actor:
        raise MessageNotFound("no such message")


def require_can_delete(kind: str, members: Roles, sender: str, actor: str) -> None:
    """Deletions: one's own messages, or any message for a group admin."""
    if sender != actor and not (kind == GROUP and members.get(actor) == ADMIN):
        raise MessageNotFound("no such message")


def validate_body(body: str) -> None:
    """An edited body follows the rules of a posted one: 1 byte to 16 KiB."""
    validate_text(body, "the body")
    if len(body.encode("utf-8")) > MAX_BODY_BYTES:
        raise MessageTooLarge(f"a message body has at most {MAX_BODY_BYTES} bytes")
    if not body:
        raise InvalidCommand("a message body cannot be empty")


def validate_emoji(emoji: str) -> None:
    """A reaction is 1 to 16 characters (an emoji with its modifiers and
    joiners, or a short code), without spaces or control characters."""
    validate_text(emoji, "the emoji")
    if not 1 <= len(emoji) <= MAX_EMOJI_CHARACTERS:
        raise InvalidCommand(f"an emoji has 1 to {MAX_EMOJI_CHARACTERS} characters")
    for character in emoji:
        category = unicodedata.category(character)
        if character.isspace() or (category.startswith("C") and category != "Cf"):
            raise InvalidCommand("an emoji has no spaces or control characters")
