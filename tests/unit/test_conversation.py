import uuid
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.conversation import Conversation, direct_conversation_id
from domain.errors import InvalidCommand, NotAMember

AT = datetime(2026, 1, 1, tzinfo=UTC)


def direct() -> Conversation:
    return Conversation.start_direct("alice", "bob", AT)


def test_a_direct_conversation_id_is_the_same_in_either_order() -> None:
    assert direct_conversation_id("alice", "bob") == direct_conversation_id("bob", "alice")


def test_a_direct_conversation_with_oneself_is_refused() -> None:
    with pytest.raises(InvalidCommand):
        Conversation.start_direct("alice", "alice", AT)


def test_a_non_member_cannot_post() -> None:
    with pytest.raises(NotAMember):
        direct().post_message("mallory", "c1", 1, "hi", AT)


def test_an_empty_body_is_refused() -> None:
    with pytest.raises(InvalidCommand):
        direct().post_message("alice", "c1", 1, "", AT)


def test_a_body_over_16_kib_is_refused() -> None:
    with pytest.raises(InvalidCommand):
        direct().post_message("alice", "c1", 1, "é" * 8193, AT)


def test_a_resend_returns_the_first_message_id_and_seq() -> None:
    conversation = direct()
    first = conversation.post_message("alice", "c1", 100, "hi", AT)
    again = conversation.post_message("alice", "c1", 200, "hi", AT)
    assert (again.message_id, again.seq, again.is_new) == (100, 1, False)
    assert first.is_new


def test_the_group_creator_is_admin() -> None:
    group = Conversation.create_group(uuid.uuid4(), "alice", "team", ["bob"], AT)
    assert group.members == {"alice": "admin", "bob": "member"}


def test_a_group_over_the_size_limit_is_refused() -> None:
    with pytest.raises(InvalidCommand):
        Conversation.create_group(uuid.uuid4(), "a", "t", [f"u{i}" for i in range(5)], AT, 3)


sends = st.lists(
    st.tuples(st.sampled_from(["alice", "bob"]), st.integers(0, 8)), min_size=1, max_size=60
)


@given(sends)
def test_sequence_numbers_are_gapless_and_resends_add_nothing(
    attempts: list[tuple[str, int]],
) -> None:
    conversation = direct()
    for number, (sender, client_number) in enumerate(attempts):
        conversation.post_message(sender, f"m{client_number}", number + 1, "x", AT)
    posted = [e for e in conversation.collect_events() if isinstance(e, Conversation.MessagePosted)]
    assert [e.seq for e in posted] == list(range(1, len(posted) + 1))
    keys = [(e.sender, e.client_msg_id) for e in posted]
    assert len(keys) == len(set(keys)) == len(set(attempts))


@given(sends)
def test_a_replayed_conversation_equals_the_live_one(attempts: list[tuple[str, int]]) -> None:
    conversation = direct()
    for number, (sender, client_number) in enumerate(attempts):
        conversation.post_message(sender, f"m{client_number}", number + 1, "x", AT)
    replayed = None
    for event in conversation.collect_events():
        replayed = event.mutate(replayed)
    assert isinstance(replayed, Conversation)
    assert (replayed.last_seq, replayed.last_hash, replayed.recent_client_ids) == (
        conversation.last_seq,
        conversation.last_hash,
        conversation.recent_client_ids,
    )


@pytest.mark.parametrize("body", ["a\x00b", "\ud800"])
def test_text_postgres_or_utf8_cannot_hold_is_refused(body: str) -> None:
    with pytest.raises(InvalidCommand):
        direct().post_message("alice", "c1", 1, body, AT)
