"""Topic administration: create the chat topics with their partition count
and retention, and read a topic's partitions."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic

from commands.ports import LogUnavailable
from infra.kafka.config import KafkaConfig
from infra.kafka.records import kafka_error

if TYPE_CHECKING:
    from confluent_kafka.admin._metadata import ClusterMetadata

log = logging.getLogger(__name__)

DAY_MS = 24 * 3600 * 1000
TopicConfigs = Mapping[str, Mapping[str, str]]


class TopicMismatch(Exception):
    """A topic exists with another partition count than configured: keys
    would map to other partitions than the data already in it."""


def chat_topics(
    commands: str,
    events: str,
    presence: str,
    retention_days: int = 7,
    *,
    parked: str | None = None,
) -> dict[str, dict[str, str]]:
    """The topics of DESIGN.md §3 with their configuration: commands kept for
    days, events forever, presence compacted and kept for days; and the
    dead-letter topic, kept until an operator has looked (forever)."""
    topics = {
        commands: {"retention.ms": str(retention_days * DAY_MS)},
        events: {"retention.ms": "-1"},
        presence: {
            "cleanup.policy": "compact,delete",
            "retention.ms": str(retention_days * DAY_MS),
        },
    }
    if parked is not None:
        topics[parked] = {"retention.ms": "-1"}
    return topics


def durability_configs(replication_factor: int, min_insync: int | None = None) -> dict[str, str]:
    """What every topic gets with its replication factor: a write is
    acknowledged (acks=all) once ``min_insync`` replicas have it (by default
    ``min(2, RF)``), and a replica that is behind never becomes leader (it
    would lose acknowledged records). RF 3 with 2 in sync survives one broker
    down with writes going on."""
    in_sync = min(2, replication_factor) if min_insync is None else min_insync
    return {
        "min.insync.replicas": str(in_sync),
        "unclean.leader.election.enable": "false",
    }


def new_topics(
    topics: TopicConfigs,
    partitions: int,
    replication_factor: int = 1,
    min_insync: int | None = None,
) -> list[NewTopic]:
    """The NewTopic requests: each topic's own settings over the durability
    settings of the replication factor."""
    durability = durability_configs(replication_factor, min_insync)
    return [
        NewTopic(
            name,
            num_partitions=partitions,
            replication_factor=replication_factor,
            config={**durability, **config},
        )
        for name, config in topics.items()
    ]


def ensure_topics(
    kafka: KafkaConfig,
    topics: TopicConfigs,
    partitions: int,
    replication_factor: int = 1,
    timeout: float = 30.0,
    min_insync: int | None = None,
) -> None:
    """Creates each missing topic, and waits until metadata shows every one
    of them with ``partitions`` led partitions. Raises TopicMismatch if a
    topic exists with another partition count; warns if one exists with
    fewer replicas than ``replication_factor`` (existing topics are never
    changed)."""
    admin = AdminClient(kafka.client())
    requests = new_topics(topics, partitions, replication_factor, min_insync)
    for name, future in admin.create_topics(requests, request_timeout=timeout).items():
        try:
            future.result()
        except KafkaException as error:
            inner = kafka_error(error)
            if inner is None or inner.code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise LogUnavailable(f"cannot create topic {name}: {error}") from error
    metadata = _wait_until_ready(admin, list(topics), partitions, timeout)
    for name in topics:
        replicas = min(len(p.replicas) for p in metadata.topics[name].partitions.values())
        if replicas < replication_factor:
            log.warning(
                "topic %s has %d replicas, fewer than CHAT_REPLICATION_FACTOR %d",
                name,
                replicas,
                replication_factor,
            )


def topic_partitions(kafka: KafkaConfig, topic: str, timeout: float = 10.0) -> list[int]:
    """The partition numbers of ``topic``, from the broker's metadata."""
    admin = AdminClient(kafka.client())
    try:
        metadata = admin.list_topics(topic, timeout=timeout)
    except KafkaException as error:
        raise LogUnavailable(f"no metadata for {topic}: {error}") from error
    found = metadata.topics.get(topic)
    if found is None or found.error is not None or not found.partitions:
        reason = found.error if found is not None else "unknown topic"
        raise LogUnavailable(f"topic {topic} is not available: {reason}")
    return sorted(found.partitions)


def _wait_until_ready(
    admin: AdminClient, names: list[str], partitions: int, timeout: float
) -> ClusterMetadata:
    deadline = time.monotonic() + timeout
    while True:
        metadata = admin.list_topics(timeout=timeout)
        pending = [name for name in names if not _ready(metadata, name, partitions)]
        if not pending:
            return metadata
        if time.monotonic() >= deadline:
            raise LogUnavailable(f"topics not ready after {timeout}s: {pending}")
        time.sleep(0.05)


def _ready(metadata: ClusterMetadata, name: str, partitions: int) -> bool:
    topic = metadata.topics.get(name)
    if topic is None or topic.error is not None:
        return False
    if topic.partitions and len(topic.partitions) != partitions:
        raise TopicMismatch(
            f"topic {name} has {len(topic.partitions)} partitions, expected {partitions}"
        )
    return len(topic.partitions) == partitions and all(
        p.error is None and p.leader >= 0 for p in topic.partitions.values()
    )
