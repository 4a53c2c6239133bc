"""Schemathesis against the served /openapi.json: no server errors, no
undocumented status codes, responses as documented."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.client import User, unique_handle
from tests.e2e.processes import HIGH_LIMITS, Stack, embedded_server

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
    ]
)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Stack]:
    with embedded_server(tmp_path, HIGH_LIMITS) as s:
        yield s


def test_schemathesis_finds_no_server_error_or_undocumented_answer(
    server: Stack, tmp_path: Path
) -> None:
    fuzzer = User(server.base_url, unique_handle("fuzzer"))
    schemathesis = Path(sys.executable).with_name("schemathesis")
    result = subprocess.run(
        [
            str(schemathesis),
            "run",
            f"{server.base_url}/openapi.json",
            "-H",
            f"Authorization: Bearer {fuzzer.token}",
            "--exclude-path",
            "/v1/sessions/current",  # logging out would end the fuzzer's own session
            "--checks",
            CHECKS,
            "--max-examples",
            "25",
            "--workers",
            "1",
            "--seed",
            "1",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-6000:]
