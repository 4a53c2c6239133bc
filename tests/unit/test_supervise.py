import subprocess
import sys
import threading

from app.supervise import STACKS_SIGNAL, supervised, watch
from commands.liveness import Liveness


def test_a_failing_role_thread_calls_the_failure_handler() -> None:
    failed = threading.Event()

    def role() -> None:
        raise RuntimeError("database gone")

    thread = supervised("role", role, on_failure=failed.set)
    thread.start()
    thread.join(5)
    assert failed.is_set()


def test_a_role_that_returns_normally_is_not_a_failure() -> None:
    failed = threading.Event()
    thread = supervised("role", lambda: None, on_failure=failed.set)
    thread.start()
    thread.join(5)
    assert not failed.is_set()


def test_the_watchdog_stops_a_role_that_stalled() -> None:
    stuck = threading.Event()
    liveness = Liveness("processor", stall_limit=0)
    liveness.waiting()
    watch(liveness, threading.Event(), on_stuck=stuck.set, interval=0.01)
    assert stuck.wait(5)


def test_sigusr1_prints_every_threads_stack_and_the_process_goes_on() -> None:
    code = (
        "import sys, time\n"
        "from app.supervise import dump_stacks_on_signal\n"
        "dump_stacks_on_signal()\n"
        "print('ready', flush=True)\n"
        "sys.stdin.readline()\n"
        "print('still here', flush=True)\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None and process.stdin is not None
        assert process.stdout.readline() == "ready\n"
        process.send_signal(STACKS_SIGNAL)
        assert process.stderr is not None
        first_line = process.stderr.readline()
        process.stdin.write("\n")
        process.stdin.flush()
        assert (first_line.startswith("Current thread"), process.stdout.readline()) == (
            True,
            "still here\n",
        )
    finally:
        process.kill()
        process.wait(10)


def run_watched(frozen_after: float, then: str) -> subprocess.CompletedProcess[str]:
    """A process with a watchdog that then runs ``then``."""
    code = (
        "import re, threading, time\n"
        "from app.supervise import watch\n"
        "from commands.liveness import Liveness\n"
        "stop = threading.Event()\n"
        f"watch(Liveness('processor'), stop, interval=0.05, frozen_after={frozen_after})\n"
        f"{then}\n"
        "stop.set()\n"
        "time.sleep(0.2)\n"
        "print('exited normally', flush=True)\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )


def test_a_process_whose_gil_is_held_for_good_prints_its_stacks_and_exits_1() -> None:
    # A regular expression that backtracks for ages: a C call that never lets go of the GIL.
    frozen = run_watched(1.0, "re.match(r'(a+)+$', 'a' * 64 + 'b')")
    assert (frozen.returncode, "Timeout" in frozen.stderr, frozen.stdout) == (1, True, "")


def test_a_process_whose_watchdog_keeps_running_is_not_taken_for_frozen() -> None:
    busy = run_watched(3.0, "time.sleep(4)")
    assert (busy.returncode, busy.stdout) == (0, "exited normally\n")
