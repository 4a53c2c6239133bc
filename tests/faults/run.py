"""One run of the suite: private services, two processes of each role,
clients sending and reading, faults on a schedule (or a rolling restart),
then the drain and the checks. ``run(plan, folder)`` returns the outcome;
``Outcome.report()`` prints what the issue asks for."""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from app.settings import Settings
from tests.e2e.private_broker import PrivateBroker
from tests.faults.checks import Verdict
from tests.faults.clients import ChatClient
from tests.faults.drain import check_everything
from tests.faults.faults import Injector, Services
from tests.faults.fleet import Exit, Fleet
from tests.faults.journal import Fault, Journal, now
from tests.faults.measure import Figures, caught_only_at_the_end, per_fault, table
from tests.faults.population import Population, populate
from tests.faults.sending import keep_sending
from tests.support.kafka_cluster import KafkaCluster
from tests.support.private_postgres import PrivatePostgres
from tests.support.private_redis import PrivateRedis

CONNECT_TIMEOUT_S = 60.0
SENDERS_FINISH_S = 120.0
ROLLING_ORDER = ("processor", "projector", "edge")
LAG_SETTLES_S = 60.0


@dataclass(frozen=True)
class Plan:
    faults: tuple[str, ...] = ()
    rolling_restart: bool = False  # instead of faults: every process, one at a time
    users: int = 12
    send_interval_s: float = 1.0  # per client
    warmup_s: float = 4.0  # traffic before the first fault (the baseline)
    settle_s: float = 3.0  # traffic after a fault, before the next
    partitions: int = 4
    session_timeout_s: float = 6.0
    presence_ttl_s: float = 6.0
    send_queue_frames: int = 100
    seed: int = 1
    cluster: bool = False  # the three-node Kafka cluster (RF 3) instead of a private broker
    fanout_mode: str = ""  # CHAT_FANOUT_MODE of every process; empty: app/settings.py's default


@dataclass
class Outcome:
    plan: Plan
    verdict: Verdict
    journal: Journal
    figures: list[Figures]
    exits: list[Exit]
    seconds: float
    log_dir: Path
    restarts: list[tuple[str, float, float]] = field(default_factory=list)
    # On the cluster: records of chat.commands the processors have not committed.
    lags: dict[str, dict[int, int]] = field(default_factory=dict)

    @property
    def faults(self) -> list[Fault]:
        return self.journal.faults

    def report(self) -> str:
        counts = self.verdict.counts()
        lines = [
            f"fault suite: {self.seconds:.0f} s, {self.plan.users} users, "
            f"fan-out {self.plan.fanout_mode or 'default'}, logs in {self.log_dir}",
            "  " + ", ".join(f"{name} {value}" for name, value in counts.items()),
            f"  refusals: {dict(self.journal.refusals())}",
            f"  frames received: {dict(self.journal.frames)}",
            f"  faults injected ({len(self.faults)}):",
            *(
                f"    {f.kind} {f.target}: {f.note}; whole again after "
                f"{f.ended - f.started:.1f} s{_caught_up(f)}"
                for f in self.faults
            ),
            f"  process exits: {[(e.name, e.code, e.intended) for e in self.exits]}",
            f"  anomalies: {self.journal.anomalies}",
            f"  applied only at the final sync: {caught_only_at_the_end(self.journal)[:10]}",
            *(f"  {name}: {found[:5]}" for name, found in self.verdict.problems().items()),
            *(f"  uncommitted records of {name}: {lag}" for name, lag in self.lags.items()),
            table(self.figures),
        ]
        return "\n".join(lines)


def _caught_up(fault: Fault) -> str:
    if fault.caught_up is None:
        return ""
    return f", caught up after {fault.caught_up - fault.started:.1f} s"


def run(plan: Plan, folder: Path) -> Outcome:
    began = time.monotonic()
    folder.mkdir(parents=True, exist_ok=True)
    with private_services(folder, plan.cluster) as services:
        env = stack_env(plan, services)
        fleet = Fleet(env, folder / "logs")
        fleet.log_dir.mkdir(exist_ok=True)
        lags: dict[str, dict[int, int]] = {}
        try:
            fleet.start()
            journal, verdict = asyncio.run(_drive(plan, fleet, services))
            if isinstance(services.broker, KafkaCluster):
                lags = committed_lags(services.broker, Settings.from_env(env))
        finally:
            fleet.close()
            if isinstance(services.broker, KafkaCluster):
                services.broker.delete_topics(env["CHAT_TOPIC_PREFIX"])
    traffic_end = journal.traffic_end
    return Outcome(
        plan,
        verdict,
        journal,
        per_fault(journal, traffic_end),
        list(fleet.exits),
        time.monotonic() - began,
        fleet.log_dir,
        lags=lags,
    )


def committed_lags(cluster: KafkaCluster, settings: Settings) -> dict[str, dict[int, int]]:
    """What the processors' group has not committed of ``chat.commands``,
    per partition, once it is all committed or after LAG_SETTLES_S: a
    partition whose transactions did not recover stays behind."""
    group = f"{settings.consumer_group_prefix}-processor"
    deadline = time.monotonic() + LAG_SETTLES_S
    while True:
        lag = cluster.lag(group, settings.commands_topic)
        if not any(lag.values()) or time.monotonic() > deadline:
            return {f"{group} on {settings.commands_topic}": lag}
        time.sleep(0.5)


