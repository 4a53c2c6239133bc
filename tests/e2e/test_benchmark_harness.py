"""The open-loop benchmark harness runs end to end (a seconds-long smoke run
on the real stack), so that `make bench` does not rot."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.e2e.processes import REPO


def test_a_smoke_run_of_the_benchmark_reports_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    finished = subprocess.run(
        [sys.executable, "-m", "benchmarks.openloop", "--smoke", "--out", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    result = json.loads(out.read_text())
    [rung] = result["direct"]["rungs"]
    assert rung["lost"] == 0 and rung["delivered"] == rung["deliveries_expected"] > 0
    assert {"p50", "p90", "p99", "p99.9", "max"} <= set(rung["latency_ms"])
    assert {"edge", "processor", "projector", "generator"} <= set(rung["cpu_seconds"])
    assert result["sync"]["sync_ms"]["count"] == 2
    assert result["idle"]["kib_per_socket"] > 0
