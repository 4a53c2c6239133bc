"""Hypothesis throws hostile frames at a socket: each gets bad_request (or
another documented error) or a documented close code, and the server keeps
answering everyone else."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from tests.integration.edge_app import Account, edge_client, register

ERROR_CODES = {"bad_request", "not_found", "too_large", "forbidden", "rate_limited"}
CLOSE_CODES = {1007, 1008, 1009}
FRAME_TYPES = ["send", "delivered", "read", "typing", "sync", "ping", "auth", "warp", ""]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
shaped_frames = st.fixed_dictionaries(
    {"type": st.sampled_from(FRAME_TYPES)},
    optional={
        "id": json_values,
        "conversation_id": json_values,
        "client_msg_id": json_values,
        "body": json_values,
        "up_to_seq": json_values,
        "cursors": json_values,
    },
).map(lambda frame: json.dumps(frame, allow_nan=True))
deep_nesting = st.integers(100, 100_000).map(lambda depth: "[" * depth + "]" * depth)
hostile_text = st.one_of(
    shaped_frames,
    st.text(max_size=200),
    deep_nesting,
    json_values.map(lambda v: json.dumps(v, allow_nan=True)),
)
hostile_bytes = st.binary(max_size=200)


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with edge_client() as running:
        yield running


@pytest.fixture(scope="module")
def users(client: TestClient) -> tuple[Account, Account]:
    return register(client), register(client)


def answer_to(client: TestClient, user: Account, frame: str | bytes) -> dict[str, Any]:
    """The first reply to ``frame``, or ``{"closed": code}``."""
    with client.websocket_connect("/v1/ws", headers=user.auth) as socket:
        socket.receive_json()
        if isinstance(frame, bytes):
            socket.send_bytes(frame)
        else:
            socket.send_text(frame)
        socket.send_json({"type": "ping", "id": "after"})
        try:
            replies = [socket.receive_json()]
            while replies[-1].get("id") != "after":
                replies.append(socket.receive_json())
        except WebSocketDisconnect as closed:
            return {"closed": closed.code}
    first: dict[str, Any] = replies[0]
    return first


def assert_documented(answer: dict[str, Any]) -> None:
    if "closed" in answer:
        assert answer["closed"] in CLOSE_CODES
    elif answer["type"] == "error":
        assert answer["code"] in ERROR_CODES
        assert isinstance(answer["message"], str)
    else:  # a frame that happened to be valid gets its normal answer
        assert answer["type"] in {"pong", "synced", "ok", "sent"}


def still_serves(client: TestClient, other: Account) -> bool:
    with client.websocket_connect("/v1/ws", headers=other.auth) as socket:
        socket.receive_json()
        socket.send_json({"type": "ping", "id": "alive"})
        return bool(socket.receive_json() == {"type": "pong", "id": "alive"})


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(frame=hostile_text | hostile_bytes)
def test_a_hostile_frame_gets_a_documented_answer_and_others_are_still_served(
    client: TestClient, users: tuple[Account, Account], frame: str | bytes
) -> None:
    attacker, other = users
    assert_documented(answer_to(client, attacker, frame))
    assert still_serves(client, other)
