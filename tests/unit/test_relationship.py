"""The Relationship aggregate's rules: requests, friendships, blocks, and
what a block means for the pair's direct conversation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain import relationship_events as events
from domain.conversation import direct_conversation_id
from domain.errors import Conflict, InvalidCommand, NotAllowed, RelationNotFound, UserNotFound
from domain.relationship import (
    FRIENDS,
    INCOMING,
    NONE,
    OUTGOING,
    Relationship,
    relationship_id,
)

AT = datetime(2026, 1, 1, tzinfo=UTC)


def pair() -> Relationship:
    return Relationship("ann", "ben")


def friends() -> Relationship:
    relationship = pair()
    relationship.request("ann", AT)
    relationship.accept("ben", AT)
    return relationship


def test_a_request_is_outgoing_for_the_requester_and_incoming_for_the_other() -> None:
    relationship = pair()
    decided = relationship.request("ann", AT)
    assert [type(e) for e in decided] == [events.FriendRequested]
    assert (relationship.seen_by("ann"), relationship.seen_by("ben")) == (OUTGOING, INCOMING)


def test_a_repeated_pending_request_changes_nothing() -> None:
    relationship = pair()
    relationship.request("ann", AT)
    assert relationship.request("ann", AT) == []
    assert relationship.version == 1


def test_asking_someone_who_asked_first_accepts_at_once() -> None:
    relationship = pair()
    relationship.request("ann", AT)
    decided = relationship.request("ben", AT)
    assert [(type(e), e.user_id, e.other_id) for e in decided] == [
        (events.FriendRequestAccepted, "ben", "ann")
    ]
    assert relationship.seen_by("ann") == relationship.seen_by("ben") == FRIENDS


def test_only_the_addressee_can_accept_a_request() -> None:
    relationship = pair()
    with pytest.raises(RelationNotFound):
        relationship.accept("ben", AT)
    relationship.request("ann", AT)
    with pytest.raises(RelationNotFound):
        relationship.accept("ann", AT)


def test_a_request_cannot_be_accepted_twice() -> None:
    relationship = friends()
    with pytest.raises(RelationNotFound):
        relationship.accept("ben", AT)


def test_the_addressee_declines_and_the_requester_cancels() -> None:
    declined, cancelled = pair(), pair()
    for relationship in (declined, cancelled):
        relationship.request("ann", AT)
    assert [type(e) for e in declined.drop_request("ben", AT)] == [events.FriendRequestDeclined]
    assert [type(e) for e in cancelled.drop_request("ann", AT)] == [events.FriendRequestCancelled]
    assert declined.seen_by("ann") == cancelled.seen_by("ben") == NONE


def test_dropping_a_request_that_does_not_exist_is_not_found() -> None:
    with pytest.raises(RelationNotFound):
        pair().drop_request("ann", AT)


def test_asking_a_friend_is_a_conflict() -> None:
    with pytest.raises(Conflict):
        friends().request("ann", AT)


def test_nobody_befriends_themselves() -> None:
    with pytest.raises(InvalidCommand):
        Relationship("ann", "ann")


def test_removing_a_friend_ends_the_friendship_for_both() -> None:
    relationship = friends()
    assert [type(e) for e in relationship.remove("ben", AT)] == [events.FriendRemoved]
    assert relationship.seen_by("ann") == NONE
    with pytest.raises(RelationNotFound):
        relationship.remove("ann", AT)


def test_asking_someone_who_blocked_you_looks_like_asking_nobody() -> None:
    relationship = pair()
    relationship.block("ben", AT)
    with pytest.raises(UserNotFound, match="no such user: ben"):
        relationship.request("ann", AT)


def test_asking_someone_you_blocked_is_a_conflict() -> None:
    relationship = pair()
    relationship.block("ann", AT)
    with pytest.raises(Conflict):
        relationship.request("ann", AT)


def test_a_block_ends_a_friendship_and_says_so() -> None:
    relationship = friends()
    decided = relationship.block("ben", AT)
    assert [(type(e), e.ended) for e in decided if isinstance(e, events.UserBlocked)] == [
        (events.UserBlocked, events.ENDED_FRIENDSHIP)
    ]
    assert not relationship.friends


def test_a_block_ends_a_pending_request_either_way() -> None:
    relationship = pair()
    relationship.request("ann", AT)
    (blocked,) = relationship.block("ann", AT)
    assert isinstance(blocked, events.UserBlocked) and blocked.ended == events.ENDED_REQUEST
    assert relationship.requested_by is None


def test_blocking_again_changes_nothing_and_unblocking_a_stranger_is_not_found() -> None:
    relationship = pair()
    relationship.block("ann", AT)
    assert relationship.block("ann", AT) == []
    with pytest.raises(RelationNotFound):
        relationship.unblock("ben", AT)


def test_both_may_block_and_one_unblock_leaves_the_other_block() -> None:
    relationship = pair()
    relationship.block("ann", AT)
    relationship.block("ben", AT)
    relationship.unblock("ann", AT)
    assert relationship.blocked_by == {"ben"}


def test_a_blocked_pair_sends_nothing_either_way() -> None:
    relationship = pair()
    relationship.block("ann", AT)
    with pytest.raises(NotAllowed, match="cannot send"):
        relationship.require_can_send("ben")
    with pytest.raises(NotAllowed, match="unblock them"):
        relationship.require_can_send("ann")


def test_a_block_hides_the_blocked_users_activity_from_the_blocker_only() -> None:
    relationship = pair()
    relationship.block("ann", AT)
    assert relationship.hides_activity_of("ben")
    assert not relationship.hides_activity_of("ann")


def test_the_blocked_user_cannot_start_a_direct_conversation_but_the_blocker_can() -> None:
    relationship = pair()
    relationship.block("ann", AT)
    with pytest.raises(UserNotFound):
        relationship.require_can_start_direct("ben")
    relationship.require_can_start_direct("ann")


def test_a_pair_has_one_id_in_either_order_apart_from_its_direct_conversation() -> None:
    assert relationship_id("ann", "ben") == relationship_id("ben", "ann")
    assert relationship_id("ann", "ben") != direct_conversation_id("ann", "ben")


def test_events_are_keyed_by_the_pairs_direct_conversation() -> None:
    (requested,) = pair().request("ben", AT)
    assert requested.log_key == str(direct_conversation_id("ann", "ben"))
    assert requested.originator_id == relationship_id("ann", "ben")


def test_replaying_the_events_reaches_the_same_state_and_version() -> None:
    live = pair()
    history = [
        *live.request("ann", AT),
        *live.accept("ben", AT),
        *live.block("ann", AT),
        *live.block("ben", AT),
        *live.unblock("ann", AT),
    ]
    rebuilt = pair()
    rebuilt.replay(history)
    assert (rebuilt.state, rebuilt.version) == (live.state, live.version)
    assert [e.originator_version for e in history] == [1, 2, 3, 4, 5]
