"""Topic administration: wait for the broker, create the chat topics with
their partition count and retention, delete topics (tests, tooling)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, overload

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic

from app.settings import Settings
from commands.ports import LogUnavailable
from infra.kafka.records import client_config, kafka_error

if TYPE_CHECKING:
    from confluent_kafka.admin._metadata import ClusterMetadata

DAY_MS = 24 * 3600 * 1000


class TopicMismatch(Exception):
    """A topic exists with another partition count than configured: keys
    would map to other partitions than the data already in it."""


def chat_topics(
    settings: Settings, command_retention_days: int = 7, presence_retention_days: int = 7
) -> dict[str, dict[str, str]]:
    """The topics of DESIGN.md §3 with their configuration."""
    return {
        settings.commands_topic: {"retention.ms": str(command_retention_days * DAY_MS)},
        settings.events_topic: {"retention.ms": "-1"},
        settings.presence_topic: {
            "cleanup.policy": "compact,delete",
            "retention.ms": str(presence_retention_days * DAY_MS),
        },
    }


def _admin(bootstrap: str, extra: Mapping[str, str] | None = None) -> AdminClient:
    return AdminClient(client_config(bootstrap, extra))


def wait_for_broker(bootstrap: str, timeout: float = 30.0) -> None:
    """Returns once a metadata request succeeds; raises LogUnavailable if
    none did within ``timeout`` seconds."""
    admin = _admin(bootstrap)
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        try:
            metadata = admin.list_topics(timeout=max(0.5, min(remaining, 3.0)))
        except KafkaException as error:
            if time.monotonic() >= deadline:
                raise LogUnavailable(f"no Kafka broker at {bootstrap}: {error}") from error
            continue
        if metadata.brokers:
            return
        if time.monotonic() >= deadline:
            raise LogUnavailable(f"no Kafka broker at {bootstrap}")


@overload
def ensure_topics(target: Settings) -> None: ...


@overload
def ensure_topics(
    target: str,
    names_with_config: Mapping[str, Mapping[str, str]],
    partitions: int,
    replication_factor: int = 1,
    timeout: float = 30.0,
) -> None: ...


def ensure_topics(
    target: str | Settings,
    names_with_config: Mapping[str, Mapping[str, str]] | None = None,
    partitions: int | None = None,
    replication_factor: int = 1,
    timeout: float = 30.0,
) -> None:
    """Creates each missing topic, and waits until metadata shows every one
    of them with ``partitions`` led partitions. Raises TopicMismatch if a
    topic exists with another partition count.

    ``ensure_topics(settings)`` does this for the chat topics of DESIGN.md §3.
    """
    extra: Mapping[str, str] = {}
    if isinstance(target, Settings):
        bootstrap, names_with_config, partitions = (
            target.kafka_bootstrap,
            chat_topics(target),
            target.partitions,
        )
        extra = target.kafka_client_config
    else:
        bootstrap = target
    if names_with_config is None or partitions is None:
        raise TypeError("ensure_topics(bootstrap, names_with_config, partitions)")
    admin = _admin(bootstrap, extra)
    new_topics = [
        NewTopic(
            name,
            num_partitions=partitions,
            replication_factor=replication_factor,
            config=dict(config),
        )
        for name, config in names_with_config.items()
    ]
    for name, future in admin.create_topics(new_topics, request_timeout=timeout).items():
        try:
            future.result()
        except KafkaException as error:
            inner = kafka_error(error)
            if inner is None or inner.code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise LogUnavailable(f"cannot create topic {name}: {error}") from error
    _wait_until_ready(admin, list(names_with_config), partitions, timeout)


def _wait_until_ready(
    admin: AdminClient, names: list[str], partitions: int, timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    while True:
        metadata = admin.list_topics(timeout=timeout)
        pending = [name for name in names if not _ready(metadata, name, partitions)]
        if not pending:
            return
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


def delete_topics(bootstrap: str, names: Iterable[str], timeout: float = 30.0) -> None:
    """Deletes the topics; topics that do not exist are ignored."""
    admin = _admin(bootstrap)
    futures = admin.delete_topics(list(names), request_timeout=timeout)
    for name, future in futures.items():
        try:
            future.result()
        except KafkaException as error:
            inner = kafka_error(error)
            if inner is None or inner.code() != KafkaError.UNKNOWN_TOPIC_OR_PART:
                raise LogUnavailable(f"cannot delete topic {name}: {error}") from error
