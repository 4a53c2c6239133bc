"""Crash-only roles: a role thread that fails takes its process down, so that
the process supervisor (systemd, Kubernetes, `chatapp stack`) restarts it,
instead of the process living on half-dead (e.g. acknowledging sends that
no processor decides)."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from typing import Any

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
