"""``chatapp <command>``: the roles (serve, edge, processor, projector,
notifier, friends, stack), the operator tools (rebuild, asyncapi, vapid-keys,
event-schemas, grant-auditor, revoke-auditor) and the analysts' and
auditors' tools (replay, audit verify)."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

from app import cli_tools, roles
from app.logs import configure_logging
from app.settings import Settings, SettingsError

Command = Callable[[argparse.Namespace, Settings], int]


def _role(run: Callable[[Settings], None]) -> Command:
    def command(args: argparse.Namespace, settings: Settings) -> int:
        run(settings)
        return 0

    return command


def rebuild(args: argparse.Namespace, settings: Settings) -> int:
    """Rebuilds the read models from offset 0 into a fresh schema and compares
    them with the live ones; exit status 1 if they differ."""
    from app.rebuild import rebuild_view
    from infra.postgres.compare import compare_read_models, table_summaries

    settings.require_services()
    target = f"{settings.pg_schema}_rebuild_{int(time.time())}"
    started = time.monotonic()
    count = rebuild_view(settings, target)
    seconds = time.monotonic() - started
    rate = count / seconds if seconds > 0 else 0.0
    print(f"rebuilt {count} events into schema {target} in {seconds:.2f} s ({rate:,.0f} events/s)")
    live = table_summaries(settings.postgres_dsn, settings.pg_schema)
    for table, rebuilt in table_summaries(settings.postgres_dsn, target).items():
        verdict = "equal" if live[table] == rebuilt else "DIFFERENT"
        print(
            f"{table}: live {live[table].rows} rows, checksum {live[table].checksum}; "
            f"rebuilt {rebuilt.rows} rows, checksum {rebuilt.checksum}: {verdict}"
        )
    differences = compare_read_models(settings.postgres_dsn, settings.pg_schema, target)
    for line in differences:
        print(line)
    print("read models equal the rebuild" if not differences else "READ MODELS DIFFER")
    return 1 if differences else 0


def asyncapi(args: argparse.Namespace, settings: Settings) -> int:
    from app.asyncapi import main

    return main(check=args.check)


def event_schemas(args: argparse.Namespace, settings: Settings) -> int:
    from app.event_schemas import main

    return main(check=args.check)


def vapid_keys(args: argparse.Namespace, settings: Settings) -> int:
    """Prints a new VAPID key pair for Web Push (RFC 8292)."""
    from infra.push.vapid import generate_vapid_keys

    keys = generate_vapid_keys()
    print(f"CHAT_VAPID_PRIVATE_KEY={keys.private_key}")
    print(f"# public key (GET /v1/push/vapid-public-key serves it): {keys.public_key}")
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="chatapp", description=__doc__)
    commands = top.add_subparsers(dest="command", required=True, metavar="command")
    for name, run, help_text in (
        ("serve", roles.serve, "all roles in one process (embedded when nothing is configured)"),
        ("edge", roles.edge, "HTTP API and WebSocket"),
        ("processor", roles.processor, "chat.commands -> chat.events"),
        ("projector", roles.projector, "chat.events -> read models and pushes"),
        ("notifier", roles.notifier, "chat.events -> push notifications for offline users"),
        ("friends", roles.friends, "chat.events -> friends, requests, blocks and friend pushes"),
        ("stack", roles.stack, "processor, projector, notifier, friends and edge as processes"),
    ):
        commands.add_parser(name, help=help_text).set_defaults(run=_role(run))
    commands.add_parser("rebuild", help=rebuild.__doc__).set_defaults(run=rebuild)
    commands.add_parser("vapid-keys", help=vapid_keys.__doc__).set_defaults(run=vapid_keys)
    cli_tools.add_commands(commands)
    docs = commands.add_parser("asyncapi", help="write docs/asyncapi.yaml from the code")
    docs.add_argument("--check", action="store_true", help="exit 1 if it is out of date")
    docs.set_defaults(run=asyncapi)
    schemas = commands.add_parser("event-schemas", help="write docs/events/*.schema.json")
    schemas.add_argument("--check", action="store_true", help="exit 1 if they are out of date")
    schemas.set_defaults(run=event_schemas)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        configure_logging(settings.log_format, args.command)
        run: Command = args.run
        return run(args, settings)
    except SettingsError as error:
        print(f"chatapp: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
