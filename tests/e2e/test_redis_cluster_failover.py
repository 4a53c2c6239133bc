"""Real edge, processor and projector processes on the six-node Redis
Cluster: a master killed with kill -9 while messages flow (the master of
the channel the receiver's pushes travel on, which also holds a third user's
presence; in ``edge`` fan-out also the master of the receiver's leases, which
the projector reads to route). Its replica takes over (cluster-node-timeout
2000 ms, scripts/redis-cluster.sh); delivery and presence recover, and no
acknowledged message is lost: what the dead master's pub/sub dropped comes
back by seq and ``sync``. Each case names the fan-out mode it runs."""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import time
from pathlib import Path

import httpx
import pytest
import redis.cluster
from redis.backoff import NoBackoff
from redis.retry import Retry
from websockets.exceptions import ConnectionClosed

from infra.redis.clients import sync_client
from infra.redis.keys import edge_channel, leases_key, state_key, user_channel
from tests.e2e.client import Frame, Socket, User, unique_handle
from tests.e2e.processes import Stack
from tests.support.redis_cluster import PORTS, ROOT, redis_cluster_up

pytestmark = [pytest.mark.e2e, pytest.mark.redis_cluster]

RECOVERY_DEADLINE = 90.0


# (CHAT_FANOUT_MODE, the key whose master is killed): the receiver's push
# channel in either mode, or in ``edge`` mode the leases the projector routes by.
CASES = [("user", "channel"), ("edge", "channel"), ("edge", "leases")]


@pytest.fixture
def redis_url(redis_cluster_url: str) -> str:
    """The whole stack of this module runs on the cluster."""
    return redis_cluster_url


@pytest.fixture
def case(request: pytest.FixtureRequest) -> tuple[str, str]:
    found: tuple[str, str] = request.param
    return found


@pytest.fixture
def extra_env(case: tuple[str, str]) -> dict[str, str]:
    return {"CHAT_FANOUT_MODE": case[0]}


def victim_key(prefix: str, user: User, case: tuple[str, str], channel: str) -> str:
    """The key whose master the case kills, for the user's one socket: its
    push ``channel``, or its leases."""
    return leases_key(prefix, user.user_id) if case[1] == "leases" else channel


def push_channel(redis_url: str, prefix: str, user: User, mode: str) -> str:
    """The channel the user's pushes travel on: the user's, or its edge's."""
    if mode == "user":
        return user_channel(prefix, user.user_id)
    client = sync_client(redis_url)
    try:
        [lease] = client.zrange(leases_key(prefix, user.user_id), 0, -1)
    finally:
        client.close()
    edge_id = (lease.decode() if isinstance(lease, bytes) else str(lease)).partition(":")[0]
    return edge_channel(prefix, edge_id)


def reconnected(user: User, ws_url: str, deadline: float) -> Socket:
    """A new socket, as a client reconnects: while the failover lasts, the
    edge may close one with 1013 (Redis could not take its lease)."""
    attempts = 0
    while True:
        attempts += 1
        try:
            return user.socket(ws_url)
        except (ConnectionClosed, OSError, TimeoutError) as error:
            assert time.monotonic() < deadline, f"no socket after {attempts} attempts: {error!r}"
            time.sleep(0.2)


def master_port_of(url: str, key: str) -> int:
    client = sync_client(url)
    try:
        assert isinstance(client, redis.cluster.RedisCluster)
        return int(client.get_node_from_key(key).port)  # type: ignore[no-untyped-call]
    finally:
        client.close()


def kill_node(port: int) -> None:
    pid = int((ROOT / ".state" / "redis-cluster" / str(port) / "redis.pid").read_text())
    os.kill(pid, signal.SIGKILL)


