"""Sends after the edge's claim store lost its data, over the WebSocket and
HTTP on the embedded stack: a send whose message history never gets (the
processor rejects it) is answered ``unavailable``, never ``sent`` with an id
that history may not keep; a resend gets the first send's id."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import replace
from datetime import datetime
from typing import Any

from starlette.testclient import TestClient

from app.edge import EdgeAdapters, create_app
from app.embedded import embedded_edge
from app.settings import Settings
from commands.admission import Admission
from commands.kept_ids import UNKNOWN_ID_ANSWER
from commands.limits import Bucket
from infra.memory.admission import InMemorySendAdmission
from tests.integration.edge_app import Account, direct_conversation, register


class LosableClaims:
    """The edge's claim store, which the test can empty (a Redis restarted
    without its data)."""

    def __init__(self) -> None:
        self._store = InMemorySendAdmission()

    def lose(self) -> None:
        self._store = InMemorySendAdmission()

    async def admit(
        self, user_id: str, claim: str, fresh_id: int, bucket: Bucket, now: datetime
    ) -> Admission:
        return await self._store.admit(user_id, claim, fresh_id, bucket, now)

    async def confirm(self, user_id: str, claim: str, message_id: int) -> None:
        await self._store.confirm(user_id, claim, message_id)

    async def new_user(self, user_id: str) -> None:
        await self._store.new_user(user_id)


@contextmanager
def edge_losing_claims(claims: LosableClaims) -> Iterator[TestClient]:
    @asynccontextmanager
    async def adapters(settings: Settings) -> AsyncIterator[EdgeAdapters]:
        async with embedded_edge(settings) as embedded:
            yield replace(embedded, admission=claims)

    settings = Settings(worker_id=1, partitions=4, claims_history_wait_seconds=0.5)
    with TestClient(create_app(settings, adapters)) as client:
        yield client


def send_frame(frame_id: str, chat: str, client_msg_id: str) -> dict[str, Any]:
    return {"type": "send", "id": frame_id, "conversation_id": chat, "client_msg_id": client_msg_id}


def answer_to(socket: Any, frame_id: str) -> dict[str, Any]:
    reply: dict[str, Any] = socket.receive_json()
    while reply.get("id") != frame_id:  # pushes of the messages come too
        reply = socket.receive_json()
    return reply


def sent_and_pushed(socket: Any, frame_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The answer to a send and the message's push, which come in either order."""
    frames: dict[str, dict[str, Any]] = {}
    while len(frames) < 2:
        frame: dict[str, Any] = socket.receive_json()
        if frame.get("id") == frame_id or frame["type"] == "message":
            frames[frame["type"]] = frame
    return frames["sent"], frames["message"]


def scene(client: TestClient) -> tuple[Account, str]:
    ann, ben = register(client), register(client)
    return ann, direct_conversation(client, ann, ben)


def test_a_send_after_the_loss_that_history_does_not_get_is_answered_unavailable() -> None:
    claims = LosableClaims()
    with edge_losing_claims(claims) as client:
        ann, chat = scene(client)
        with client.websocket_connect("/v1/ws", headers=ann.auth) as socket:
            socket.receive_json()
            claims.lose()
            # a reply to no message: the processor rejects it, history never has it
            refused = {**send_frame("s1", chat, "c-1"), "body": "hi", "reply_to": 99}
            socket.send_json(refused)
            answer = answer_to(socket, "s1")
    assert answer == {
        "type": "error",
        "id": "s1",
        "code": "unavailable",
        "message": UNKNOWN_ID_ANSWER,
    }


def test_an_http_send_after_the_loss_that_history_does_not_get_is_answered_503() -> None:
    claims = LosableClaims()
    with edge_losing_claims(claims) as client:
        ann, chat = scene(client)
        claims.lose()
        answer = client.post(
            f"/v1/conversations/{chat}/messages",
            json={"client_msg_id": "c-1", "body": "hi", "reply_to": 99},
            headers=ann.auth,
        )
    assert answer.status_code == 503
    assert answer.json() == {"error": {"code": "unavailable", "message": UNKNOWN_ID_ANSWER}}


def test_a_resend_after_the_loss_gets_the_first_sends_id() -> None:
    claims = LosableClaims()
    with edge_losing_claims(claims) as client:
        ann, chat = scene(client)
        with client.websocket_connect("/v1/ws", headers=ann.auth) as socket:
            socket.receive_json()
            socket.send_json({**send_frame("s1", chat, "c-1"), "body": "hi"})
            first, pushed = sent_and_pushed(socket, "s1")  # pushed: history has it
            claims.lose()
            socket.send_json({**send_frame("s2", chat, "c-1"), "body": "hi"})
            resent = answer_to(socket, "s2")
    assert (first["type"], resent["type"]) == ("sent", "sent")
    assert resent["message_id"] == first["message_id"] == pushed["message_id"]
