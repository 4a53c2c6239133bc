import threading

from app.supervise import supervised, watch
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
