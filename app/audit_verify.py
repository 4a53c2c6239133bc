"""``chatapp audit verify [--conversation ID]``: every hash chain recomputed
from the events topic itself (never from a read model), as an outsider
reads it (infra.kafka.log_reader). Each chained record is checked over
its fields as written (domain.hashchain), whatever its schema version.

Exit status: 0 every chain intact; 3 an event altered; 4 a broken link
(prev_hash is not the previous hash); 5 events reordered; 6 an event
missing; 2 bad input (and a key that does not decipher the log). With
several bad chains, the status is that of the first bad link in log order
(partition, then offset)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from app.codecs import event_codec
from app.replay_input import BadInput
from app.settings import Settings
from domain.hashchain import (
    ALTERED,
    BROKEN,
    MISSING,
    REORDERED,
    ChainChecker,
    ChainProblem,
    StoredLink,
    chain_payload,
    chain_type,
)
from infra.kafka.log_reader import LoggedRecord, LogReader
from infra.kafka.topics import topic_partitions
from infra.partitioning import partition_for

EXIT_CODES = {ALTERED: 3, BROKEN: 4, REORDERED: 5, MISSING: 6}


@dataclass(frozen=True)
class BadChain:
    stream: str  # the conversation (or auditor stream) id
    partition: int
    problem: ChainProblem


@dataclass
class Verification:
    chains: dict[str, ChainChecker] = field(default_factory=dict)
    partitions: dict[str, int] = field(default_factory=dict)

    @property
    def events(self) -> int:
        return sum(checker.links for checker in self.chains.values())

    def bad(self) -> list[BadChain]:
        found = [
            BadChain(stream, self.partitions[stream], checker.problem)
            for stream, checker in self.chains.items()
            if checker.problem is not None
        ]
        return sorted(found, key=lambda bad: (bad.partition, bad.problem.position))

    @property
    def exit_code(self) -> int:
        bad = self.bad()
        return EXIT_CODES[bad[0].problem.problem] if bad else 0


def stored_link(record_value: dict[str, Any], headers: dict[str, str], offset: int) -> StoredLink:
    version = int(headers.get("aggregate_version") or 0)
    payload = chain_payload(
        chain_type(headers.get("event_type", "")),
        headers.get("aggregate_id", ""),
        version,
        record_value,
    )
    return StoredLink(offset, version, payload, record_value["prev_hash"], record_value["hash"])


def verify_log(settings: Settings, conversation_id: str | None = None) -> Verification:
    topic = settings.events_topic
    partitions = topic_partitions(settings.kafka, topic)
    if conversation_id is not None:
        partitions = [partition_for(conversation_id, len(partitions))]
    codec = event_codec(settings)
    verification = Verification()
    with LogReader(settings.kafka) as reader:
        spans = reader.spans(topic, partitions=partitions)
        for logged in _chained(reader.read(spans), codec.plaintext, conversation_id):
            record, value = logged
            stream = record.record.key
            checker = verification.chains.setdefault(stream, ChainChecker())
            verification.partitions[stream] = record.record.partition
            checker.add(stored_link(value, dict(record.record.headers), record.record.offset))
    return verification


def _chained(
    records: Iterator[LoggedRecord], plaintext: Any, only: str | None
) -> Iterator[tuple[LoggedRecord, dict[str, Any]]]:
    """The records that carry a link (``prev_hash`` and ``hash``), decoded."""
    for logged in records:
        record = logged.record
        if only is not None and record.key != only:
            continue
        try:
            value = json.loads(plaintext(record.value))
        except Exception as error:
            raise BadInput(
                f"cannot read the record at partition {record.partition} offset "
                f"{record.offset} ({type(error).__name__}): is CHAT_EVENT_CIPHER_KEY right?"
            ) from None
        if isinstance(value, dict) and "prev_hash" in value and "hash" in value:
            yield logged, value


def report(verification: Verification, topic: str) -> list[str]:
    lines = []
    for bad in verification.bad():
        problem = bad.problem
        lines.append(
            f"{bad.stream}: {problem.problem.upper()} at position {problem.position} "
            f"({topic}[{bad.partition}] offset {problem.position}): {problem.detail}"
        )
    chains, events = len(verification.chains), verification.events
    verdict = "intact" if not lines else f"{len(lines)} chain(s) NOT intact"
    lines.append(f"{chains} chain(s), {events} chained events: {verdict}")
    return lines
