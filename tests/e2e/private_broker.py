"""A Kafka broker of a test's own (scripts/kafka.sh on other ports and a
folder of the test), so that a test can stop and restart it without
touching the broker every other test uses."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.e2e.processes import REPO, free_port

PORT_TAKEN = "is taken by something else"
"""What kafka.sh says when a port it was given was taken meanwhile."""


class PrivateBroker:
    def __init__(self, state: Path) -> None:
        self.port = free_port()
        self.env = {
            **os.environ,
            "CHAT_KAFKA_STATE": str(state),
            "CHAT_KAFKA_PORT": str(self.port),
            "CHAT_KAFKA_CONTROLLER_PORT": str(free_port()),
            "CHAT_KAFKA_HEAP": "-Xms256m -Xmx512m",
        }
        self._started = False

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        """Starts it; before its first start, a port that another process took
        between choosing it and the broker binding it is chosen again."""
        try:
            self._script("start")
        except RuntimeError as error:
            if self._started or PORT_TAKEN not in str(error):
                raise
            self.port = free_port()
            self.env["CHAT_KAFKA_PORT"] = str(self.port)
            self.env["CHAT_KAFKA_CONTROLLER_PORT"] = str(free_port())
            self._script("start")
        self._started = True

    def stop(self) -> None:
        self._script("stop")

    def restart(self) -> None:
        self.stop()
        self.start()

    def _script(self, command: str) -> None:
        done = subprocess.run(
            [str(REPO / "scripts" / "kafka.sh"), command],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode != 0:
            raise RuntimeError(f"kafka.sh {command} failed: {done.stderr.strip()[-2000:]}")
