from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.conversation import Conversation
from domain.errors import NotAMember

AT = datetime(2026, 1, 1, tzinfo=UTC)


def chat_with(messages: int) -> Conversation:
    conversation = Conversation.start_direct("alice", "bob", AT)
    for number in range(messages):
        conversation.post_message("alice", f"c{number}", number + 1, "hi", AT)
    conversation.collect_events()
    return conversation


def test_reading_moves_both_watermarks() -> None:
    conversation = chat_with(3)
    assert conversation.mark_read("bob", 2, AT)
    assert (conversation.delivered["bob"], conversation.read["bob"]) == (2, 2)


def test_an_old_or_repeated_report_emits_nothing() -> None:
    conversation = chat_with(3)
    conversation.mark_delivered("bob", 3, AT)
    conversation.collect_events()
    assert not conversation.mark_delivered("bob", 3, AT)
    assert not conversation.mark_delivered("bob", 1, AT)
    assert conversation.collect_events() == []


def test_a_watermark_never_passes_the_last_message() -> None:
    conversation = chat_with(2)
    conversation.mark_read("bob", 99, AT)
    assert conversation.read["bob"] == 2


def test_a_non_member_cannot_report_receipts() -> None:
    with pytest.raises(NotAMember):
        chat_with(1).mark_read("mallory", 1, AT)


@given(st.lists(st.tuples(st.booleans(), st.integers(0, 12)), max_size=40))
def test_watermarks_only_move_forward_and_read_never_passes_delivered(
    reports: list[tuple[bool, int]],
) -> None:
    conversation = Conversation.start_direct("alice", "bob", AT)
    for number in range(10):
        conversation.post_message("alice", f"c{number}", number + 1, "hi", AT)
    previous = (0, 0)
    for is_read, seq in reports:
        if is_read:
            conversation.mark_read("bob", seq, AT)
        else:
            conversation.mark_delivered("bob", seq, AT)
        current = (conversation.delivered["bob"], conversation.read["bob"])
        assert current[0] >= previous[0] and current[1] >= previous[1]
        assert current[1] <= current[0] <= 10
        previous = current
    replayed = None
    for event in conversation.collect_events():
        replayed = event.mutate(replayed)
    assert isinstance(replayed, Conversation)
    assert (replayed.delivered, replayed.read) == (conversation.delivered, conversation.read)
