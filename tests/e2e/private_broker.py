"""A Kafka broker of a test's own (scripts/kafka.sh on other ports and a
folder of the test), so that a test can stop and restart it without
touching the broker every other test uses."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.e2e.processes import REPO, free_port


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

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        self._script("start")

    def stop(self) -> None:
        self._script("stop")

    def restart(self) -> None:
        self.stop()
        self.start()

    def _script(self, command: str) -> None:
        subprocess.run(
            [str(REPO / "scripts" / "kafka.sh"), command],
            env=self.env,
            check=True,
            capture_output=True,
            timeout=120,
        )
