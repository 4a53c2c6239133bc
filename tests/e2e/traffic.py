"""Chat traffic as real clients make it, for fault tests: senders over
WebSocket that resend with the same ``client_msg_id`` until they get
``sent`` (reconnecting when their socket breaks), and a check of history
against what was acknowledged."""

from __future__ import annotations

import contextlib
import itertools
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from websockets.exceptions import WebSocketException

from tests.e2e.client import Socket, User

SEND_TIMEOUT = 15.0
RESEND_PAUSE = 0.2


@dataclass(frozen=True)
class Ack:
    conversation_id: str
    client_msg_id: str
    message_id: str


@dataclass
class Counts:
    sent: int = 0
    acked: int = 0
    resent: int = 0
    reconnects: int = 0
    refusals: dict[str, int] = field(default_factory=dict)


@dataclass
class Sender:
    """One user sending into one conversation, one message at a time."""

    user: User
    conversation_id: str
    ws_urls: list[str]
    interval: float
    acks: list[Ack] = field(default_factory=list)
    counts: Counts = field(default_factory=Counts)
    _socket: Socket | None = None

    def run(self, stop: threading.Event) -> None:
        urls = itertools.cycle(self.ws_urls)
        for number in itertools.count():
            if stop.is_set():
                break
            client_msg_id = f"{self.user.handle}-{number}"
            self._send_until_acked(client_msg_id, urls)
            stop.wait(self.interval)
        self._close()

    def _send_until_acked(self, client_msg_id: str, urls: Any) -> None:
        self.counts.sent += 1
        for attempt in itertools.count():
            if attempt:
                self.counts.resent += 1
                time.sleep(RESEND_PAUSE)
            try:
                if self._socket is None:
                    self._socket = self.user.socket(next(urls))
                    self.counts.reconnects += 1
                frame = self._socket.send_message(
                    self.conversation_id, client_msg_id, f"body of {client_msg_id}", SEND_TIMEOUT
                )
            except (WebSocketException, TimeoutError, OSError) as error:
                self._count(type(error).__name__)
                self._close()
                continue
            if frame["type"] != "sent":
                self._count(str(frame.get("code", frame["type"])))
            if frame["type"] == "sent":
                self.acks.append(Ack(self.conversation_id, client_msg_id, frame["message_id"]))
                self.counts.acked += 1
                return

    def _count(self, refusal: str) -> None:
        self.counts.refusals[refusal] = self.counts.refusals.get(refusal, 0) + 1

    def _close(self) -> None:
        if self._socket is not None:
            with contextlib.suppress(Exception):  # a broken socket is closed either way
                self._socket.close()
            self._socket = None


class Traffic:
    """Senders in threads; ``stop()`` ends them once their message in flight
    is acknowledged and returns every acknowledgement."""

    def __init__(self, senders: list[Sender]) -> None:
        self.senders = senders
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=s.run, args=(self._stop,)) for s in senders]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self, timeout: float = 180.0) -> list[Ack]:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout)
            assert not thread.is_alive(), f"a sender never got its last ack: {self.counts}"
        return [ack for sender in self.senders for ack in sender.acks]

    @property
    def counts(self) -> Counts:
        total = Counts()
        for sender in self.senders:
            for name in ("sent", "acked", "resent", "reconnects"):
                setattr(total, name, getattr(total, name) + getattr(sender.counts, name))
            for refusal, count in sender.counts.refusals.items():
                total.refusals[refusal] = total.refusals.get(refusal, 0) + count
        return total


def history(reader: User, conversation_id: str) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    while True:
        after = messages[-1]["seq"] if messages else 0
        page = reader.history(conversation_id, after_seq=after, limit=200)
        if not page["messages"]:
            return messages
        messages += page["messages"]


@dataclass
class Verdict:
    lost: list[Ack]
    duplicated: list[str]
    gaps: list[str]
    wrong_ids: list[str]

    @property
    def clean(self) -> bool:
        return not (self.lost or self.duplicated or self.gaps or self.wrong_ids)


def check(acks: list[Ack], readers: dict[str, User]) -> Verdict:
    """Every acknowledged message once in its conversation's history, with
    its acknowledged id, and every history gapless from seq 1."""
    expected: dict[str, dict[str, str]] = defaultdict(dict)
    for ack in acks:
        expected[ack.conversation_id][ack.client_msg_id] = ack.message_id
    verdict = Verdict([], [], [], [])
    for conversation_id, wanted in expected.items():
        messages = history(readers[conversation_id], conversation_id)
        seqs = [m["seq"] for m in messages]
        if seqs != list(range(1, len(seqs) + 1)):
            verdict.gaps.append(conversation_id)
        seen: dict[str, str] = {}
        for message in messages:
            if message["client_msg_id"] in seen:
                verdict.duplicated.append(message["client_msg_id"])
            seen[message["client_msg_id"]] = message["message_id"]
        for client_msg_id, message_id in wanted.items():
            if client_msg_id not in seen:
                verdict.lost.append(Ack(conversation_id, client_msg_id, message_id))
            elif seen[client_msg_id] != message_id:
                verdict.wrong_ids.append(client_msg_id)
    return verdict


def wait_for_clean(
    acks: list[Ack], readers: dict[str, User], timeout: float
) -> tuple[Verdict, float]:
    """Checks until every acknowledged message is there; the verdict and the
    seconds it took."""
    start = time.monotonic()
    while True:
        verdict = check(acks, readers)
        waited = time.monotonic() - start
        if verdict.clean or waited > timeout:
            return verdict, waited
        time.sleep(0.5)
