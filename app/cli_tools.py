"""The analyst's and auditor's commands of ``chatapp``: replay (and its
time-travel read), audit verify, grant-auditor, revoke-auditor. Bad input
is one line on stderr and exit status 2, never a traceback."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

from app.replay_input import BadInput, TimeRange, parse_point
from app.settings import Settings
from commands.ports import LogUnavailable
from infra.files.sinks import FORMATS, BadOutput

Command = Callable[[argparse.Namespace, Settings], int]
EXIT_BAD_INPUT = 2
EXIT_UNAVAILABLE = 1


def _guarded(run: Command) -> Command:
    def command(args: argparse.Namespace, settings: Settings) -> int:
        try:
            return run(args, settings)
        except (BadInput, BadOutput) as error:
            print(f"chatapp {args.command}: {error}", file=sys.stderr)
            return EXIT_BAD_INPUT
        except LogUnavailable as error:
            print(f"chatapp {args.command}: the log cannot be read: {error}", file=sys.stderr)
            return EXIT_UNAVAILABLE

    return command


def replay(args: argparse.Namespace, settings: Settings) -> int:
    """Reads chat.events and chat.presence as an outsider and writes every
    event as JSON Lines, CSV or Parquet (docs/analysts.md)."""
    from app.replay import replay as run_replay
    from app.replay import schemas, topics_of
    from app.supervise import stop_on_signals
    from infra.files.sinks import open_sink

    if not settings.kafka_bootstrap:
        raise BadInput("CHAT_KAFKA_BOOTSTRAP is not set")
    if args.as_of is not None or args.conversation is not None:
        return _as_of(args, settings)
    if args.format not in FORMATS:
        raise BadInput(f"unknown format {args.format!r}: use one of {', '.join(FORMATS)}")
    when = TimeRange.of(args.since, args.until, args.follow)
    topics = topics_of(settings, args.topics.split(","))
    sink = open_sink(args.format, args.output, args.split, schemas())
    stop = stop_on_signals() if args.follow else None
    try:
        summary = run_replay(settings, topics, when, sink, stop)
    finally:
        sink.close()
    for line in summary.lines():
        print(line, file=sys.stderr)
    return 0


def _as_of(args: argparse.Namespace, settings: Settings) -> int:
    from app.as_of import conversation_as_of

    if args.as_of is None or args.conversation is None:
        raise BadInput("--as-of and --conversation go together")
    if args.since or args.until or args.follow or args.output:
        raise BadInput("--as-of prints one conversation: no --from, --until, --follow, --output")
    state = conversation_as_of(settings, args.conversation, parse_point(args.as_of))
    print(json.dumps(state, indent=2, ensure_ascii=False))
    return 0


def audit_verify(args: argparse.Namespace, settings: Settings) -> int:
    """Recomputes every hash chain from the log; exit 0 intact, 3 altered,
    4 broken link, 5 reordered, 6 missing, 2 bad input."""
    from app.audit_verify import report, verify_log

    if not settings.kafka_bootstrap:
        raise BadInput("CHAT_KAFKA_BOOTSTRAP is not set")
    verification = verify_log(settings, args.conversation)
    if args.conversation and not verification.chains:
        raise BadInput(f"no chained event of {args.conversation} on {settings.events_topic}")
    for line in report(verification, settings.events_topic):
        print(line)
    return verification.exit_code


def grant_auditor(args: argparse.Namespace, settings: Settings) -> int:
    """Gives a user the auditor role (an AuditorGranted event on the log)."""
    from app.auditors import change_role

    return change_role(settings, args.handle, grant=True, timeout=args.timeout)


def revoke_auditor(args: argparse.Namespace, settings: Settings) -> int:
    """Takes the auditor role away (an AuditorRevoked event on the log)."""
    from app.auditors import change_role

    return change_role(settings, args.handle, grant=False, timeout=args.timeout)


def add_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("replay", help=replay.__doc__)
    parser.add_argument("--format", default="jsonl", help="jsonl (default), csv or parquet")
    parser.add_argument("--output", "-o", help="a file, or a folder with --split; default stdout")
    parser.add_argument("--split", action="store_true", help="one file per event type")
    parser.add_argument("--from", dest="since", help="first time (ISO 8601; default: the start)")
    parser.add_argument("--until", help="end time, excluded (ISO 8601; default: now's end)")
    parser.add_argument("--follow", action="store_true", help="go on with live events")
    parser.add_argument("--topics", default="events,presence", help="events, presence or both")
    parser.add_argument("--as-of", help="POSITION (offset) or TIME: print the conversation then")
    parser.add_argument("--conversation", help="the conversation of --as-of")
    parser.set_defaults(run=_guarded(replay))
    audit = commands.add_parser("audit", help="auditors' tools").add_subparsers(
        dest="audit_command", required=True, metavar="tool"
    )
    verify = audit.add_parser("verify", help=audit_verify.__doc__)
    verify.add_argument("--conversation", help="only this conversation's chain")
    verify.set_defaults(run=_guarded(audit_verify))
    for name, run in (("grant-auditor", grant_auditor), ("revoke-auditor", revoke_auditor)):
        role = commands.add_parser(name, help=run.__doc__)
        role.add_argument("handle")
        role.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for it")
        role.set_defaults(run=_guarded(run))
