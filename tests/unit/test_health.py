"""Liveness and readiness answers of a process (app.health)."""

from __future__ import annotations

from app.health import STALE_AFTER_SECONDS, HealthBoard, liveness_answer, readiness_answer
from commands.liveness import Liveness
from infra.memory.metrics import InMemoryMetrics


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def board_with_consumer(clock: Clock, max_lag: int = 10) -> tuple[HealthBoard, InMemoryMetrics]:
    board = HealthBoard(clock)
    board.max_lag = max_lag
    metrics = InMemoryMetrics()
    return board, metrics


def test_a_process_whose_consumers_are_caught_up_and_services_answer_is_ready() -> None:
    board, metrics = board_with_consumer(Clock())
    board.lag_listener("g", "chat.events", metrics)({0: 2, 1: 3})
    status, body = readiness_answer(board, {"kafka": None, "postgres": None})
    assert status == 200
    assert body["status"] == "ready"
    assert body["checks"] == {"kafka": "ok", "postgres": "ok"}
    assert body["consumers"] == {"g/chat.events": {"partitions": [0, 1], "lag": 5}}


def test_a_consumer_that_has_not_reported_a_position_yet_is_not_ready() -> None:
    board, metrics = board_with_consumer(Clock())
    board.lag_listener("g", "chat.events", metrics)
    status, body = readiness_answer(board, {})
    assert status == 503
    assert body["problems"] == ["g/chat.events: no position yet"]


def test_a_consumer_further_behind_than_the_threshold_is_not_ready() -> None:
    board, metrics = board_with_consumer(Clock(), max_lag=10)
    board.lag_listener("g", "chat.commands", metrics)({0: 6, 1: 5})
    status, body = readiness_answer(board, {})
    assert status == 503
    assert "11 records behind" in body["problems"][0]


def test_a_consumer_silent_for_longer_than_the_stale_limit_is_not_ready() -> None:
    clock = Clock()
    board, metrics = board_with_consumer(clock)
    board.lag_listener("g", "chat.events", metrics)({0: 0})
    clock.now += STALE_AFTER_SECONDS + 1
    status, body = readiness_answer(board, {})
    assert status == 503
    assert "no position for" in body["problems"][0]


def test_a_service_that_does_not_answer_makes_the_process_not_ready_and_says_which() -> None:
    status, body = readiness_answer(HealthBoard(), {"redis": "ConnectionError: refused"})
    assert status == 503
    assert body["checks"] == {"redis": "ConnectionError: refused"}
    assert body["problems"] == ["redis: ConnectionError: refused"]


def test_a_stopping_process_is_not_ready_but_still_alive() -> None:
    board = HealthBoard()
    board.stopping.set()
    assert readiness_answer(board, {})[0] == 503
    assert readiness_answer(board, {})[1]["problems"] == ["stopping"]
    assert liveness_answer(board) == (200, {"status": "alive"})


def test_a_loop_stuck_with_input_waiting_makes_the_process_not_alive() -> None:
    clock = Clock()
    board = HealthBoard()
    loop = Liveness("projector", stall_limit=5.0, clock=clock)
    board.watch_loop(loop)
    loop.waiting()
    clock.now += 6
    status, body = liveness_answer(board)
    assert status == 503
    assert body["problems"] == ["projector: input waiting for 6 s without progress"]


def test_every_lag_report_also_reaches_the_metrics() -> None:
    board, metrics = board_with_consumer(Clock())
    board.lag_listener("g", "chat.events", metrics)({3: 7})
    assert metrics.lags == {("g", "chat.events"): {3: 7}}
