"""Messages with attachments in the read models (memory and PostgreSQL):
the message object carries its media, the inbox's last message too, and a
media is shared with the members of a conversation carrying it; a reply
and an edit keep them, a deletion drops them."""

from __future__ import annotations

from typing import Any

from domain.attachments import Attachment
from domain.conversation import Conversation
from tests.contract.read_model_fixtures import Feed, ReadModels, at, inbox

PHOTO = Attachment("m1", "image", "image/png", 1234, "a" * 64, 640, 480, None, True)
VOICE = Attachment("m2", "voice", "audio/ogg", 99, "c" * 64, None, None, 1500, False)


def _post_with(
    feed: Feed, conversation: Conversation, sender: str, body: str, *media: Attachment
) -> Conversation.MessagePosted:
    conversation.post_message(sender, f"c-{body}-{len(media)}", 10**12, body, at(1), media)
    event = conversation.collect_events()[0]
    assert isinstance(event, Conversation.MessagePosted)
    feed.view.message_posted(event, feed.next_position())
    return event


def _messages(models: ReadModels, conversation: Conversation, viewer: str) -> list[Any]:
    page = models.ask(lambda q: q.messages(str(conversation.id), viewer=viewer))
    return list(page.messages)


def test_a_message_carries_its_attachments_in_order(models: ReadModels, feed: Feed) -> None:
    group = feed.group("ann", ["bob"])
    _post_with(feed, group, "ann", "look", PHOTO, VOICE)
    [message] = _messages(models, group, "bob")
    assert message["attachments"] == [PHOTO.as_json(), VOICE.as_json()]


def test_a_message_of_only_attachments_has_an_empty_body(models: ReadModels, feed: Feed) -> None:
    group = feed.group("ann", ["bob"])
    _post_with(feed, group, "ann", "", PHOTO)
    [message] = _messages(models, group, "bob")
    assert message["body"] == ""
    assert message["attachments"] == [PHOTO.as_json()]


def test_a_message_without_attachments_has_an_empty_list(models: ReadModels, feed: Feed) -> None:
    group = feed.group("ann", ["bob"])
    feed.post(group, "ann")
    [message] = _messages(models, group, "bob")
    assert message["attachments"] == []


def test_the_inbox_last_message_shows_its_attachments(models: ReadModels, feed: Feed) -> None:
    group = feed.group("ann", ["bob"])
    _post_with(feed, group, "ann", "", PHOTO)
    [seen] = inbox(models, "bob")
    assert seen["last_message"]["attachments"] == [PHOTO.as_json()]


def test_a_media_is_shared_with_members_only(models: ReadModels, feed: Feed) -> None:
    group = feed.group("ann", ["bob"])
    _post_with(feed, group, "ann", "", PHOTO)
    assert models.ask(lambda q: q.shares_media("m1", "bob"))
    assert not models.ask(lambda q: q.shares_media("m1", "eve"))
    assert not models.ask(lambda q: q.shares_media("m2", "bob"))


def test_a_removed_member_no_longer_shares_the_media(models: ReadModels, feed: Feed) -> None:
    group = feed.group("ann", ["bob"])
    _post_with(feed, group, "ann", "", PHOTO)
    feed.remove(group, "ann", "bob")
    assert not models.ask(lambda q: q.shares_media("m1", "bob"))


def test_media_in_messages_are_those_some_message_carries(models: ReadModels, feed: Feed) -> None:
    group = feed.group("ann", ["bob"])
    _post_with(feed, group, "ann", "", PHOTO)
    assert models.ask(lambda q: q.media_in_messages(["m1", "m2"])) == {"m1"}
    assert models.ask(lambda q: q.media_in_messages([])) == set()


def test_a_reply_carries_its_attachments_and_the_quote(models: ReadModels, feed: Feed) -> None:
    group = feed.group("ann", ["bob"])
    feed.post(group, "ann", body="the original")
    group.post_message("bob", "r1", 77, "", at(2), (PHOTO,), reply_to=1)
    [posted] = feed.pending_events(group)
    assert posted.message["attachments"] == [PHOTO.as_json()]
    reply = _messages(models, group, "ann")[1]
    assert reply["attachments"] == [PHOTO.as_json()]
    assert reply["reply_to"]["body"] == "the original"


def test_an_edit_keeps_the_attachments(models: ReadModels, feed: Feed) -> None:
    group = feed.group("ann", ["bob"])
    _post_with(feed, group, "ann", "look", PHOTO)
    group.edit_message("ann", 1, "look at this", at(3))
    [changed] = feed.pending_events(group)
    assert changed.message["attachments"] == [PHOTO.as_json()]
    [message] = _messages(models, group, "bob")
    assert (message["body"], message["attachments"]) == ("look at this", [PHOTO.as_json()])


def test_a_deleted_message_drops_its_attachments_and_shares_no_media(
    models: ReadModels, feed: Feed
) -> None:
    group = feed.group("ann", ["bob"])
    _post_with(feed, group, "ann", "look", PHOTO)
    group.delete_message("ann", 1, at(3))
    [changed] = feed.pending_events(group)
    assert changed.message["attachments"] == []
    [message] = _messages(models, group, "bob")
    assert (message["deleted"], message["attachments"]) == (True, [])
    assert inbox(models, "bob")[0]["last_message"]["attachments"] == []
    assert not models.ask(lambda q: q.shares_media("m1", "bob"))
    assert models.ask(lambda q: q.media_in_messages(["m1"])) == set()
