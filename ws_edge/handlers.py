"""What each client frame does (PROTOCOL.md, "Client frames")."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from commands.accounts import Session
from commands.limits import RateLimited, require_token
from commands.ports import LogUnavailable
from domain.errors import DomainError
from projections.frames import receipt_frame
from projections.queries import MAX_PAGE
from ws_edge.frames import BadFrame, Frame
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

    async def handle(self, frame: Frame) -> None:
        handler = {
            "send": self._send,
            "ping": self._ping,
            "sync": self._sync,
            "delivered": self._receipt,
            "read": self._receipt,
            "typing": self._typing,
        }.get(frame.type)
        if handler is None:
            raise BadFrame(f"unknown frame type {frame.type[:40]!r}", frame.id)
        try:
            await handler(frame)
        except DomainError as error:
            raise BadFrame(str(error), frame.id, error.code) from None
        except LogUnavailable:
            raise BadFrame("the log did not acknowledge; resend", frame.id, "unavailable") from None
        except RateLimited as limited:
            refused = BadFrame(str(limited), frame.id, "rate_limited")
            refused.extra["retry_after_ms"] = limited.retry_after_ms
            raise refused from None

    async def _ping(self, frame: Frame) -> None:
        await self._send_frame(_reply("pong", frame))

    async def _send(self, frame: Frame) -> None:
        conversation_id = frame.text("conversation_id")
        client_msg_id = frame.text("client_msg_id")
        body = frame.body.get("body")
        if not isinstance(body, str):
            raise BadFrame("body must be a string", frame.id)
        message_id = await self._services.gateway.send(
            self._session.user_id, conversation_id, client_msg_id, body
        )
        await self._send_frame(
            _reply(
                "sent",
                frame,
                conversation_id=conversation_id,
                client_msg_id=client_msg_id,
                message_id=str(message_id),
            )
        )

    async def _receipt(self, frame: Frame) -> None:
        conversation_id = frame.text("conversation_id")
        up_to_seq = frame.seq("up_to_seq")
        await self._services.gateway.mark(
            self._session.user_id, conversation_id, frame.type, up_to_seq
        )
        await self._send_frame(_reply("ok", frame))

    async def _typing(self, frame: Frame) -> None:
        """Ephemeral: straight to the other members' sockets, never to the log;
        at most one per conversation per TYPING_INTERVAL from one socket."""
        conversation_id = frame.text("conversation_id")
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
        typing = {"type": "typing", "conversation_id": conversation_id, "user_id": user_id}
        others = [member for member in found["member_ids"] if member != user_id]
        await self._services.fanout.broadcast(others, typing)

    async def _sync(self, frame: Frame) -> None:
        """Costly (a query per cursor): rate-limited per user."""
        services = self._services
        key = f"sync:{self._session.user_id}"
        await require_token(services.limiter, key, services.limits.sync_bucket, services.clock())
        queries = services.queries
        for conversation_id, last_seq in frame.cursors().items():
            if not await queries.is_member(conversation_id, self._session.user_id):
                continue  # answered as if it were empty
            after = last_seq
            while True:
                page = await queries.messages(
                    conversation_id, after_seq=after, limit=MAX_PAGE, viewer=self._session.user_id
                )
                for message in page.messages:
                    await self._send_frame({"type": "message", **message})
                if not page.messages or page.messages[-1]["seq"] >= page.last_seq:
                    break
                after = page.messages[-1]["seq"]
            await self._send_receipts(conversation_id)
        await self._send_frame(_reply("synced", frame))

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


def _reply(kind: str, frame: Frame, **fields: Any) -> dict[str, Any]:
    reply: dict[str, Any] = {"type": kind}
    if frame.id is not None:
        reply["id"] = frame.id
    reply.update(fields)
    return reply
