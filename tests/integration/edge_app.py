"""The edge app on the embedded (in-memory) stack, through Starlette's TestClient."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

from starlette.testclient import TestClient

from app.edge import create_app
from app.embedded import embedded_edge
from app.settings import Settings


@dataclass
class Account:
    user_id: str
    token: str
    handle: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@contextmanager
def edge_client(**overrides: object) -> Iterator[TestClient]:
    defaults = Settings(worker_id=1, partitions=4, login_attempts_per_minute=6000)
    settings = replace(defaults, **overrides)  # type: ignore[arg-type]
    with TestClient(create_app(settings, embedded_edge)) as client:
        yield client


def register(client: TestClient, prefix: str = "user") -> Account:
    handle = f"{prefix}_{uuid.uuid4().hex[:8]}"
    created = client.post("/v1/users", json={"handle": handle, "password": "long enough"})
    assert created.status_code == 201, created.text
    login = client.post("/v1/sessions", json={"handle": handle, "password": "long enough"})
    assert login.status_code == 201, login.text
    return Account(created.json()["user_id"], login.json()["token"], handle)


def direct_conversation(client: TestClient, user: Account, peer: Account) -> str:
    answer = client.post(
        "/v1/conversations", json={"kind": "direct", "peer_id": peer.user_id}, headers=user.auth
    )
    assert answer.status_code in (201, 202), answer.text
    conversation_id: str = answer.json()["conversation_id"]
    deadline = time.monotonic() + 10
    while client.get(f"/v1/conversations/{conversation_id}", headers=user.auth).status_code != 200:
        assert time.monotonic() < deadline, "the conversation never became visible"
        time.sleep(0.01)
    return conversation_id
