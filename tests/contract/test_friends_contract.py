"""The friends read models: memory and PostgreSQL agree on requests,
friendships (both ways, with their direct conversation and last chat),
blocks, the directory's search, suggestions, the presence audience and
tracking."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from eventsourcing.persistence import Tracking

from domain.relationship import RelationshipState
from projections.friends_ports import Audience
from projections.ports import AlreadyProjected
from tests.contract.friends_fixtures import BACKENDS, Friends, at, open_friends


@pytest.fixture(params=BACKENDS)
def friends(request: pytest.FixtureRequest, postgres_dsn: str) -> Iterator[Friends]:
    yield from open_friends(request.param, postgres_dsn)


def test_a_request_is_incoming_for_the_addressee_and_outgoing_for_the_requester(
    friends: Friends,
) -> None:
    friends.users("ann", "ben")
    friends.view.friend_requested("ann", "ben", at(5), friends.tracking())
    incoming, outgoing = friends.run(friends.queries.requests("ben"))
    assert (incoming, outgoing) == (
        [
            {
                "user_id": "ann",
                "handle": "ann",
                "display_name": "Ann",
                "requested_at": at(5).isoformat(),
            }
        ],
        [],
    )
    assert friends.run(friends.queries.requests("ann"))[1][0]["user_id"] == "ben"
    assert friends.run(friends.queries.relation("ben", "ann")) == RelationshipState(
        requested_by="ann"
    )


def test_requests_are_listed_newest_first(friends: Friends) -> None:
    friends.users("ann", "ben", "cat")
    friends.view.friend_requested("ben", "ann", at(1), friends.tracking())
    friends.view.friend_requested("cat", "ann", at(2), friends.tracking())
    incoming, _ = friends.run(friends.queries.requests("ann"))
    assert friends.handles(incoming) == ["cat", "ben"]


def test_an_accepted_request_makes_a_friendship_both_ways_and_goes(friends: Friends) -> None:
    friends.users("ann", "ben")
    friends.befriend("ann", "ben")
    assert (friends.friend_ids("ann"), friends.friend_ids("ben")) == (["ben"], ["ann"])
    assert friends.run(friends.queries.requests("ann")) == ([], [])
    assert friends.run(friends.queries.relation("ann", "ben")) == RelationshipState(friends=True)


def test_a_dropped_request_goes_for_both(friends: Friends) -> None:
    friends.users("ann", "ben")
    friends.view.friend_requested("ann", "ben", at(0), friends.tracking())
    friends.view.request_dropped("ben", "ann", friends.tracking())
    assert friends.run(friends.queries.requests("ann")) == ([], [])
    assert friends.run(friends.queries.requests("ben")) == ([], [])


def test_an_ended_friendship_goes_both_ways(friends: Friends) -> None:
    friends.users("ann", "ben")
    friends.befriend("ann", "ben")
    friends.view.friendship_ended("ben", "ann", friends.tracking())
    assert (friends.friend_ids("ann"), friends.friend_ids("ben")) == ([], [])


def test_friends_come_most_recent_chat_first_and_never_chatted_last_by_handle(
    friends: Friends,
) -> None:
    friends.users("ann", "zed", "bob", "cat", "dan")
    for other in ("zed", "bob", "cat", "dan"):
        friends.befriend("ann", other)
    friends.chat(friends.start_direct("ann", "cat"), at(10))
    friends.chat(friends.start_direct("ann", "dan"), at(20))
    listed = friends.run(friends.queries.friends("ann"))
    assert friends.handles(listed) == ["dan", "cat", "bob", "zed"]
    assert [row["last_chat_at"] for row in listed] == [
        at(20).isoformat(),
        at(10).isoformat(),
        None,
        None,
    ]


def test_the_friend_row_carries_the_direct_conversation_once_it_exists(friends: Friends) -> None:
    friends.users("ann", "ben")
    friends.befriend("ann", "ben")
    assert friends.run(friends.queries.friends("ann"))[0]["conversation_id"] is None
    conversation_id = friends.start_direct("ben", "ann")
    for user in ("ann", "ben"):
        assert friends.run(friends.queries.friends(user))[0]["conversation_id"] == conversation_id


def test_last_chat_at_moves_forward_only_and_group_messages_change_nothing(
    friends: Friends,
) -> None:
    friends.users("ann", "ben")
    friends.befriend("ann", "ben")
    direct = friends.start_direct("ann", "ben")
    friends.chat(direct, at(30))
    friends.chat(direct, at(20))  # an older message time never moves it back
    friends.chat("a-group-conversation", at(40))
    for user in ("ann", "ben"):
        assert friends.run(friends.queries.friends(user))[0]["last_chat_at"] == at(30).isoformat()


def test_a_friendship_made_after_chatting_starts_with_the_last_chat(friends: Friends) -> None:
    friends.users("ann", "ben")
    direct = friends.start_direct("ann", "ben")
    friends.chat(direct, at(7))
    friends.befriend("ben", "ann", when=at(9))
    row = friends.run(friends.queries.friends("ben"))[0]
    assert (row["conversation_id"], row["last_chat_at"]) == (direct, at(7).isoformat())


def test_a_batch_keeps_the_latest_chat_of_each_conversation(friends: Friends) -> None:
    friends.users("ann", "ben")
    friends.befriend("ann", "ben")
    with friends.view.batch():
        direct = friends.start_direct("ann", "ben")
        friends.chat(direct, at(3))
        friends.chat(direct, at(5))
        friends.chat(direct, at(4))
        friends.view.friendship_ended("ann", "ben", friends.tracking())
        friends.befriend("ann", "ben", when=at(6))
    assert friends.run(friends.queries.friends("ann"))[0]["last_chat_at"] == at(5).isoformat()


def test_a_block_ends_the_friendship_and_the_requests_and_is_listed(friends: Friends) -> None:
    friends.users("ann", "ben", "cat")
    friends.befriend("ann", "ben")
    friends.view.friend_requested("cat", "ann", at(0), friends.tracking())
    friends.block("ann", "ben", at(8))
    friends.block("ann", "cat", at(9))
    assert friends.friend_ids("ann") == []
    assert friends.run(friends.queries.requests("ann")) == ([], [])
    blocked = friends.run(friends.queries.blocks("ann"))
    assert [(r["handle"], r["blocked_at"]) for r in blocked] == [
        ("cat", at(9).isoformat()),
        ("ben", at(8).isoformat()),
    ]
    assert friends.run(friends.queries.blocks("ben")) == []


def test_a_block_is_seen_from_both_sides_and_unblocking_lifts_it(friends: Friends) -> None:
    friends.users("ann", "ben", "cat")
    friends.block("ann", "ben")
    queries = friends.queries
    assert friends.run(queries.blocked_between("ben", "ann"))
    assert friends.run(queries.blocked_between("ann", "ben"))
    assert not friends.run(queries.blocked_between("ann", "cat"))
    assert friends.run(queries.blockers_of("ben", ["ann", "cat"])) == frozenset({"ann"})
    assert friends.run(queries.blockers_of("ann", ["ben"])) == frozenset()
    assert friends.run(queries.relation("ben", "ann")) == RelationshipState(
        blocked_by=frozenset({"ann"})
    )
    friends.view.user_unblocked("ann", "ben", friends.tracking())
    assert not friends.run(queries.blocked_between("ann", "ben"))


def test_search_finds_handle_prefixes_in_order_but_never_the_viewer_or_its_blockers(
    friends: Friends,
) -> None:
    friends.users("viewer", "vic", "vi_a", "vibe", "vim", "val", "vixen")
    friends.block("vim", "viewer")
    friends.block("viewer", "vibe")  # whom the viewer blocked stays findable
    found = friends.run(friends.queries.search("viewer", "vi", 10))
    assert friends.handles(found) == ["vi_a", "vibe", "vic", "vixen"]
    assert friends.handles(friends.run(friends.queries.search("viewer", "vi", 2))) == [
        "vi_a",
        "vibe",
    ]


def test_search_takes_the_underscore_and_dot_of_handles_literally(friends: Friends) -> None:
    friends.users("someone", "a_b", "axb", "a.c", "abc")
    assert friends.handles(friends.run(friends.queries.search("someone", "a_", 10))) == ["a_b"]
    assert friends.handles(friends.run(friends.queries.search("someone", "a.", 10))) == ["a.c"]


def test_suggestions_are_friends_of_friends_by_mutual_friends(friends: Friends) -> None:
    friends.users("me", "f1", "f2", "f3", "two", "one", "also", "mine")
    for friend in ("f1", "f2", "f3", "mine"):
        friends.befriend("me", friend)
    for friend in ("f1", "f2"):
        friends.befriend(friend, "two")
    friends.befriend("f3", "one")
    friends.befriend("f3", "also")
    friends.befriend("f1", "mine")  # already my friend: never suggested
    found = friends.run(friends.queries.suggestions("me", 10))
    assert [(r["handle"], r["mutual_friends"]) for r in found] == [
        ("two", 2),
        ("also", 1),
        ("one", 1),
    ]
    assert friends.handles(friends.run(friends.queries.suggestions("me", 1))) == ["two"]


def test_suggestions_leave_out_blocked_and_blocking_users(friends: Friends) -> None:
    friends.users("me", "f1", "blocked", "blocker", "fine")
    friends.befriend("me", "f1")
    for other in ("blocked", "blocker", "fine"):
        friends.befriend("f1", other)
    friends.block("me", "blocked")
    friends.block("blocker", "me")
    assert friends.handles(friends.run(friends.queries.suggestions("me", 10))) == ["fine"]


def test_the_presence_audience_is_the_friends_and_everyone_in_a_block(friends: Friends) -> None:
    friends.users("ann", "ben", "cat", "dan")
    friends.befriend("ann", "ben")
    friends.block("ann", "cat")
    friends.block("dan", "ann")
    assert friends.graph.audience("ann") == Audience(
        friends=frozenset({"ben"}), hidden=frozenset({"cat", "dan"})
    )
    assert friends.graph.audience("cat") == Audience(frozenset(), frozenset({"ann"}))


def test_a_position_seen_before_writes_nothing(friends: Friends) -> None:
    friends.users("ann", "ben")
    friends.view.friend_requested("ann", "ben", at(0), Tracking("chat.events.p1", 7))
    with pytest.raises(AlreadyProjected):
        friends.view.friends_made("ben", "ann", at(1), Tracking("chat.events.p1", 7))
    with pytest.raises(AlreadyProjected):
        friends.view.skip(Tracking("chat.events.p1", 6))
    assert friends.friend_ids("ann") == []
    assert friends.view.max_tracking_id("chat.events.p1") == 7
    assert friends.view.max_tracking_id("chat.events.p2") is None


def test_a_repeated_position_inside_a_batch_is_refused_and_the_batch_goes_on(
    friends: Friends,
) -> None:
    friends.users("ann", "ben")
    with friends.view.batch():
        friends.view.friend_requested("ann", "ben", at(0), Tracking("chat.events.p0", 3))
        with pytest.raises(AlreadyProjected):
            friends.view.friends_made("ben", "ann", at(1), Tracking("chat.events.p0", 3))
        friends.view.skip(Tracking("chat.events.p0", 4))
    assert friends.run(friends.queries.requests("ben"))[0][0]["user_id"] == "ann"
    assert friends.view.max_tracking_id("chat.events.p0") == 4
