"""The query port over the read models (used by the HTTP API and the edge)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from commands.change_gateway import PostedBy
from commands.gateway import Roles
from domain.presence import PresenceState

MAX_PAGE = 200
DEFAULT_PAGE = 50


@dataclass(frozen=True)
class MessagePage:
    """Messages in ascending seq, and the conversation's last seq."""

    messages: Sequence[dict[str, Any]]
    last_seq: int


class ConversationQueries(Protocol):
    async def is_member(self, conversation_id: str, user_id: str) -> bool: ...

    async def sent_message_id(
        self, conversation_id: str, sender_id: str, client_msg_id: str
    ) -> int | None:
        """The message id of the sender's message with that client id, if any."""
        ...

    async def roles(self, conversation_id: str, user_id: str) -> Roles | None:
        """The kind and every member's role, or None unless ``user_id`` is a member."""
        ...

    async def conversation(self, conversation_id: str, user_id: str) -> dict[str, Any] | None:
        """The conversation object of PROTOCOL.md as ``user_id`` sees it, or
        None if it does not exist or the user is not a member."""
        ...

    async def inbox(self, user_id: str, limit: int) -> list[dict[str, Any]]:
        """Conversation objects of the user, most recent activity first."""
        ...

    async def messages(
        self,
        conversation_id: str,
        *,
        after_seq: int | None = None,
        before_seq: int | None = None,
        limit: int = DEFAULT_PAGE,
        viewer: str | None = None,
    ) -> MessagePage:
        """``after_seq``: the ``limit`` messages after it; ``before_seq``: the
        ``limit`` just before it; neither: the latest ``limit``. Always
        ascending. The caller has checked membership.

        Messages sent by ``viewer`` carry their status (docs/protocol.md):
        ``recipients`` (current members but the sender), ``delivered_count``
        and ``read_count`` (recipients whose watermark reached the seq), and
        ``status``: "read" when every recipient read it, else "delivered" when
        every recipient has it, else "sent"."""
        ...

    async def changed_messages(
        self,
        conversation_id: str,
        after_change_seq: int,
        up_to_seq: int,
        limit: int,
        viewer: str | None = None,
    ) -> list[dict[str, Any]]:
        """Messages with seq <= ``up_to_seq`` whose last change (edit,
        deletion, reaction) has a change_seq above ``after_change_seq``, at
        most ``limit``, ascending by that change_seq. The caller has checked
        membership."""
        ...

    async def shares_media(self, media_id: str, user_id: str) -> bool:
        """Whether ``user_id`` is a member of a conversation with a message
        that carries the media (commands.media_catalog.MediaSharing)."""
        ...

    async def media_in_messages(self, media_ids: list[str]) -> set[str]:
        """Those of ``media_ids`` that some message carries."""
        ...

    async def receipts(self, conversation_id: str) -> list[dict[str, Any]]:
        """``[{"user_id", "delivered_seq", "read_seq"}]`` of every member,
        by user id. The caller has checked membership."""
        ...


async def posted_by(
    queries: ConversationQueries, conversation_id: str, seq: int
) -> PostedBy | None:
    """Who sent message ``seq`` and whether it is deleted (the change
    gateway's MessageLookup); None when the read model has no such message."""
    if seq < 1:
        return None
    page = await queries.messages(conversation_id, after_seq=seq - 1, limit=1)
    if not page.messages or page.messages[0]["seq"] != seq:
        return None
    message = page.messages[0]
    return PostedBy(message["sender_id"], bool(message["deleted"]))


class PresenceReader(Protocol):
    async def presence(self, user_id: str) -> PresenceState | None: ...

    async def presence_of_many(self, user_ids: Sequence[str]) -> dict[str, PresenceState]:
        """The users' states, in one round trip; users never seen are left out."""
        ...


class Contacts(Protocol):
    async def shares_conversation(self, user_id: str, other_id: str) -> bool: ...
