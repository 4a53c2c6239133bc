"""The end of a run, checked like a total-queue checker: every acknowledged
message in history exactly once with the id it was acknowledged with, every
reader's view of each conversation the same gapless order as history,
receipts as the clients reported them, read models equal to a rebuild from
offset 0 (unread counts and receipts included)."""

from __future__ import annotations

import itertools
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
import psycopg
from psycopg import sql

from app.rebuild import rebuild_view
from app.settings import Settings
from infra.postgres.compare import compare_read_models
from tests.faults.clients import Account
from tests.faults.journal import Journal
from tests.faults.population import Population

Message = dict[str, Any]


@dataclass
class Verdict:
    sent: int = 0
    acked: int = 0
    resent: int = 0
    delivered: int = 0
    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    wrong_ids: list[str] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)
    reordered: list[str] = field(default_factory=list)
    undelivered: list[str] = field(default_factory=list)
    receipts: list[str] = field(default_factory=list)
    rebuild: list[str] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)
    presence: list[str] = field(default_factory=list)

    PROBLEMS = (
        "lost",
        "duplicated",
        "wrong_ids",
        "gaps",
        "reordered",
        "undelivered",
        "receipts",
        "rebuild",
        "unread",
        "presence",
    )

    def problems(self) -> dict[str, list[str]]:
        return {name: getattr(self, name) for name in self.PROBLEMS if getattr(self, name)}

    def counts(self) -> dict[str, int]:
        counts = {n: getattr(self, n) for n in ("sent", "acked", "resent", "delivered")}
        return {**counts, **{name: len(getattr(self, name)) for name in self.PROBLEMS}}


async def histories(base_url: str, population: Population) -> dict[str, list[Message]]:
    """Each conversation's whole history, read by one of its members."""
    by_id = {a.user_id: a for a in population.accounts}
    found: dict[str, list[Message]] = {}
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        for conversation_id, members in population.members.items():
            found[conversation_id] = await _history(http, by_id[members[0]], conversation_id)
    return found


async def _history(http: httpx.AsyncClient, reader: Account, conversation_id: str) -> list[Message]:
    messages: list[Message] = []
    headers = {"Authorization": f"Bearer {reader.token}"}
    while True:
        after = messages[-1]["seq"] if messages else 0
        page = await http.get(
            f"/v1/conversations/{conversation_id}/messages",
            params={"after_seq": after, "limit": 200},
            headers=headers,
        )
        page.raise_for_status()
        batch = page.json()["messages"]
        if not batch:
            return messages
        messages += batch


def check_messages(journal: Journal, found: dict[str, list[Message]], verdict: Verdict) -> None:
    records = list(journal.sends.values())
    verdict.sent = len(records)
    verdict.acked = sum(1 for r in records if r.message_id is not None)
    verdict.resent = sum(len(r.attempts) - 1 for r in records)
    for conversation_id, messages in found.items():
        seqs = [m["seq"] for m in messages]
        if seqs != list(range(1, len(seqs) + 1)):
            verdict.gaps.append(f"{conversation_id}: seqs {_ranges(seqs)}")
        for client_msg_id, n in Counter(m["client_msg_id"] for m in messages).items():
            if n > 1:
                verdict.duplicated.append(f"{conversation_id} {client_msg_id} x{n}")
        for message_id, n in Counter(m["message_id"] for m in messages).items():
            if n > 1:
                verdict.duplicated.append(f"{conversation_id} message_id {message_id} x{n}")
    stored = {(c, m["client_msg_id"]): m for c, ms in found.items() for m in ms}
    for record in journal.acked():
        message = stored.get((record.conversation_id, record.client_msg_id))
        if message is None:
            verdict.lost.append(f"{record.conversation_id} {record.client_msg_id}")
        elif message["message_id"] != record.message_id:
            verdict.wrong_ids.append(
                f"{record.conversation_id} {record.client_msg_id}: acknowledged "
                f"{record.message_id}, history has {message['message_id']}"
            )


