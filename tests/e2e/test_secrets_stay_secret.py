"""Bodies, passwords and tokens stay out of logs; with a cipher key, bodies
are unreadable on the log and everything still works."""

from __future__ import annotations

import uuid

import pytest
from eventsourcing.cipher import AESCipher

from tests.e2e.client import User, unique_handle
from tests.e2e.kafka_records import raw_values
from tests.e2e.processes import Stack

CIPHER_KEY = AESCipher.create_key(32)


@pytest.fixture
def extra_env() -> dict[str, str]:
    return {"CHAT_EVENT_CIPHER_KEY": CIPHER_KEY}


def test_with_a_cipher_key_bodies_are_unreadable_on_the_log_and_chat_works(
    stack: Stack, kafka_bootstrap: str
) -> None:
    secret = f"meet at dawn {uuid.uuid4().hex}"
    ann, ben = (User(stack.base_url, unique_handle(n)) for n in ("ann", "ben"))
    chat = ann.start_direct(ben)
    ben_socket = ben.socket(stack.ws_url)
    assert ann.socket(stack.ws_url).send_message(chat, "c1", secret)["type"] == "sent"
    assert ben_socket.message_with_seq(1)["body"] == secret
    assert ben.history(chat)["messages"][0]["body"] == secret
    prefix = stack.env["CHAT_TOPIC_PREFIX"]
    for topic in (f"{prefix}chat.commands", f"{prefix}chat.events"):
        values = raw_values(kafka_bootstrap, topic)
        assert values, topic
        assert not [v for v in values if secret.encode() in v or b'"body"' in v]


def test_logs_carry_no_bodies_passwords_or_tokens(stack: Stack) -> None:
    secret = f"private words {uuid.uuid4().hex}"
    password = f"pw-{uuid.uuid4().hex}"
    ann = User(stack.base_url, unique_handle("ann"), password=password)
    ben = User(stack.base_url, unique_handle("ben"))
    chat = ann.start_direct(ben)
    socket = ann.socket(stack.ws_url)
    socket.send_message(chat, "c1", secret)
    ben.socket(stack.ws_url).message_with_seq(1)
    ann.http.post("/v1/sessions", json={"handle": ann.handle, "password": "wrong password"})
    ann.http.delete("/v1/sessions/current")
    stack.stop_all()
    logs = "".join(path.read_text(errors="replace") for path in stack.log_dir.glob("*.log"))
    assert logs  # the processes did log
    for forbidden in (secret, password, ann.token, ben.token):
        assert forbidden not in logs
