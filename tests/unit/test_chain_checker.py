"""ChainChecker names the first bad link of a stream and what is wrong with it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from domain.conversation import Conversation
from domain.hashchain import (
    ALTERED,
    BROKEN,
    MISSING,
    REORDERED,
    ChainChecker,
    StoredLink,
    chain_payload,
    link_hash,
)

AT = datetime(2026, 1, 1, tzinfo=UTC)


def links(count: int) -> list[StoredLink]:
    conversation = Conversation.start_direct("ann", "ben", AT)
    for number in range(count - 1):
        conversation.post_message("ann", f"c{number}", number, f"body {number}", AT)
    found = []
    for position, event in enumerate(conversation.collect_events()):
        state: dict[str, Any] = vars(event)
        kind = "Started" if isinstance(event, Conversation.Started) else type(event).__name__
        version = event.originator_version
        payload = chain_payload(kind, str(event.originator_id), version, state)
        found.append(StoredLink(position * 10, version, payload, state["prev_hash"], state["hash"]))
    return found


def check(chain: list[StoredLink]) -> tuple[str, int] | None:
    checker = ChainChecker()
    for link in chain:
        checker.add(link)
    return None if checker.problem is None else (checker.problem.problem, checker.problem.position)


def test_an_untouched_chain_has_no_problem() -> None:
    assert check(links(6)) is None


def test_an_altered_event_is_named_altered_at_its_position() -> None:
    chain = links(6)
    fields = {**chain[3].payload["fields"], "body": "forged"}
    chain[3] = StoredLink(
        30, 4, {**chain[3].payload, "fields": fields}, chain[3].prev_hash, chain[3].hash
    )
    assert check(chain) == (ALTERED, 30)


def test_two_swapped_events_are_named_reordered_at_the_first_of_them() -> None:
    chain = links(6)
    chain[2], chain[3] = chain[3], chain[2]
    assert check(chain) == (REORDERED, chain[2].position)


def test_a_dropped_event_is_named_missing_at_the_one_after_it() -> None:
    chain = links(6)
    del chain[2]
    assert check(chain) == (MISSING, chain[2].position)


def test_a_dropped_first_event_is_missing() -> None:
    assert check(links(3)[1:]) == (MISSING, 10)


def test_a_forged_event_with_a_recomputed_hash_over_a_wrong_prev_hash_is_broken() -> None:
    chain = links(6)
    wrong = "ab" * 32
    chain[4] = StoredLink(40, 5, chain[4].payload, wrong, link_hash(wrong, chain[4].payload))
    assert check(chain) == (BROKEN, 40)


def test_the_first_problem_is_kept() -> None:
    chain = links(6)
    del chain[4]
    chain[1], chain[2] = chain[2], chain[1]
    assert check(chain) == (REORDERED, chain[1].position)