@contextlib.contextmanager
def private_services(folder: Path, cluster: bool = False) -> Iterator[Services]:
    """A Kafka broker (or the three-node cluster), a PostgreSQL and a Redis
    of the run's own, which it may restart; stopped and removed afterwards
    whatever happens (the cluster only if the run brought it up)."""
    with contextlib.ExitStack() as stack:
        broker = KafkaCluster() if cluster else PrivateBroker(folder / "kafka")
        stack.callback(broker.stop)
        broker.start()
        postgres = PrivatePostgres()
        stack.callback(postgres.close)
        postgres.start()
        redis = PrivateRedis(folder / "redis")
        stack.callback(redis.close)
        redis.start()
        yield Services(broker, postgres, redis)


def stack_env(plan: Plan, services: Services) -> dict[str, str]:
    name = f"f{uuid.uuid4().hex[:10]}"
    return {
        "CHAT_KAFKA_BOOTSTRAP": services.broker.bootstrap,
        "CHAT_POSTGRES_DSN": services.postgres.dsn,
        "CHAT_REDIS_URL": services.redis.url,
        "CHAT_TOPIC_PREFIX": f"{name}.",
        "CHAT_CONSUMER_GROUP_PREFIX": name,
        "CHAT_PG_SCHEMA": name,
        "CHAT_REDIS_PREFIX": f"{name}:",
        "CHAT_PARTITIONS": str(plan.partitions),
        "CHAT_REPLICATION_FACTOR": "3" if plan.cluster else "1",
        "CHAT_KAFKA_SESSION_TIMEOUT_MS": str(int(plan.session_timeout_s * 1000)),
        "CHAT_PRESENCE_TTL_SECONDS": str(plan.presence_ttl_s),
        "CHAT_WS_SEND_QUEUE_FRAMES": str(plan.send_queue_frames),
        "CHAT_LOGIN_ATTEMPTS_PER_MINUTE": "100000",
        "CHAT_SEND_RATE_PER_SECOND": "100000",
        "CHAT_SEND_BURST": "100000",
        **({"CHAT_FANOUT_MODE": plan.fanout_mode} if plan.fanout_mode else {}),
    }


async def _drive(plan: Plan, fleet: Fleet, services: Services) -> tuple[Journal, Verdict]:
    rng = random.Random(plan.seed)
    population = await populate(fleet.base_urls[0], plan.users, rng)
    journal = Journal()
    clients = {
        a.user_id: ChatClient(
            a,
            population.conversations_of(a.user_id),
            fleet.ws_urls,
            journal,
            random.Random(rng.random()),
        )
        for a in population.accounts
    }
    sockets = [asyncio.create_task(c.stay_connected()) for c in clients.values()]
    try:
        await _all_connected(clients)
        journal.started = now()
        await _traffic_under_faults(plan, fleet, services, population, clients, journal, rng)
        verdict = await check_everything(fleet, population, clients, journal)
    finally:
        for client in clients.values():
            await client.close()
        for task in sockets:
            task.cancel()
        await asyncio.gather(*sockets, return_exceptions=True)
    return journal, verdict


async def _all_connected(clients: dict[str, ChatClient]) -> None:
    async with asyncio.timeout(CONNECT_TIMEOUT_S):
        while not all(c.connected for c in clients.values()):
            await asyncio.sleep(0.1)


async def _traffic_under_faults(
    plan: Plan,
    fleet: Fleet,
    services: Services,
    population: Population,
    clients: dict[str, ChatClient],
    journal: Journal,
    rng: random.Random,
) -> None:
    stop = asyncio.Event()
    work = [
        asyncio.create_task(
            keep_sending(c, stop, plan.send_interval_s, random.Random(rng.random()))
        )
        for c in clients.values()
    ] + [asyncio.create_task(c.report_receipts(stop)) for c in clients.values()]
    try:
        await asyncio.sleep(plan.warmup_s)  # the schedule: traffic before the first fault
        if plan.rolling_restart:
            await _rolling_restart(plan, fleet, journal)
        else:
            await _faults(plan, fleet, services, population, clients, journal)
    finally:
        stop.set()
        journal.traffic_end = now()
        async with asyncio.timeout(SENDERS_FINISH_S):
            await asyncio.gather(*work)


async def _faults(
    plan: Plan,
    fleet: Fleet,
    services: Services,
    population: Population,
    clients: dict[str, ChatClient],
    journal: Journal,
) -> None:
    assert population.firehose is not None
    flooder, slow, chat = population.firehose
    injector = Injector(
        fleet,
        services,
        journal,
        asyncio.get_running_loop(),
        clients,
        (flooder.user_id, slow.user_id, chat),
        plan.session_timeout_s,
        members=population.members,
    )
    for name in plan.faults:
        await asyncio.to_thread(injector.inject, name)
        await asyncio.sleep(plan.settle_s)  # the schedule: traffic between faults


async def _rolling_restart(plan: Plan, fleet: Fleet, journal: Journal) -> None:
    """SIGTERM, wait for the exit, start again, wait until ready: every
    process, one at a time, role after role, under the clients' traffic."""
    for role in ROLLING_ORDER:
        for name in fleet.names(role):
            started = now()
            stopping, starting = await asyncio.to_thread(fleet.restart_gracefully, name)
            note = f"stopped in {stopping:.1f} s, ready {starting:.1f} s later"
            journal.faults.append(Fault("restart", name, started, now(), note))
            await asyncio.sleep(plan.settle_s)  # the schedule: traffic between restarts
