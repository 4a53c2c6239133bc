"""`chatapp rebuild` on the real stack: the read models equal a rebuild from offset 0."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable

from tests.e2e.client import User, unique_handle
from tests.e2e.processes import REPO, Stack


def wait_until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def test_the_live_read_models_equal_a_rebuild_from_offset_zero(stack: Stack) -> None:
    ann, ben, cat = (User(stack.base_url, unique_handle(n)) for n in ("ann", "ben", "cat"))
    group = ann.create_group("crew", [ben, cat])
    chat = ann.start_direct(ben)
    ann_socket, ben_socket = ann.socket(stack.ws_url), ben.socket(stack.ws_url)
    for number in range(5):
        ann_socket.send_message(group, f"g{number}", f"to the group {number}")
        ben_socket.send_message(chat, f"d{number}", f"to ann {number}")
    ann.remove_member(group, cat)
    ben_socket.send_frame({"type": "read", "id": "r", "conversation_id": group, "up_to_seq": 3})
    ann_socket.send_frame({"type": "read", "id": "r", "conversation_id": chat, "up_to_seq": 5})

    def read_by(user: User, conversation_id: str, seq: int) -> bool:
        members = user.http.get(f"/v1/conversations/{conversation_id}/receipts").json()
        return any(m["read_seq"] == seq for m in members.get("members", []))

    wait_until(lambda: read_by(ann, group, 3) and read_by(ben, chat, 5))
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "rebuild"],
        cwd=REPO,
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "read models equal the rebuild" in result.stdout