def check_readers(
    journal: Journal, population: Population, found: dict[str, list[Message]], verdict: Verdict
) -> None:
    """Every member's client applied each conversation's messages in
    history's order, all of them, with nothing between."""
    delivered_to: Counter[str] = Counter()
    for conversation_id, members in population.members.items():
        wanted = [m["message_id"] for m in found[conversation_id]]
        for user_id in members:
            seen = [s.message_id for s in journal.sightings(user_id, conversation_id)]
            if seen != wanted[: len(seen)]:
                first = next(
                    i for i, (a, b) in enumerate(zip(seen, wanted, strict=False)) if a != b
                )
                verdict.reordered.append(f"{user_id} {conversation_id} from seq {first + 1}")
            elif len(seen) < len(wanted):
                verdict.undelivered.append(
                    f"{user_id} {conversation_id}: saw {len(seen)} of {len(wanted)}"
                )
            delivered_to.update(seen)
        for message_id in wanted:
            if delivered_to[message_id] == len(members):
                verdict.delivered += 1
    verdict.reordered += journal.inconsistencies


def rebuild_and_compare(env: dict[str, str], deadline_s: float = 60.0) -> tuple[str, list[str]]:
    """``chatapp rebuild``: every event from offset 0 into a scratch schema,
    compared with the live read models until they are equal (the live side
    may still be catching up) or the deadline passes."""
    settings = Settings.from_env(env)
    target = f"{settings.pg_schema}_rebuild_{int(time.time())}"
    rebuild_view(settings, target)
    deadline = time.monotonic() + deadline_s
    while True:
        differences = compare_read_models(settings.postgres_dsn, settings.pg_schema, target)
        if not differences or time.monotonic() > deadline:
            return target, differences
        time.sleep(0.5)


def rebuilt_members(dsn: str, schema: str) -> dict[tuple[str, str], tuple[int, int, int]]:
    """(conversation, user) -> (delivered_seq, read_seq, unread) in a schema."""
    query = sql.SQL(
        """SELECT m.conversation_id, m.user_id, m.delivered_seq, m.read_seq,
                  (SELECT count(*) FROM {s}.messages u WHERE u.conversation_id = m.conversation_id
                     AND u.seq > m.read_seq AND u.sender_id <> m.user_id)
           FROM {s}.members m"""
    ).format(s=sql.Identifier(schema))
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(query).fetchall()
    return {(c, u): (d, r, int(n)) for c, u, d, r, n in rows}


async def check_receipts_and_unread(
    base_url: str,
    population: Population,
    journal: Journal,
    rebuilt: dict[tuple[str, str], tuple[int, int, int]],
    verdict: Verdict,
) -> None:
    """What the API answers (unread counts, receipts) equals the rebuild, and
    the watermarks are those the clients reported (``ok``) at least, and at
    most those they sent."""
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        for account in population.accounts:
            headers = {"Authorization": f"Bearer {account.token}"}
            inbox = (await http.get("/v1/conversations", headers=headers)).json()
            for conversation in inbox["conversations"]:
                key = (conversation["conversation_id"], account.user_id)
                live, wanted = conversation["unread_count"], rebuilt[key][2]
                if live != wanted:
                    verdict.unread.append(f"{key}: unread {live} live, {wanted} rebuilt")
        for conversation_id, members in population.members.items():
            reader = next(a for a in population.accounts if a.user_id == members[0])
            headers = {"Authorization": f"Bearer {reader.token}"}
            path = f"/v1/conversations/{conversation_id}/receipts"
            for member in (await http.get(path, headers=headers)).json()["members"]:
                key = (conversation_id, member["user_id"])
                live = (member["delivered_seq"], member["read_seq"])
                if live != rebuilt[key][:2]:
                    verdict.rebuild.append(
                        f"receipts {key}: {live} live, {rebuilt[key][:2]} rebuilt"
                    )
                _check_marks(journal, key, live, verdict)


def _check_marks(
    journal: Journal, key: tuple[str, str], live: tuple[int, int], verdict: Verdict
) -> None:
    conversation_id, user_id = key
    marks = journal.marks_of(user_id, conversation_id)
    delivered, read = live
    low = (max(marks.delivered_acked, marks.read_acked), marks.read_acked)
    high = (max(marks.delivered_sent, marks.read_sent), marks.read_sent)
    if delivered < low[0] or read < low[1]:
        verdict.receipts.append(f"{key}: watermarks {live} below the acknowledged {low}")
    if delivered > high[0] or read > high[1]:
        verdict.receipts.append(f"{key}: watermarks {live} above what was sent {high}")


def _ranges(seqs: list[int]) -> str:
    if not seqs:
        return "none"
    parts, start = [], seqs[0]
    for previous, current in itertools.pairwise(seqs):
        if current != previous + 1:
            parts.append(f"{start}-{previous}")
            start = current
    parts.append(f"{start}-{seqs[-1]}")
    return ", ".join(parts)
