import itertools

from hypothesis import given
from hypothesis import strategies as st

from domain.ids import EPOCH_MS, InvalidWorkerId, MessageIdGenerator, split_message_id

times = st.lists(st.integers(EPOCH_MS, EPOCH_MS + 10**9), min_size=1, max_size=300)


@given(times)
def test_ids_of_one_worker_strictly_increase_whatever_the_clock_does(clock: list[int]) -> None:
    generator = MessageIdGenerator(worker_id=7)
    ids = [generator.next_id(now) for now in clock]
    assert all(a < b for a, b in itertools.pairwise(ids))


@given(times, times)
def test_ids_of_two_workers_never_collide(clock_a: list[int], clock_b: list[int]) -> None:
    worker_a, worker_b = MessageIdGenerator(1), MessageIdGenerator(2)
    ids_a = {worker_a.next_id(now) for now in clock_a}
    ids_b = {worker_b.next_id(now) for now in clock_b}
    assert not ids_a & ids_b


def test_an_id_fits_in_a_signed_64_bit_integer() -> None:
    message_id = MessageIdGenerator(1023).next_id(EPOCH_MS + 2**40)
    assert 0 < message_id < 2**63


def test_an_id_carries_its_time_and_worker() -> None:
    message_id = MessageIdGenerator(42).next_id(EPOCH_MS + 12345)
    parts = split_message_id(message_id)
    assert (parts.millis, parts.worker_id, parts.counter) == (EPOCH_MS + 12345, 42, 0)


def test_more_than_4096_ids_in_one_millisecond_stay_unique() -> None:
    generator = MessageIdGenerator(3)
    ids = [generator.next_id(EPOCH_MS + 5) for _ in range(10_000)]
    assert len(set(ids)) == 10_000


def test_a_worker_id_outside_ten_bits_is_refused() -> None:
    try:
        MessageIdGenerator(1024)
    except InvalidWorkerId:
        return
    raise AssertionError("worker id 1024 was accepted")
