"""Read models: members added, removed or leaving, and renames, alike in the
in-memory and PostgreSQL adapters.

Every test runs against both adapters. The view methods return the
conversation object per member after the change (and for a removed or
leaving member, the object the others now see); those objects must be what
each member then queries. Repeated positions of these changes are in
test_view_tracking_contract.py.
"""

from __future__ import annotations

import uuid

from domain.conversation import Conversation
from tests.contract.read_model_fixtures import (
    Feed,
    ReadModels,
    at,
    inbox,
    member_ids,
    pending,
    queried,
    seen_by,
)

# -- members added ------------------------------------------------------------


def test_an_added_member_does_not_count_older_messages_as_unread(
    models: ReadModels, feed: Feed
) -> None:
    group = feed.group("ann", ["bob"])
    feed.post(group, "ann", minutes=1)
    feed.post(group, "bob", minutes=2)
    feed.add(group, "ann", ["cat"], minutes=3)
    seen = seen_by(models, group, "cat")
    assert seen is not None
    assert (seen["unread_count"], seen["last_seq"]) == (0, 2)


def test_an_added_member_counts_later_messages_from_others_as_unread(
    models: ReadModels, feed: Feed
) -> None:
    group = feed.group("ann", ["bob"])
    feed.post(group, "ann", minutes=1)
    feed.add(group, "ann", ["cat"], minutes=2)
    feed.post(group, "bob", minutes=3)
    feed.post(group, "cat", minutes=4)
    feed.post(group, "ann", minutes=5)
    assert inbox(models, "cat")[0]["unread_count"] == 2


def test_an_added_member_is_a_member_with_the_conversation_in_their_inbox(
    models: ReadModels, feed: Feed
) -> None:
    group = feed.group("ann", ["bob"])
    feed.add(group, "ann", ["cat"])
    assert models.ask(lambda q: q.is_member(str(group.id), "cat")) is True
    assert [c["conversation_id"] for c in inbox(models, "cat")] == [str(group.id)]


def test_added_members_get_the_member_role(models: ReadModels, feed: Feed) -> None:
    group = feed.group("ann", ["bob"])
    feed.add(group, "ann", ["dan", "cat"])
    seen = seen_by(models, group, "bob")
    assert seen is not None
    assert seen["members"] == [
        {"user_id": "ann", "role": "admin"},
        {"user_id": "bob", "role": "member"},
        {"user_id": "cat", "role": "member"},
        {"user_id": "dan", "role": "member"},
    ]


def test_members_added_returns_what_every_member_then_queries(
    models: ReadModels, feed: Feed
) -> None:
    group = feed.group("ann", ["bob"])
    feed.post(group, "ann", minutes=1)
    group.add_members("ann", ["cat"], at(2), max_members=10)
    returned = models.view.members_added(
        pending(group, Conversation.MembersAdded), feed.next_position()
    )
    assert returned == queried(models, group, ["ann", "bob", "cat"])


def test_members_added_returns_an_object_for_each_of_a_thousand_members(
    models: ReadModels, feed: Feed
) -> None:
    group = feed.group("ann", ["bob"])
    feed.post(group, "bob", minutes=1)
    newcomers = [f"user{number:04d}" for number in range(998)]
    group.add_members("ann", newcomers, at(2), max_members=1000)
    returned = models.view.members_added(
        pending(group, Conversation.MembersAdded), feed.next_position()
    )
    assert len(returned) == 1000
    assert (returned["ann"]["unread_count"], returned["user0500"]["unread_count"]) == (1, 0)


# -- members removed ----------------------------------------------------------


def test_a_removed_member_no_longer_gets_the_conversation(models: ReadModels, feed: Feed) -> None:
    group = feed.group("ann", ["bob", "cat"])
    feed.remove(group, "ann", "bob")
    assert seen_by(models, group, "bob") is None


def test_a_removed_member_is_no_longer_a_member(models: ReadModels, feed: Feed) -> None:
    group = feed.group("ann", ["bob", "cat"])
    feed.remove(group, "ann", "bob")
    assert models.ask(lambda q: q.is_member(str(group.id), "bob")) is False


def test_a_removed_member_no_longer_has_the_conversation_in_their_inbox(
    models: ReadModels, feed: Feed
) -> None:
    group = feed.group("ann", ["bob", "cat"])
    feed.direct("bob", "dan")
    feed.remove(group, "ann", "bob")
    assert str(group.id) not in [c["conversation_id"] for c in inbox(models, "bob")]


def test_the_remaining_members_see_the_member_list_without_the_removed_one(
    models: ReadModels, feed: Feed
) -> None:
    group = feed.group("ann", ["bob", "cat"])
    feed.remove(group, "ann", "bob")
    assert member_ids(models, group, "cat") == ["ann", "cat"]


def test_member_removed_returns_what_the_remaining_members_then_query_and_the_removed_one(
    models: ReadModels, feed: Feed
) -> None:
    group = feed.group("ann", ["bob", "cat"])
    feed.post(group, "cat", minutes=1)
    group.remove_member("ann", "bob", at(2))
    returned = models.view.member_removed(
        pending(group, Conversation.MemberRemoved), feed.next_position()
    )
    assert sorted(returned) == ["ann", "bob", "cat"]
    remaining = {user: returned[user] for user in ("ann", "cat")}
    assert remaining == queried(models, group, ["ann", "cat"])


def test_the_removed_member_gets_the_object_the_others_see_with_nothing_unread(
    models: ReadModels, feed: Feed
) -> None:
    group = feed.group("ann", ["bob", "cat"])
    feed.post(group, "ann", minutes=1)
    group.remove_member("ann", "bob", at(2))
    returned = models.view.member_removed(
        pending(group, Conversation.MemberRemoved), feed.next_position()
    )
    expected = {**returned["cat"], "unread_count": 0}  # cat did not send the last message
    assert returned["bob"] == expected
    assert returned["bob"]["member_ids"] == ["ann", "cat"]


