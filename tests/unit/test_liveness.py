from commands.liveness import Liveness


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_role_with_input_waiting_past_the_limit_is_stalled_and_says_why() -> None:
    clock = Clock()
    liveness = Liveness("processor", stall_limit=60, clock=clock)
    liveness.waiting()
    clock.now = 61
    assert liveness.stalled() == "processor: input waiting for 61 s without progress"


def test_progress_ends_a_stall() -> None:
    clock = Clock()
    liveness = Liveness("processor", stall_limit=60, clock=clock)
    liveness.waiting()
    clock.now = 61
    liveness.progressed()
    assert liveness.stalled() is None


def test_an_idle_role_with_nothing_waiting_is_alive() -> None:
    clock = Clock()
    liveness = Liveness("projector", stall_limit=60, clock=clock)
    liveness.between_batches(backlog=0)
    clock.now = 1000
    assert liveness.stalled() is None


def test_records_that_wait_but_never_come_count_as_a_stall() -> None:
    clock = Clock()
    liveness = Liveness("projector", stall_limit=60, clock=clock)
    liveness.between_batches(backlog=5)
    clock.now = 30
    liveness.between_batches(backlog=5)
    clock.now = 61
    assert liveness.stalled() is not None
