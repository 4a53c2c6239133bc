"""The log is readable with ordinary tools: the kcat recipes of
docs/events/README.md, run as written (broker and topic substituted), read
a live stack's events and check its hash chains. kcat and jq come from
Debian's packages (scripts/kcat.sh, run by ``make test``)."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from tests.e2e.client import User, unique_handle
from tests.e2e.log_tools import wait_until
from tests.e2e.processes import REPO, Stack

README = REPO / "docs" / "events" / "README.md"


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README.read_text("utf-8"), re.DOTALL)


def documented(command: str, stack: Stack) -> str:
    bootstrap = stack.env["CHAT_KAFKA_BOOTSTRAP"]
    topic = f"{stack.env['CHAT_TOPIC_PREFIX']}chat.events"
    return command.replace("127.0.0.1:9092", bootstrap).replace("-t chat.events", f"-t {topic}")


def chat(stack: Stack) -> str:
    ann, ben = (
        User(stack.base_url, unique_handle("ann")),
        User(stack.base_url, unique_handle("ben")),
    )
    conversation = ann.start_direct(ben)
    socket = ann.socket(stack.ws_url)
    for number in range(3):
        assert socket.send_message(conversation, f"k{number}", f"über {number}")["type"] == "sent"
    socket.close()
    wait_until(lambda: ann.history(conversation)["last_seq"] == 3)
    return conversation


def test_the_documented_chain_check_passes_on_a_live_log(stack: Stack, tmp_path: Path) -> None:
    conversation = chat(stack)
    script = next(b for b in blocks("python") if "check_chain" in b or "NOT_HASHED" in b)
    (tmp_path / "check_chain.py").write_text(script, encoding="utf-8")
    command = next(b for b in blocks("sh") if "check_chain.py" in b).strip()
    result = subprocess.run(
        documented(command, stack),
        shell=True,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = [line.split() for line in result.stdout.splitlines()]
    mine = [line for line in lines if line[2] == conversation]
    assert len(mine) == 4 and {line[3] for line in mine} == {"ok"}


def test_the_documented_kcat_json_recipe_shows_a_conversations_values(stack: Stack) -> None:
    conversation = chat(stack)
    block = next(b for b in blocks("sh") if "jq -c --arg id" in b).splitlines()
    start = next(i for i, line in enumerate(block) if line.endswith("-J \\"))
    command = "\n".join(block[start:])
    result = subprocess.run(
        documented(command, stack),
        shell=True,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={"CONVERSATION_ID": conversation, "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    bodies = [r["value"]["body"] for r in records if r["headers"]["event_type"] == "MessagePosted"]
    assert bodies == ["über 0", "über 1", "über 2"]