def test_a_member_added_again_does_not_count_what_was_sent_while_out(
    models: ReadModels, feed: Feed
) -> None:
    group = feed.group("ann", ["bob"])
    feed.remove(group, "ann", "bob", minutes=1)
    feed.post(group, "ann", minutes=2)
    feed.add(group, "ann", ["bob"], minutes=3)
    seen = seen_by(models, group, "bob")
    assert seen is not None
    assert (seen["unread_count"], seen["last_seq"]) == (0, 1)


# -- members leaving ----------------------------------------------------------


def test_a_leaving_last_admin_hands_admin_to_the_new_admin(models: ReadModels, feed: Feed) -> None:
    group = feed.group("ann", ["bob", "cat"])
    left = feed.leave(group, "ann")
    assert left.new_admin is not None
    seen = seen_by(models, group, "cat")
    assert seen is not None
    roles = {member["user_id"]: member["role"] for member in seen["members"]}
    assert roles == {"bob": "member", "cat": "member", left.new_admin: "admin"}


def test_a_leaving_member_no_longer_sees_the_conversation(models: ReadModels, feed: Feed) -> None:
    group = feed.group("ann", ["bob", "cat"])
    feed.leave(group, "bob")
    assert (seen_by(models, group, "bob"), inbox(models, "bob")) == (None, [])


def test_a_member_leaving_beside_another_admin_promotes_no_one(
    models: ReadModels, feed: Feed
) -> None:
    group = feed.group("ann", ["bob", "cat"])
    feed.leave(group, "bob")
    seen = seen_by(models, group, "ann")
    assert seen is not None
    assert seen["members"] == [
        {"user_id": "ann", "role": "admin"},
        {"user_id": "cat", "role": "member"},
    ]


def test_member_left_returns_the_leaving_member_the_object_without_them(
    models: ReadModels, feed: Feed
) -> None:
    group = feed.group("ann", ["bob", "cat"])
    feed.post(group, "ann", minutes=1)
    group.leave("cat", at(2))
    returned = models.view.member_left(
        pending(group, Conversation.MemberLeft), feed.next_position()
    )
    assert returned == {
        **queried(models, group, ["ann", "bob"]),
        "cat": {**returned["bob"], "unread_count": 0},  # bob did not send the last message
    }
    assert returned["cat"]["member_ids"] == ["ann", "bob"]


def test_the_last_member_leaving_gets_an_object_without_members(
    models: ReadModels, feed: Feed
) -> None:
    group = feed.group("ann", [])
    group.leave("ann", at(1))
    returned = models.view.member_left(
        pending(group, Conversation.MemberLeft), feed.next_position()
    )
    assert list(returned) == ["ann"]
    assert (returned["ann"]["member_ids"], returned["ann"]["members"]) == ([], [])


# -- renames ------------------------------------------------------------------


def test_a_rename_changes_the_title_for_every_member(models: ReadModels, feed: Feed) -> None:
    group = feed.group("ann", ["bob"], title="Before")
    feed.rename(group, "ann", "After")
    titles = [seen["title"] for seen in queried(models, group, ["ann", "bob"]).values()]
    assert titles == ["After", "After"]


def test_group_renamed_returns_what_every_member_then_queries(
    models: ReadModels, feed: Feed
) -> None:
    group = feed.group("ann", ["bob"], title="Before")
    feed.post(group, "bob", minutes=1)
    group.rename("ann", "After", at(2))
    returned = models.view.group_renamed(
        pending(group, Conversation.GroupRenamed), feed.next_position()
    )
    assert returned == queried(models, group, ["ann", "bob"])


# -- last activity ------------------------------------------------------------


def test_a_membership_change_moves_the_conversation_to_the_top_of_the_inbox(
    models: ReadModels, feed: Feed
) -> None:
    group = feed.group("ann", ["bob"], minutes=0, conversation_id=uuid.UUID(int=1))
    other = feed.group("ann", ["cat"], minutes=5, conversation_id=uuid.UUID(int=2))
    feed.add(group, "ann", ["dan"], minutes=9)
    listed = [(c["conversation_id"], c["updated_at"]) for c in inbox(models, "ann")]
    assert listed == [(str(group.id), at(9).isoformat()), (str(other.id), at(5).isoformat())]


def test_a_rename_sets_updated_at_to_its_time(models: ReadModels, feed: Feed) -> None:
    group = feed.group("ann", ["bob"], minutes=0)
    feed.rename(group, "ann", "Later", minutes=7)
    assert inbox(models, "bob")[0]["updated_at"] == at(7).isoformat()


def test_a_change_dated_before_the_last_activity_keeps_updated_at(
    models: ReadModels, feed: Feed
) -> None:
    group = feed.group("ann", ["bob"], minutes=0)
    feed.post(group, "bob", minutes=10)
    feed.remove(group, "ann", "bob", minutes=4)
    assert inbox(models, "ann")[0]["updated_at"] == at(10).isoformat()


def test_a_change_keeps_the_last_message_and_last_seq(models: ReadModels, feed: Feed) -> None:
    group = feed.group("ann", ["bob", "cat"])
    feed.post(group, "bob", minutes=1)
    before = seen_by(models, group, "ann")
    feed.remove(group, "ann", "cat", minutes=2)
    feed.rename(group, "ann", "Renamed", minutes=3)
    after = seen_by(models, group, "ann")
    assert before is not None and after is not None
    kept = ("last_seq", "last_message")
    assert [after[key] for key in kept] == [before[key] for key in kept]
