"""What each client frame does (PROTOCOL.md, "Client frames")."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from commands.accounts import Session
from commands.counted import counting_send
from commands.kept_ids import UNKNOWN_ID_ANSWER, SendIdUnknown
from commands.limits import RateLimited, require_token
from commands.media import resolve_attachments
from commands.media_types import MediaRefused
from commands.ports import LogUnavailable
from domain.errors import DomainError
from projections.frames import (
    message_changed_frame,
    message_frame,
    ok_frame,
    pong_frame,
    receipt_frame,
    sent_frame,
    synced_frame,
    typing_frame,
)
from projections.queries import MAX_PAGE
from ws_edge.client_frames import (
    BadFrame,
    ClientFrame,
    DeleteFrame,
    DeliveredFrame,
    EditFrame,
    PingFrame,
    ReactFrame,
    ReadFrame,
    SendFrame,
    SyncFrame,
    TypingFrame,
    UnreactFrame,
)
from ws_edge.services import SocketServices

Send = Callable[[Mapping[str, Any]], Awaitable[None]]
TYPING_INTERVAL = 1.0
MAX_TYPING_TRACKED = 1000


class FrameHandlers:
    def __init__(self, services: SocketServices, session: Session, send: Send) -> None:
        """``send`` queues a frame for the socket, waiting while its queue is full."""
        self._services = services
        self._session = session
        self._send_frame = send
        self._last_typing: dict[str, float] = {}

    async def handle(self, frame: ClientFrame) -> None:
        try:
            await self._dispatch(frame)
        except DomainError as error:
            raise BadFrame(str(error), frame.id, error.code) from None
        except SendIdUnknown:
            raise BadFrame(UNKNOWN_ID_ANSWER, frame.id, "unavailable") from None
        except LogUnavailable:
            raise BadFrame("the log did not acknowledge; resend", frame.id, "unavailable") from None
        except RateLimited as limited:
            raise BadFrame(str(limited), frame.id, "rate_limited", limited.retry_after_ms) from None
        except MediaRefused as refused:
            raise BadFrame(refused.message, frame.id, refused.code) from None

    async def _dispatch(self, frame: ClientFrame) -> None:
        match frame:
            case SendFrame():
                await self._send(frame)
            case DeliveredFrame() | ReadFrame():
                await self._receipt(frame)
            case TypingFrame():
                await self._typing(frame)
            case SyncFrame():
                await self._sync(frame)
            case PingFrame():
                await self._send_frame(pong_frame(frame.id))
            case EditFrame() | DeleteFrame() | ReactFrame() | UnreactFrame():
                await self._change(frame)

    async def _change(self, frame: EditFrame | DeleteFrame | ReactFrame | UnreactFrame) -> None:
        """``ok`` once the log holds the command; the processor's refusal
        (e.g. no such message) comes later as ``rejected``."""
        changes = self._services.changes
        if changes is None:
            raise BadFrame("this edge takes no message changes", frame.id, "unavailable")
        user_id, conversation_id = self._session.user_id, frame.conversation_id
        match frame:
            case EditFrame():
                await changes.edit(user_id, conversation_id, frame.seq, frame.body)
            case DeleteFrame():
                await changes.delete(user_id, conversation_id, frame.seq)
            case ReactFrame():
                await changes.react(user_id, conversation_id, frame.seq, frame.emoji)
            case UnreactFrame():
                await changes.unreact(user_id, conversation_id, frame.seq, frame.emoji)
        await self._send_frame(ok_frame(frame.id))

    async def _send(self, frame: SendFrame) -> None:
        user_id = self._session.user_id
        media_ids = [ref.media_id for ref in frame.attachments]
        attachments = await resolve_attachments(self._services.media, user_id, media_ids)
        with counting_send(self._services.metrics):
            message_id = await self._services.gateway.send(
                user_id,
                frame.conversation_id,
                frame.client_msg_id,
                frame.body,
                attachments,
                frame.reply_to,
            )
        await self._send_frame(
            sent_frame(frame.id, frame.conversation_id, frame.client_msg_id, message_id)
        )

    async def _receipt(self, frame: DeliveredFrame | ReadFrame) -> None:
        """Rate-limited per user (one bucket for delivered and read)."""
        services = self._services
        key = f"receipt:{self._session.user_id}"
        await require_token(services.limiter, key, services.limits.receipt_bucket, services.clock())
        kind = "read" if isinstance(frame, ReadFrame) else "delivered"
        await self._services.gateway.mark(
            self._session.user_id, frame.conversation_id, kind, frame.up_to_seq
        )
        await self._send_frame(ok_frame(frame.id))

    async def _typing(self, frame: TypingFrame) -> None:
        """Ephemeral: straight to the other members' sockets, never to the log;
        at most one per conversation per TYPING_INTERVAL from one socket."""
        conversation_id = frame.conversation_id
        now = time.monotonic()
        if now - self._last_typing.get(conversation_id, -TYPING_INTERVAL) < TYPING_INTERVAL:
            return
        user_id = self._session.user_id
        found = await self._services.queries.conversation(conversation_id, user_id)
        if found is None:
            raise BadFrame("no such conversation", frame.id, "not_found")
        if len(self._last_typing) > MAX_TYPING_TRACKED:
            self._last_typing.clear()
        self._last_typing[conversation_id] = now
        others = [member for member in found["member_ids"] if member != user_id]
        if found["kind"] == "direct" and await self._blocked_pair(user_id, others):
            return  # nothing of a blocked pair reaches the other
        await self._services.fanout.broadcast(others, typing_frame(conversation_id, user_id))

    async def _blocked_pair(self, user_id: str, others: list[str]) -> bool:
        return bool(others) and await self._services.blocks.blocked_between(user_id, others[0])

    async def _sync(self, frame: SyncFrame) -> None:
        """Costly (a query per cursor): rate-limited per user."""
        services = self._services
        key = f"sync:{self._session.user_id}"
        await require_token(services.limiter, key, services.limits.sync_bucket, services.clock())
        queries = services.queries
        for conversation_id, last_seq in frame.cursors.items():
            if not await queries.is_member(conversation_id, self._session.user_id):
                continue  # answered as if it were empty
            after = last_seq
            while True:
                page = await queries.messages(
                    conversation_id, after_seq=after, limit=MAX_PAGE, viewer=self._session.user_id
                )
                for message in page.messages:
                    await self._send_frame(message_frame(message))
                if not page.messages or page.messages[-1]["seq"] >= page.last_seq:
                    break
                after = page.messages[-1]["seq"]
            if conversation_id in frame.changes:
                await self._send_changes(conversation_id, frame.changes[conversation_id], last_seq)
            await self._send_receipts(conversation_id)
        await self._send_frame(synced_frame(frame.id))

    async def _send_changes(self, conversation_id: str, after_change: int, up_to_seq: int) -> None:
        """Every message up to the client's seq cursor changed after its
        change cursor, as it is now, in the order of their last change (the
        messages above the cursor came as they are now already)."""
        while True:
            changed = await self._services.queries.changed_messages(
                conversation_id, after_change, up_to_seq, MAX_PAGE, self._session.user_id
            )
            for message in changed:
                await self._send_frame(message_changed_frame(message["change_seq"], message))
            if len(changed) < MAX_PAGE:
                return
            after_change = changed[-1]["change_seq"]

    async def _send_receipts(self, conversation_id: str) -> None:
        """The current watermarks of every member, as ``receipt`` frames."""
        for member in await self._services.queries.receipts(conversation_id):
            for kind in ("delivered", "read"):
                if member[f"{kind}_seq"] > 0:
                    await self._send_frame(
                        receipt_frame(
                            conversation_id, member["user_id"], kind, member[f"{kind}_seq"]
                        )
                    )
