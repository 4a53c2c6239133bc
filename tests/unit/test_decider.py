from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from commands.decider import PartitionState
from commands.messages import SendMessage, StartDirect, decode_command, encode_command
from domain.conversation import Conversation, direct_conversation_id
from domain.rejection import CommandRejected

AT = datetime(2026, 1, 1, tzinfo=UTC).isoformat()
PAIRS = [("alice", "bob"), ("alice", "carol"), ("bob", "carol")]


def start(pair: tuple[str, str]) -> StartDirect:
    return StartDirect(str(direct_conversation_id(*pair)), pair[0], pair[1], AT)


def send(pair: tuple[str, str], sender_index: int, client: int, message_id: int) -> SendMessage:
    conversation_id = str(direct_conversation_id(*pair))
    return SendMessage(conversation_id, pair[sender_index], f"c{client}", message_id, "hi", AT)


interleavings = st.lists(
    st.tuples(st.integers(0, 2), st.integers(0, 1), st.integers(0, 5)), max_size=80
)


@given(interleavings)
def test_sequences_stay_gapless_per_conversation_under_any_interleaving(
    steps: list[tuple[int, int, int]],
) -> None:
    state = PartitionState()
    events = [e for pair in PAIRS for e in state.decide(start(pair))]
    for number, (pair_index, sender_index, client) in enumerate(steps):
        events += state.decide(send(PAIRS[pair_index], sender_index, client, number + 1))
    for pair in PAIRS:
        conversation_id = direct_conversation_id(*pair)
        seqs = [
            e.seq
            for e in events
            if isinstance(e, Conversation.MessagePosted) and e.originator_id == conversation_id
        ]
        assert seqs == list(range(1, len(seqs) + 1))


@given(interleavings)
def test_a_rebuilt_partition_decides_exactly_like_the_live_one(
    steps: list[tuple[int, int, int]],
) -> None:
    live = PartitionState()
    events = [e for pair in PAIRS for e in live.decide(start(pair))]
    for number, (pair_index, sender_index, client) in enumerate(steps):
        events += live.decide(send(PAIRS[pair_index], sender_index, client, number + 1))
    rebuilt = PartitionState()
    rebuilt.replay(events)
    probe = send(PAIRS[0], 0, 99, 10_000)
    assert [vars(e) for e in rebuilt.decide(probe)] == [vars(e) for e in live.decide(probe)]


def test_a_send_to_an_unknown_conversation_is_rejected_to_its_sender() -> None:
    [rejection] = PartitionState().decide(send(PAIRS[0], 1, 1, 1))
    assert isinstance(rejection, CommandRejected)
    assert (rejection.sender, rejection.code) == ("bob", "not_found")


def test_starting_a_direct_conversation_twice_makes_one_conversation() -> None:
    state = PartitionState()
    assert len(state.decide(start(PAIRS[0]))) == 1
    assert state.decide(start(PAIRS[0])) == []


def test_a_command_survives_encoding_for_the_log() -> None:
    command = send(PAIRS[1], 0, 3, 77)
    assert decode_command(encode_command(command)) == command


def test_message_changes_survive_encoding_for_the_log_and_are_decided() -> None:
    from commands.messages import Command, DeleteMessage, EditMessage, React, Unreact

    pair = ("alice", "bob")
    conversation_id = str(direct_conversation_id(*pair))
    state = PartitionState()
    state.decide(start(pair))
    state.decide(send(pair, 0, 1, 10))
    reply = SendMessage(conversation_id, "bob", "c2", 11, "re", AT, reply_to=1)
    changes: list[Command] = [
        reply,
        EditMessage(conversation_id, "alice", 1, "fixed", AT),
        React(conversation_id, "bob", 1, "👍", AT),
        Unreact(conversation_id, "bob", 1, "👍", AT),
        DeleteMessage(conversation_id, "alice", 1, AT),
        EditMessage(conversation_id, "alice", 1, "again", AT),
    ]
    decided = [state.decide(decode_command(encode_command(c))) for c in changes]
    names = [type(events[0]).__name__ for events in decided]
    assert names == [
        "ReplyPosted",
        "MessageEdited",
        "ReactionAdded",
        "ReactionRemoved",
        "MessageDeleted",
        "CommandRejected",
    ]
    rejection = decided[-1][0]
    assert isinstance(rejection, CommandRejected) and rejection.code == "not_found"