class Receiver:
    """Bob's side: every message he got, live or by sync, by seq; a socket
    the edge closes (its pushes were lost) is opened again and synced."""

    def __init__(self, user: User, ws_url: str, conversation_id: str) -> None:
        self.user, self.ws_url, self.conversation_id = user, ws_url, conversation_id
        self.socket: Socket = user.socket(ws_url)
        self.seqs: list[int] = []
        self.live_at: dict[int, float] = {}
        self.reconnects = 0

    def take(self, frame: Frame, live: bool) -> None:
        if frame["type"] == "message" and frame["conversation_id"] == self.conversation_id:
            self.seqs.append(frame["seq"])
            if live:
                self.live_at[frame["seq"]] = time.monotonic()

    def receive_for(self, seconds: float) -> None:
        try:
            frame = self.socket.wait_for(lambda f: f["type"] == "message", seconds)
            self.take(frame, live=True)
        except TimeoutError:
            return
        except (ConnectionClosed, OSError):
            self.reopen()

    def reopen(self) -> None:
        self.reconnects += 1
        deadline = time.monotonic() + RECOVERY_DEADLINE
        while True:
            self.socket = reconnected(self.user, self.ws_url, deadline)
            try:
                self.sync()
                return
            except (ConnectionClosed, OSError, TimeoutError):
                assert time.monotonic() < deadline, "no sync after reconnecting"

    def wait_for_all(self, count: int) -> None:
        """Until seqs 1..count arrived, live or by sync (bounded)."""
        deadline = time.monotonic() + RECOVERY_DEADLINE
        while not set(range(1, count + 1)) <= set(self.seqs):
            assert time.monotonic() < deadline, (
                f"missing {set(range(1, count + 1)) - set(self.seqs)}"
            )
            self.receive_for(1.0)
            self.sync()

    def sync(self) -> None:
        """From the last seq before the first gap, as a client that applies
        in order does: pushes the projector dropped leave a gap, not a close."""
        seen, cursor = set(self.seqs), 0
        while cursor + 1 in seen:
            cursor += 1
        for frame in self.socket.sync({self.conversation_id: cursor}):
            self.take(frame, live=False)


def send_acknowledged(socket: Socket, conversation_id: str, n: int) -> Frame:
    """Sends until acknowledged (the same client_msg_id: one message)."""
    deadline = time.monotonic() + RECOVERY_DEADLINE
    while True:
        answer = socket.send_message(conversation_id, f"m{n}", f"hello {n}", timeout=10)
        if answer["type"] == "sent":
            return answer
        assert time.monotonic() < deadline, f"never acknowledged: {answer}"
        time.sleep(0.2)


@pytest.mark.parametrize("case", CASES, indirect=True, ids=["-".join(c) for c in CASES])
def test_a_killed_master_loses_no_message_and_presence_and_delivery_recover(
    stack: Stack, redis_url: str, case: tuple[str, str], tmp_path: Path
) -> None:
    prefix = stack.env["CHAT_REDIS_PREFIX"]
    alice = User(stack.base_url, unique_handle("alice"))
    bob = User(stack.base_url, unique_handle("bob"))
    conversation_id = alice.start_direct(bob)
    sender = alice.socket(stack.ws_url)
    receiver = Receiver(bob, stack.ws_url, conversation_id)
    acknowledged = [send_acknowledged(sender, conversation_id, n)["message_id"] for n in range(3)]
    while len(receiver.seqs) < 3:
        receiver.receive_for(30)
    channel = push_channel(redis_url, prefix, bob, case[0])
    victim = master_port_of(redis_url, victim_key(prefix, bob, case, channel))
    carol = user_with_presence_on(stack, redis_url, prefix, victim)
    try:
        killed_at = time.monotonic()
        kill_node(victim)
        n, acked_at = 3, [killed_at]
        while not any(at > killed_at for at in receiver.live_at.values()):
            assert time.monotonic() - killed_at < RECOVERY_DEADLINE, (
                f"delivery never recovered; {channel} on {subscribers_by_node(channel)}"
            )
            try:
                acknowledged.append(send_acknowledged(sender, conversation_id, n)["message_id"])
                acked_at.append(time.monotonic())
            except (ConnectionClosed, OSError):
                sender = reconnected(alice, stack.ws_url, killed_at + RECOVERY_DEADLINE)
                continue
            n += 1
            receiver.receive_for(1.0)
        stall = min(at for at in receiver.live_at.values() if at > killed_at) - killed_at
        longest = max(b - a for a, b in itertools.pairwise(acked_at))
        print(
            f"{case}: redis master {victim} killed: first live push after {stall:.2f} s,"
            f" longest wait for a send's ack {longest:.2f} s,"
            f" receiver reopened {receiver.reconnects} times"
        )
        for m in range(n, n + 3):
            acknowledged.append(send_acknowledged(sender, conversation_id, m)["message_id"])
        receiver.wait_for_all(len(acknowledged))
        assert sorted(set(receiver.seqs)) == list(range(1, len(acknowledged) + 1))
        history = bob.history(conversation_id)
        assert [m["message_id"] for m in history["messages"]] == acknowledged
        carol_socket = online_with_a_socket(carol, stack.ws_url, redis_url, prefix)
        assert presence_of(redis_url, prefix, bob.user_id) == "online"
        carol_socket.close()
        assert edge_ready_again(stack.base_url), "the edge's /readyz never came back"
    finally:
        redis_cluster_up()  # the killed node comes back (as a replica)


