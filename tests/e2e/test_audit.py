"""Auditing on the real stack: the operator grants and revokes the role
(events on the log), an auditor reads and verifies a conversation through
the API (each read an AuditRead event), and ``chatapp audit verify``
recomputes the chains from the log and names the first bad link of a
tampered copy, with an exit status per kind of damage."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from domain.hashchain import chain_payload, chain_type, link_hash
from tests.e2e.conftest import _drop_namespace
from tests.e2e.log_tools import (
    Raw,
    Workload,
    conversation_records,
    replayed,
    run_cli,
    run_mixed_workload,
    stack_environment,
    write_scratch,
)
from tests.e2e.processes import Stack

PARTITIONS = 4


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, Workload]]:
    name = f"t{uuid.uuid4().hex[:12]}"
    kafka = os.environ.get("CHAT_TEST_KAFKA_BOOTSTRAP", "127.0.0.1:9092")
    postgres = os.environ.get(
        "CHAT_TEST_POSTGRES_DSN", "postgresql://chat:chat@127.0.0.1:5432/chat_test"
    )
    redis = os.environ.get("CHAT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    stack = Stack(stack_environment(name, kafka, postgres, redis), tmp_path_factory.mktemp("logs"))
    stack.start_all()
    try:
        yield stack, run_mixed_workload(stack.base_url, stack.ws_url)
    finally:
        stack.stop_all()
        _drop_namespace(name, kafka, postgres)


def audit_get(user: Any, path: str, **params: Any) -> Any:
    return user.http.get(f"/v1/audit/conversations/{path}", params=params)


def test_the_operator_grants_and_revokes_the_auditor_role_and_each_read_is_on_the_log(
    live: tuple[Stack, Workload],
) -> None:
    stack, work = live
    auditor = work.users["eve"]
    assert audit_get(auditor, f"{work.group}/events").status_code == 404
    granted = run_cli(stack.env, "grant-auditor", auditor.handle)
    assert granted.returncode == 0 and "granted" in granted.stdout, granted.stderr
    events: list[dict[str, Any]] = []
    after, pages = -1, 0
    while after is not None:
        page = audit_get(auditor, f"{work.group}/events", after=after, limit=3).json()
        events += page["events"]
        after, pages = page["next"], pages + 1
    types = [e["type"] for e in events]
    assert types[0] == "ConversationStarted" and "CommandRejected" in types
    assert {"MembersAdded", "MemberRemoved", "MemberLeft", "MessagesRead"} <= set(types)
    verified = audit_get(auditor, f"{work.group}/verify").json()
    chained = [e for e in events if e["hash"] is not None]
    assert verified == {"intact": True, "events": len(chained), "first_bad": None}
    revoked = run_cli(stack.env, "revoke-auditor", auditor.handle)
    assert revoked.returncode == 0, revoked.stderr
    assert audit_get(auditor, f"{work.group}/events").status_code == 404
    trail = [
        row
        for row in replayed(stack.env, "--topics", "events")
        if row["type"] in ("AuditorGranted", "AuditRead", "AuditorRevoked")
    ]
    reads_made = pages + 1  # and the verification
    assert [row["type"] for row in trail] == [
        "AuditorGranted",
        *["AuditRead"] * reads_made,
        "AuditorRevoked",
    ]
    reads = [row["data"] for row in trail if row["type"] == "AuditRead"]
    assert {(r["user_id"], r["conversation_id"]) for r in reads} == {(auditor.user_id, work.group)}
    assert [r["read"] for r in reads] == ["events"] * pages + ["verify"]


def test_granting_an_unknown_handle_is_exit_status_2(live: tuple[Stack, Workload]) -> None:
    stack, _ = live
    result = run_cli(stack.env, "grant-auditor", "nobody_with_this_handle")
    assert result.returncode == 2 and "no user has the handle" in result.stderr


def test_audit_verify_finds_every_chain_of_the_live_log_intact(
    live: tuple[Stack, Workload],
) -> None:
    stack, work = live
    everything = run_cli(stack.env, "audit", "verify")
    assert everything.returncode == 0, everything.stdout + everything.stderr
    assert everything.stdout.strip().endswith("intact")
    one = run_cli(stack.env, "audit", "verify", "--conversation", work.group)
    assert one.returncode == 0 and one.stdout.startswith("1 chain(s)")


def relinked(raw: Raw, prev_hash: str) -> Raw:
    """The record with another prev_hash and a hash recomputed to match it."""
    key, value, headers = raw
    state = json.loads(value)
    payload = chain_payload(
        chain_type(headers["event_type"]), key, int(headers["aggregate_version"]), state
    )
    state["prev_hash"], state["hash"] = prev_hash, link_hash(prev_hash, payload)
    return key, json.dumps(state).encode(), headers


def altered_body(raw: Raw) -> Raw:
    key, value, headers = raw
    state = json.loads(value)
    state["body"] = "what was never said"
    return key, json.dumps(state).encode(), headers


def chained(records: list[Raw]) -> list[int]:
    return [i for i, (_, value, _) in enumerate(records) if b'"hash"' in value]


Tamper = Callable[[list[Raw], int], list[Raw]]
TAMPERING: dict[str, Tamper] = {
    "untouched": lambda r, m: r,
    "altered": lambda r, m: [*r[:m], altered_body(r[m]), *r[m + 1 :]],
    "reordered": lambda r, m: [*r[:m], r[m + 1], r[m], *r[m + 2 :]],
    "missing": lambda r, m: [*r[:m], *r[m + 1 :]],
    "broken": lambda r, m: [*r[:m], relinked(r[m], "ab" * 32), *r[m + 1 :]],
}
EXIT = {"untouched": 0, "altered": 3, "broken": 4, "reordered": 5, "missing": 6}


@pytest.mark.parametrize("damage", list(TAMPERING))
def test_audit_verify_names_the_first_bad_position_of_a_tampered_copy(
    live: tuple[Stack, Workload], damage: str
) -> None:
    stack, work = live
    bootstrap = stack.env["CHAT_KAFKA_BOOTSTRAP"]
    original = conversation_records(
        bootstrap, f"{stack.env['CHAT_TOPIC_PREFIX']}chat.events", work.direct
    )
    posted = [i for i in chained(original) if b'"body"' in original[i][1]]
    middle = posted[1]  # the second message of the direct conversation
    copy = TAMPERING[damage](original, middle)
    scratch = f"{stack.env['CHAT_TOPIC_PREFIX']}{damage}."
    write_scratch(bootstrap, f"{scratch}chat.events", PARTITIONS, copy)
    env = {**stack.env, "CHAT_TOPIC_PREFIX": scratch}
    result = run_cli(env, "audit", "verify", "--conversation", work.direct)
    assert result.returncode == EXIT[damage], result.stdout + result.stderr
    if damage == "untouched":
        assert result.stdout.strip().endswith("intact")
    else:
        # The copy starts at offset 0 of its partition: the position is the index.
        assert f"{damage.upper()} at position {middle} " in result.stdout, result.stdout


def test_audit_verify_of_a_conversation_that_is_not_on_the_log_is_exit_status_2(
    live: tuple[Stack, Workload],
) -> None:
    stack, _ = live
    result = run_cli(stack.env, "audit", "verify", "--conversation", str(uuid.uuid4()))
    assert result.returncode == 2 and "Traceback" not in result.stderr
