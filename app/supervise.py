"""Crash-only roles: a role thread that fails takes its process down, so that
the process supervisor (systemd, Kubernetes, `chatapp stack`) restarts it,
instead of the process living on half-dead (e.g. acknowledging sends that
no processor decides)."""

from __future__ import annotations

import faulthandler
import logging
import os
import signal
import threading
from collections.abc import Callable
from typing import Any

from commands.liveness import Liveness

log = logging.getLogger(__name__)

EXIT_ROLE_FAILED = 70


def exit_process() -> None:
    os._exit(EXIT_ROLE_FAILED)


def supervised(
    name: str,
    target: Callable[..., None],
    *args: Any,
    on_failure: Callable[[], None] = exit_process,
) -> threading.Thread:
    """A daemon thread running ``target(*args)``; if it raises, ``on_failure``."""

    def run() -> None:
        try:
            target(*args)
        except BaseException as error:
            log.critical(
                "%s failed (%s); stopping the process", name, type(error).__name__, exc_info=True
            )
            on_failure()

    return threading.Thread(target=run, name=name, daemon=True)


STACKS_SIGNAL = signal.SIGUSR1
"""``kill -USR1 <pid>``: every thread's stack to the process's stderr (its
log), the process going on; for one that is alive but not ready."""


def dump_stacks_on_signal() -> None:
    faulthandler.register(STACKS_SIGNAL, all_threads=True)


STOP_GRACE_SECONDS = 5.0
"""After SIGTERM, a role that has not stopped by then exits anyway: nothing
it has not committed matters (crash-only), and a broker that is down must
not hold the stop up."""

WATCH_INTERVAL = 5.0
FROZEN_AFTER = 30.0
"""Seconds the watchdog thread may not run before the process is taken for
frozen (a healthy process lets a waiting thread run within milliseconds;
the fault suite wants a role ready again within 90 s): a C call that
holds the GIL and waits for good (confluent-kafka keeps the GIL in
``rd_kafka_new``, ``begin_transaction`` and the assign after a rebalance
callback, each waiting on a librdkafka thread) stops every Python thread,
this watchdog with them, and such a process would never exit for its
supervisor. faulthandler's own timer thread needs no GIL: it prints every
thread's stack and exits with status 1."""


def watch(
    liveness: Liveness,
    stop: threading.Event,
    on_stuck: Callable[[], None] = exit_process,
    interval: float = WATCH_INTERVAL,
    frozen_after: float = FROZEN_AFTER,
) -> threading.Thread:
    """A daemon thread that stops the process (``on_stuck``) once the role
    has had input waiting without progress for longer than its limit, or
    once the thread itself has not run for ``frozen_after`` seconds."""

    def run() -> None:
        reason: str | None = None
        while reason is None:
            faulthandler.dump_traceback_later(frozen_after, exit=True)  # armed again
            if stop.wait(interval):
                # A stop can wedge as well (a consumer's close): one more term.
                faulthandler.dump_traceback_later(STOP_GRACE_SECONDS + frozen_after, exit=True)
                return
            reason = liveness.stalled()
        log.critical("%s; stopping the process for its supervisor", reason)
        faulthandler.dump_traceback(all_threads=True)  # where it was stuck
        on_stuck()
        faulthandler.cancel_dump_traceback_later()  # when on_stuck did not exit

    thread = threading.Thread(target=run, name=f"watch-{liveness.role}", daemon=True)
    thread.start()
    return thread


def stop_on_signals(grace: float = STOP_GRACE_SECONDS) -> threading.Event:
    """An event set by SIGTERM or SIGINT; the process exits at the latest
    ``grace`` seconds after it."""
    stop = threading.Event()

    def handle(signum: int, frame: object) -> None:
        if not stop.is_set():
            stop.set()
            exit_after_grace(grace)

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
    return stop


def exit_after_grace(grace: float = STOP_GRACE_SECONDS) -> None:
    """Exits the process ``grace`` seconds from now, if it has not by then."""
    timer = threading.Timer(grace, _exit_now, args=(grace,))
    timer.daemon = True
    timer.start()


def _exit_now(grace: float) -> None:
    log.warning("not stopped within %.0f s of the signal: exiting", grace)
    logging.shutdown()
    os._exit(0)
