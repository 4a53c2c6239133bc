"""Seconds of unavailability and of delay, per fault, from the journal.

- **Unavailable**: the union of the times during which at least one send
  was not acknowledged promptly: from its first attempt to its ``sent``,
  for every send that was resent, refused or waited more than
  ``SLOW_ACK_S`` (sends refused, as a user sees them), within the fault's
  window.
- **Delayed**: the union of the times during which at least one
  acknowledged message had not yet reached every member's client (pushed
  or synced), from its ``sent`` to the last member's sighting, for every
  message that took more than ``SLOW_DELIVERY_S``; acknowledged in the
  fault's window.

- **Ack gap**: the longest time between two consecutive acknowledgements,
  of any send and within one conversation (one partition of
  ``chat.commands``), for gaps that end in the fault's window: the stall
  of a leader kill, which stops only the partitions the node led.

A fault's window runs from its start to the start of the next one (or the
end of the traffic); ``baseline`` is the quiet time before the first."""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass

from tests.faults.journal import SLOW_ACK_S, Fault, Journal

SLOW_DELIVERY_S = 1.0


@dataclass(frozen=True)
class Figures:
    name: str
    window_s: float
    recovered_s: float  # from the fault's start until every process was ready again
    unavailable_s: float
    refused: int  # attempts answered with an error, or lost with their socket
    delayed_s: float
    worst_delay_s: float
    sockets_lost: int
    worst_outage_s: float
    ack_gap_s: float = 0.0
    conversation_ack_gap_s: float = 0.0
    caught_up_s: float | None = None  # from the fault's start until its backlog was delivered


def per_fault(journal: Journal, traffic_end: float) -> list[Figures]:
    faults = sorted(journal.faults, key=lambda f: f.started)
    starts = [f.started for f in faults] + [traffic_end]
    delivered = delivery_times(journal)
    figures = [_figures(journal, delivered, "baseline", journal.started, starts[0], None)]
    for fault, end in zip(faults, starts[1:], strict=True):
        figures.append(_figures(journal, delivered, _label(fault), fault.started, end, fault))
    return figures


def _label(fault: Fault) -> str:
    return fault.kind if fault.target == fault.kind else f"{fault.kind} {fault.target}"


def delivery_times(journal: Journal) -> dict[str, float]:
    """message_id -> when the last member's client applied it."""
    last: dict[str, float] = defaultdict(float)
    for sightings in journal.seen.values():
        for sighting in sightings:
            last[sighting.message_id] = max(last[sighting.message_id], sighting.at)
    return last


def _figures(
    journal: Journal,
    delivered: dict[str, float],
    name: str,
    start: float,
    end: float,
    fault: Fault | None,
) -> Figures:
    stalls: list[tuple[float, float]] = []
    refused = 0
    for record in journal.sends.values():
        refused += sum(
            1 for a in record.attempts if a.outcome != "sent" and start <= a.started < end
        )
        if record.stalled:
            done = record.acked_at if record.acked_at is not None else end
            if record.first_attempt < end and done > start:
                stalls.append((max(record.first_attempt, start), min(done, end)))
    delays: list[tuple[float, float]] = []
    for record in journal.acked():
        assert record.acked_at is not None and record.message_id is not None
        if not start <= record.acked_at < end:
            continue
        arrived = delivered.get(record.message_id, end)
        if arrived - record.acked_at > SLOW_DELIVERY_S:
            delays.append((record.acked_at, arrived))
    outages = [o for o in journal.outages if start <= o.lost_at < end]
    return Figures(
        name=name,
        window_s=end - start,
        recovered_s=(fault.ended - fault.started) if fault else 0.0,
        unavailable_s=union_length(stalls),
        refused=refused,
        delayed_s=union_length(delays),
        worst_delay_s=max((b - a for a, b in delays), default=0.0),
        sockets_lost=len(outages),
        worst_outage_s=max((o.back_at - o.lost_at for o in outages), default=0.0),
        ack_gap_s=longest_ack_gap(journal, start, end, per_conversation=False),
        conversation_ack_gap_s=longest_ack_gap(journal, start, end, per_conversation=True),
        caught_up_s=(fault.caught_up - fault.started) if fault and fault.caught_up else None,
    )


def longest_ack_gap(journal: Journal, start: float, end: float, per_conversation: bool) -> float:
    """The longest time between consecutive acknowledgements (of all sends,
    or of one conversation's) among the gaps that end in [start, end)."""
    acks: dict[str, list[float]] = defaultdict(list)
    for record in journal.acked():
        assert record.acked_at is not None
        acks[record.conversation_id if per_conversation else ""].append(record.acked_at)
    worst = 0.0
    for times in acks.values():
        times.sort()
        for before, after in itertools.pairwise(times):
            if start <= after < end:
                worst = max(worst, after - before)
    return worst


def caught_only_at_the_end(journal: Journal) -> list[str]:
    """Acknowledged messages that some member's client applied only after the
    traffic stopped (the final ``sync``): pushes lost while its socket stayed
    open, which no gap revealed because nothing followed in the conversation."""
    late: list[str] = []
    acked = journal.acked_ids
    for (user_id, conversation_id), sightings in journal.seen.items():
        late += [
            f"{user_id} {conversation_id} seq {s.seq}"
            for s in sightings
            if s.at > journal.traffic_end and s.client_msg_id in acked
        ]
    return late


def union_length(intervals: list[tuple[float, float]]) -> float:
    total, reach = 0.0, float("-inf")
    for begin, end in sorted(intervals):
        if end <= reach:
            continue
        total += end - max(begin, reach)
        reach = end
    return total


def table(figures: list[Figures]) -> str:
    head = (
        "| fault | window s | back s | caught up s | unavailable s | refused | delayed s "
        "| worst delay s | sockets lost | worst outage s | ack gap s "
        "| ack gap in a conversation s |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|"
    )
    rows = [
        f"| {f.name} | {f.window_s:.1f} | {f.recovered_s:.1f} "
        f"| {'-' if f.caught_up_s is None else f'{f.caught_up_s:.1f}'} "
        f"| {f.unavailable_s:.1f} "
        f"| {f.refused} | {f.delayed_s:.1f} | {f.worst_delay_s:.1f} | {f.sockets_lost} "
        f"| {f.worst_outage_s:.1f} | {f.ack_gap_s:.1f} | {f.conversation_ack_gap_s:.1f} |"
        for f in figures
    ]
    return "\n".join([head, *rows])


__all__ = ["SLOW_ACK_S", "Figures", "longest_ack_gap", "per_fault", "table", "union_length"]