def user_with_presence_on(stack: Stack, url: str, prefix: str, port: int) -> User:
    """A new user whose presence keys live on the master at ``port``."""
    for _ in range(30):
        user = User(stack.base_url, unique_handle("carol"))
        if master_port_of(url, state_key(prefix, user.user_id)) == port:
            return user
    raise AssertionError(f"30 users and none with presence on {port}")


def online_with_a_socket(user: User, ws_url: str, url: str, prefix: str) -> Socket:
    """The user's socket, once the presence view says online (her lease and
    state: the killed master's slots). As a client does, the socket is opened
    again if the edge closes it (it closes every socket with 1001 when its
    fan-out subscriptions come back, and the release turns her offline)."""
    deadline = time.monotonic() + RECOVERY_DEADLINE
    socket, reopened = reconnected(user, ws_url, deadline), 0
    while presence_of(url, prefix, user.user_id, within=1.0) != "online":
        assert time.monotonic() < deadline, f"never online; socket reopened {reopened} times"
        with contextlib.suppress(TimeoutError):
            code = socket.until_closed(timeout=0.1)
            print(f"{user.handle}'s socket closed with {code}; reopening")
            socket, reopened = reconnected(user, ws_url, deadline), reopened + 1
    return socket


def subscribers_by_node(channel: str) -> dict[int, str]:
    """Each node's role and its subscribers of the channel (the failure's evidence)."""
    found = {}
    for port in PORTS:
        node = redis.Redis(port=port, socket_connect_timeout=1, retry=Retry(NoBackoff(), 0))
        try:
            role = node.info("replication")["role"]
            [_, count] = node.execute_command("PUBSUB", "SHARDNUMSUB", channel)  # type: ignore[no-untyped-call]
            found[port] = f"{role}, {count} subscribers"
        except redis.RedisError as error:
            found[port] = f"away ({type(error).__name__})"
        finally:
            node.close()
    return found


def edge_ready_again(base_url: str) -> bool:
    """/readyz answers 200 (the fan-out subscriptions are all back), bounded."""
    deadline = time.monotonic() + RECOVERY_DEADLINE
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base_url}/readyz", timeout=5).status_code == 200:
                return True
        time.sleep(0.2)
    return False


def presence_of(
    url: str, prefix: str, user_id: str, within: float = RECOVERY_DEADLINE
) -> str | None:
    """The presence view's status once it says online, or at the end of ``within`` s."""
    client = sync_client(url)
    deadline = time.monotonic() + within
    try:
        while True:
            raw = client.hget(state_key(prefix, user_id), "status")
            if raw == b"online" or time.monotonic() > deadline:
                return raw.decode() if isinstance(raw, bytes) else None
            time.sleep(0.2)
    finally:
        client.close()
