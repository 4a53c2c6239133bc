"""The faults the suite injects, each by name: ``kill:<process>`` (kill -9,
the supervisor restarts it), ``pause:<process>`` (SIGSTOP for longer than the
session timeout, then SIGCONT), ``broker`` (the private Kafka broker
restarted), ``postgres`` (the private PostgreSQL crashed and started
again), ``redis`` (the private Redis killed and started empty),
``slow-reader`` (a socket that stops reading while its conversation is
flooded) and, on the three-node cluster only, ``leader:<topic>`` (the node
leading the busiest partition of ``chat.commands`` or ``chat.events``
killed with kill -9, then started again). Each returns once the system is
whole again (every process ready) and has caught up (every message
acknowledged until then has reached every member's client,
``tests/faults/catch_up.py``), and is journaled with when it began, when it
was whole again and when it had caught up."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from tests.e2e.private_broker import PrivateBroker
from tests.faults.catch_up import flood_timing, wait_caught_up
from tests.faults.clients import ChatClient
from tests.faults.fleet import Fleet
from tests.faults.journal import Fault, Journal, now
from tests.faults.sending import flood
from tests.faults.slow_reader import SlowReader
from tests.support.kafka_cluster import KafkaCluster
from tests.support.private_postgres import PrivatePostgres
from tests.support.private_redis import PrivateRedis

KINDS = ("kill", "pause", "broker", "postgres", "redis", "slow-reader")
FLOOD = 400  # messages (of 15 KB) into the slow reader's conversation: 6 MB
FLOOD_AT_ONCE = 30
WHOLE_AGAIN_S = 90.0  # every process ready again after a fault, or the run fails
CAUGHT_UP_S = 60.0  # then every message acknowledged so far delivered, or an anomaly


@dataclass
class Services:
    """The private services a run owns (and may restart)."""

    broker: PrivateBroker | KafkaCluster
    postgres: PrivatePostgres
    redis: PrivateRedis


@dataclass
class Injector:
    fleet: Fleet
    services: Services
    journal: Journal
    loop: asyncio.AbstractEventLoop
    clients: dict[str, ChatClient]
    firehose: tuple[str, str, str]  # (flooding user, slow user, conversation)
    session_timeout_s: float
    down_s: float = 3.0  # how long PostgreSQL and Redis stay down
    members: Mapping[str, Sequence[str]] = field(default_factory=dict)  # conversation -> users

    def inject(self, name: str) -> Fault:
        """Runs one fault (blocking: call it from a thread, not the loop)."""
        kind, _, target = name.partition(":")
        action: Callable[[], str] = {
            "kill": lambda: self._kill(target),
            "pause": lambda: self._pause(target),
            "broker": self._broker,
            "postgres": self._postgres,
            "redis": self._redis,
            "slow-reader": self._slow_reader,
            "leader": lambda: self._leader(target),
        }[kind]
        started = now()
        try:
            note = action()
            self.fleet.wait_all_ready(WHOLE_AGAIN_S)
        except TimeoutError as error:  # the end checks still run; the run fails
            note = f"not whole again: {error}"
            self.journal.anomalies.append(f"after {name}: {error}")
        whole = now()
        self._wait_caught_up(name, whole)
        fault = Fault(kind, target or kind, started, whole, note, caught_up=now())
        self.journal.faults.append(fault)
        return fault

    def _wait_caught_up(self, name: str, whole: float) -> None:
        """Until every message acknowledged by ``whole`` reached every
        member's client: the fault's backlog is delivered before the next."""
        waiting = asyncio.run_coroutine_threadsafe(
            wait_caught_up(self.journal, self.members, whole, CAUGHT_UP_S), self.loop
        )
        missing = waiting.result(timeout=CAUGHT_UP_S + 30)
        if missing:
            self.journal.anomalies.append(
                f"after {name}: {missing} acknowledged messages x members not delivered "
                f"within {CAUGHT_UP_S:.0f} s of being whole again"
            )

    def _kill(self, process: str) -> str:
        self.fleet.kill_and_wait(process)
        return "kill -9, restarted by the supervisor"

    def _pause(self, process: str) -> str:
        held = self.session_timeout_s + 2
        self.fleet.pause(process)
        time.sleep(held)  # the fault itself: stopped for this long
        self.fleet.resume(process)
        return f"SIGSTOP for {held:.0f} s, then SIGCONT"

    def _broker(self) -> str:
        began = time.monotonic()
        self.services.broker.restart()
        return f"broker stopped and started again in {time.monotonic() - began:.1f} s"

    def _leader(self, topic_name: str) -> str:
        """kill -9 of the node leading the busiest partition of the topic;
        it stays down until another replica leads that partition and
        ``down_s`` more (writes go on to two replicas), then starts again."""
        cluster = self.services.broker
        if not isinstance(cluster, KafkaCluster):
            raise RuntimeError("the leader fault needs the cluster: Plan(cluster=True)")
        topic = f"{self.fleet.env.get('CHAT_TOPIC_PREFIX', '')}{topic_name}"
        partition = cluster.busiest_partition(topic)
        node = cluster.leaders(topic)[partition]
        cluster.kill(node)
        elected = cluster.wait_for_new_leader(topic, partition, node, WHOLE_AGAIN_S)
        time.sleep(self.down_s)  # the fault itself: down a little longer
        began = time.monotonic()
        cluster.start_node(node)
        return (
            f"node {node} (leader of {topic_name}[{partition}]) kill -9; another leader "
            f"after {elected:.1f} s; started again, all 3 answer after "
            f"{time.monotonic() - began:.1f} s"
        )

    def _postgres(self) -> str:
        self.services.postgres.crash()
        time.sleep(self.down_s)  # the fault itself: down for this long
        self.services.postgres.start()
        return f"pg_ctl stop -m immediate, down {self.down_s:.0f} s"

    def _redis(self) -> str:
        self.services.redis.crash()
        time.sleep(self.down_s)  # the fault itself: down for this long
        self.services.redis.start()
        return f"kill -9, down {self.down_s:.0f} s, started empty"

    def _slow_reader(self) -> str:
        """A second socket of the slow user stops reading while the other
        user floods their conversation: the edge must close it (1008) and
        go on serving everyone else, the slow user's reading socket too."""
        flooder, slow_user, conversation_id = self.firehose
        slow = self.clients[slow_user]
        port = int(self.fleet.ws_urls[0].split(":")[2].split("/")[0])
        reader = SlowReader(port, slow.account.token)
        began = now()
        try:
            flooding = asyncio.run_coroutine_threadsafe(
                flood(self.clients[flooder], conversation_id, FLOOD, FLOOD_AT_ONCE), self.loop
            )
            flooding.result(timeout=300)
            reading = now() - began
            code = reader.close_code()
            closed = now() - began
        finally:
            reader.close()
        if code != 1008:
            self.journal.anomalies.append(f"slow reader: closed with {code}, not 1008")
        timing = flood_timing(self.journal, slow_user, conversation_id, began)
        return (
            f"{FLOOD} messages flooded ({timing}); the slow socket, read from {reading:.1f} s, "
            f"was closed with {code} (seen at {closed:.1f} s)"
        )


EVERY_FAULT = (
    "kill:processor-0",
    "pause:processor-1",
    "kill:projector-1",
    "pause:projector-0",
    "kill:edge-0",
    "pause:edge-1",
    "broker",
    "postgres",
    "redis",
    "slow-reader",
)
"""Every kind, kill -9 and SIGSTOP of every role: the short run's schedule."""
