"""The three-node Kafka cluster of ``scripts/kafka-cluster.sh`` (loopback
ports 19092-19094), driven from tests: brought up if it is not running
(and then stopped again by ``stop``), one node killed with kill -9 and
started again, and who leads a partition."""

from __future__ import annotations

import os
import subprocess
import time

from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient

from tests.e2e.processes import REPO

SCRIPT = REPO / "scripts" / "kafka-cluster.sh"
NODES = (1, 2, 3)


class KafkaCluster:
    def __init__(self) -> None:
        self.env = dict(os.environ)
        self._started_here = False
        self.bootstrap = str(self._script("bootstrap")).strip()

    def start(self) -> None:
        """Up (a no-op when all three answer); ``stop`` takes down only a
        cluster that this object brought up."""
        self._started_here = self._script("status", check=False) is None
        self._script("up")

    def stop(self) -> None:
        if self._started_here:
            self._script("down")

    def restart(self) -> None:
        """Every node down and up again (the suite's ``broker`` fault)."""
        self._script("down")
        self._script("up")

    def kill(self, node: int) -> None:
        self._script("kill", str(node))

    def start_node(self, node: int) -> None:
        """Starts ``node`` and waits until all three answer again."""
        self._script("start", str(node))

    def leaders(self, topic: str) -> dict[int, int]:
        """partition -> the node id leading it (-1: none right now)."""
        admin = AdminClient({"bootstrap.servers": self.bootstrap, "log_level": 2})
        found = admin.list_topics(topic, timeout=10).topics[topic]
        return {number: p.leader for number, p in found.partitions.items()}

    def busiest_partition(self, topic: str) -> int:
        """The partition of ``topic`` with the most records (highest end offset)."""
        consumer = Consumer(
            {"bootstrap.servers": self.bootstrap, "group.id": "busiest", "log_level": 2}
        )
        try:
            ends = {
                partition: consumer.get_watermark_offsets(
                    TopicPartition(topic, partition), timeout=10
                )[1]
                for partition in self.leaders(topic)
            }
        finally:
            consumer.close()
        return max(ends, key=lambda partition: ends[partition])

    def wait_for_new_leader(self, topic: str, partition: int, gone: int, timeout: float) -> float:
        """Seconds until ``partition`` has a leader other than node ``gone``."""
        began = time.monotonic()
        while True:
            try:
                leader = self.leaders(topic)[partition]
            except Exception:  # metadata from a node that is going away
                leader = -1
            if leader not in (-1, gone):
                return time.monotonic() - began
            if time.monotonic() - began > timeout:
                raise TimeoutError(f"{topic}[{partition}] has no new leader after {timeout:.0f} s")
            time.sleep(0.1)

    def _script(self, *args: str, check: bool = True) -> str | None:
        done = subprocess.run(
            [str(SCRIPT), *args], env=self.env, capture_output=True, text=True, timeout=180
        )
        if done.returncode != 0:
            if not check:
                return None
            raise RuntimeError(
                f"kafka-cluster.sh {' '.join(args)} failed: {done.stderr.strip()[-2000:]}"
            )
        return done.stdout

    def lag(self, group: str, topic: str) -> dict[int, int]:
        """partition -> records between ``group``'s committed offset and the
        end of the partition (the whole partition if nothing is committed)."""
        partitions = [TopicPartition(topic, p) for p in self.leaders(topic)]
        config = {"bootstrap.servers": self.bootstrap, "group.id": group, "log_level": 2}
        consumer = Consumer(config)
        try:
            committed = consumer.committed(partitions, timeout=10)
            return {
                c.partition: consumer.get_watermark_offsets(c, timeout=10)[1] - max(c.offset, 0)
                for c in committed
            }
        finally:
            consumer.close()

    def delete_topics(self, prefix: str) -> None:
        admin = AdminClient({"bootstrap.servers": self.bootstrap, "log_level": 2})
        topics = [t for t in admin.list_topics(timeout=10).topics if t.startswith(prefix)]
        for future in admin.delete_topics(topics).values() if topics else ():
            future.result(timeout=30)
