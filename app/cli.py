"""``chatapp <role>``: serve (embedded default), edge, processor, projector, stack."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable

from app.server import serve_app
from app.settings import Settings, SettingsError
from app.supervise import supervised

log = logging.getLogger("chatapp")
ROLES = ("serve", "edge", "processor", "projector", "stack", "rebuild")


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()

    def handle(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
    return stop


def serve(settings: Settings) -> None:
    if settings.embedded:
        from app.embedded import NOT_DURABLE_WARNING, embedded_edge

        banner = "!" * 78
        print(f"{banner}\n{NOT_DURABLE_WARNING}\n{banner}", flush=True)
        log.warning(NOT_DURABLE_WARNING)
        serve_app(settings, embedded_edge)
        return
    from app.real_stack import real_edge, run_processor, run_projector

    stop = threading.Event()
    workers = [
        supervised(run.__name__, run, settings, stop) for run in (run_processor, run_projector)
    ]
    for worker in workers:
        worker.start()
    try:
        serve_app(settings, real_edge)
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=10)


def edge(settings: Settings) -> None:
    from app.real_stack import real_edge

    settings.require_services()
    serve_app(settings, real_edge)


def _background_role(
    run: Callable[[Settings, threading.Event], None],
) -> Callable[[Settings], None]:
    def role(settings: Settings) -> None:
        settings.require_services()
        run(settings, _stop_on_signals())

    return role


def stack(settings: Settings) -> None:
    """The three roles as separate processes; stops them all on Ctrl-C."""
    settings.require_services()
    processes = [
        subprocess.Popen([sys.executable, "-m", "app.cli", role])
        for role in ("processor", "projector", "edge")
    ]
    stop = _stop_on_signals()
    try:
        while not stop.wait(0.5):
            if any(process.poll() is not None for process in processes):
                log.error("a role exited; stopping the stack")
                break
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            process.wait(timeout=30)


def rebuild(settings: Settings) -> int:
    """Rebuilds the read models from offset 0 into a fresh schema and compares
    them with the live ones; exit status 1 if they differ."""
    from app.rebuild import rebuild_view
    from infra.postgres.compare import compare_read_models

    settings.require_services()
    target = f"{settings.pg_schema}_rebuild_{int(time.time())}"
    count = rebuild_view(settings, target)
    print(f"rebuilt {count} events into schema {target}")
    differences = compare_read_models(settings.postgres_dsn, settings.pg_schema, target)
    for line in differences:
        print(line)
    print("read models equal the rebuild" if not differences else "READ MODELS DIFFER")
    return 1 if differences else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="chatapp", description=__doc__)
    parser.add_argument("role", choices=ROLES)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=os.environ.get("CHAT_LOG_LEVEL", "INFO").upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    try:
        settings = Settings.from_env()
        if args.role in ("processor", "projector"):
            from app.real_stack import run_processor, run_projector

            run = run_processor if args.role == "processor" else run_projector
            _background_role(run)(settings)
        elif args.role == "rebuild":
            return rebuild(settings)
        else:
            {"serve": serve, "edge": edge, "stack": stack}[args.role](settings)
    except SettingsError as error:
        print(f"chatapp: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
