"""The soak: ``python -m tests.faults`` (docs/operations.md, "The
fault-injection suite"). Exits 1 if a check failed."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from tests.faults.faults import EVERY_FAULT
from tests.faults.run import Plan, run


def parse(argv: list[str]) -> tuple[Plan, Path]:
    parser = argparse.ArgumentParser(prog="python -m tests.faults", description=__doc__)
    parser.add_argument("--rounds", type=int, default=3, help="times through the schedule")
    parser.add_argument(
        "--faults",
        default=",".join(EVERY_FAULT),
        help="comma-separated schedule: kill:<process>, pause:<process>, broker, postgres, "
        "redis, slow-reader (processes: processor-0/1, projector-0/1, edge-0/1)",
    )
    parser.add_argument("--rolling-restart", action="store_true", help="instead of the faults")
    parser.add_argument("--users", type=int, default=24, help="an even number, at least 6")
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between sends")
    parser.add_argument("--settle", type=float, default=5.0, help="seconds between faults")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds before the first")
    parser.add_argument("--partitions", type=int, default=8)
    parser.add_argument("--session-timeout", type=float, default=6.0, help="seconds")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--fanout-mode",
        choices=("user", "edge"),
        default=os.environ.get("CHAT_FANOUT_MODE") or None,
        help="CHAT_FANOUT_MODE of every process (default: $CHAT_FANOUT_MODE, else the stack's)",
    )
    parser.add_argument("--folder", type=Path, help="logs and state (default: a temp folder)")
    args = parser.parse_args(argv)
    if args.users < 6 or args.users % 2:
        parser.error("--users must be an even number, at least 6")
    schedule = tuple(f for f in args.faults.split(",") if f) * args.rounds
    plan = Plan(
        faults=() if args.rolling_restart else schedule,
        rolling_restart=args.rolling_restart,
        users=args.users,
        send_interval_s=args.interval,
        warmup_s=args.warmup,
        settle_s=args.settle,
        partitions=args.partitions,
        session_timeout_s=args.session_timeout,
        seed=args.seed,
        fanout_mode=args.fanout_mode or "",
    )
    return plan, args.folder or Path(tempfile.mkdtemp(prefix="chat-faults-"))


def main(argv: list[str]) -> int:
    plan, folder = parse(argv)
    outcome = run(plan, folder)
    print(outcome.report())
    failed = outcome.verdict.problems() or outcome.journal.anomalies
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
