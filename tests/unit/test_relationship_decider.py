"""The processor's decider with relationships: relationship commands and
events share their partition with the pair's direct conversation, and a
block there refuses sends and drops the blocked user's receipts."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from commands.decider import PartitionState
from commands.messages import (
    CreateGroup,
    MarkRead,
    SendMessage,
    StartDirect,
    decode_command,
    encode_command,
)
from commands.relationship_commands import (
    AcceptFriend,
    BlockUser,
    RelationshipCommand,
    RequestFriend,
    UnblockUser,
)
from domain.codec import EventCodec
from domain.conversation import Conversation, direct_conversation_id
from domain.rejection import CommandRejected
from domain.relationship_events import FriendRequested, UserBlocked
from infra.partitioning import partition_for

AT = datetime(2026, 1, 1, tzinfo=UTC).isoformat()
DIRECT = str(direct_conversation_id("ann", "ben"))


def chatting() -> PartitionState:
    """Ann and Ben have a direct conversation with one message from Ben."""
    state = PartitionState()
    state.decide(StartDirect(DIRECT, "ann", "ben", AT))
    state.decide(SendMessage(DIRECT, "ben", "m1", 1, "hello", AT))
    return state


def send(state: PartitionState, sender: str, client: str) -> list[object]:
    return list(state.decide(SendMessage(DIRECT, sender, client, 9, "hi", AT)))


def test_relationship_commands_and_events_go_where_the_direct_conversation_is() -> None:
    command = RequestFriend("ben", "ann", AT)
    assert command.conversation_id == DIRECT
    (event,) = PartitionState().decide(command)
    record = EventCodec().encode(event)
    assert record.key == DIRECT
    assert partition_for(record.key, 8) == partition_for(DIRECT, 8)
    assert isinstance(EventCodec().decode(record.value, record.headers), FriendRequested)


def test_relationship_commands_survive_the_log() -> None:
    command = UnblockUser("ann", "ben", AT)
    assert decode_command(encode_command(command)) == command


def test_a_send_into_a_blocked_pairs_direct_conversation_is_refused() -> None:
    state = chatting()
    state.decide(BlockUser("ann", "ben", AT))
    (refused,) = send(state, "ben", "m2")
    assert isinstance(refused, CommandRejected)
    assert (refused.command_type, refused.code, refused.sender) == (
        "SendMessage",
        "forbidden",
        "ben",
    )
    (also_refused,) = send(state, "ann", "m3")
    assert isinstance(also_refused, CommandRejected) and also_refused.code == "forbidden"


def test_a_resend_of_a_message_posted_before_the_block_still_finds_it() -> None:
    state = chatting()
    state.decide(BlockUser("ann", "ben", AT))
    assert send(state, "ben", "m1") == []


def test_after_an_unblock_messages_flow_again() -> None:
    state = chatting()
    state.decide(BlockUser("ann", "ben", AT))
    state.decide(UnblockUser("ann", "ben", AT))
    (posted,) = send(state, "ben", "m2")
    assert isinstance(posted, Conversation.MessagePosted) and posted.seq == 2


def test_the_blocked_users_receipts_decide_to_nothing_but_the_blockers_move() -> None:
    state = chatting()
    state.decide(SendMessage(DIRECT, "ann", "a1", 2, "hi", AT))
    state.decide(BlockUser("ann", "ben", AT))
    assert state.decide(MarkRead(DIRECT, "ben", 2, AT)) == []
    (read,) = state.decide(MarkRead(DIRECT, "ann", 1, AT))
    assert isinstance(read, Conversation.MessagesRead)


def test_a_block_leaves_group_conversations_alone() -> None:
    state = PartitionState()
    group = str(uuid.uuid4())
    state.decide(CreateGroup(group, "ann", "crew", ("ben",), AT))
    state.decide(BlockUser("ann", "ben", AT))
    (posted,) = state.decide(SendMessage(group, "ben", "g1", 1, "hi all", AT))
    assert isinstance(posted, Conversation.MessagePosted)


def test_the_blocked_user_cannot_start_the_direct_conversation_whether_or_not_it_exists() -> None:
    fresh = PartitionState()
    fresh.decide(BlockUser("ann", "ben", AT))
    existing = chatting()
    existing.decide(BlockUser("ann", "ben", AT))
    for state in (fresh, existing):
        (refused,) = state.decide(StartDirect(DIRECT, "ben", "ann", AT))
        assert isinstance(refused, CommandRejected) and refused.code == "not_found"
    (started,) = fresh.decide(StartDirect(DIRECT, "ann", "ben", AT))
    assert isinstance(started, Conversation.Started)


def test_a_refused_relationship_command_is_told_to_its_sender_only() -> None:
    (refused,) = PartitionState().decide(AcceptFriend("ann", "ben", AT))
    assert isinstance(refused, CommandRejected)
    assert (refused.sender, refused.command_type, refused.code) == (
        "ann",
        "AcceptFriend",
        "not_found",
    )
    assert str(refused.originator_id) == DIRECT
    assert refused.client_msg_id is None


def test_blocking_a_friend_ends_the_friendship_on_the_log() -> None:
    state = PartitionState()
    state.decide(RequestFriend("ann", "ben", AT))
    state.decide(AcceptFriend("ben", "ann", AT))
    (blocked,) = state.decide(BlockUser("ben", "ann", AT))
    assert isinstance(blocked, UserBlocked) and blocked.ended == "friendship"


USERS = ["ann", "ben", "cat"]
commands = st.lists(
    st.tuples(
        st.sampled_from([RequestFriend, AcceptFriend, BlockUser, UnblockUser]),
        st.sampled_from(USERS),
        st.sampled_from(USERS),
    ),
    max_size=40,
)


@given(commands)
def test_a_rebuilt_partition_decides_relationships_exactly_like_the_live_one(
    steps: list[tuple[type[RelationshipCommand], str, str]],
) -> None:
    live = PartitionState()
    history = [event for kind, user, other in steps for event in live.decide(kind(user, other, AT))]
    rebuilt = PartitionState()
    rebuilt.replay(history)
    for kind, user, other in steps[-5:]:
        probe = kind(user, other, AT)
        assert [vars(e) for e in rebuilt.decide(probe)] == [vars(e) for e in live.decide(probe)]
