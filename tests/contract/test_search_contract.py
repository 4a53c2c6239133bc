"""Search: the PostgreSQL full-text search and the in-memory matcher answer
alike: members only, no deleted message, newest first, paged, marked."""

from __future__ import annotations

from typing import Any

from domain.conversation import Conversation
from projections.search import SearchPage
from tests.contract.read_model_fixtures import Feed, ReadModels, at


def search(
    models: ReadModels, user_id: str, text: str, before: int | None = None, limit: int = 20
) -> SearchPage:
    return models.runner.run(models.search.search(user_id, text, before, limit))


def bodies(page: SearchPage) -> list[str]:
    return [hit.message["body"] for hit in page.hits]


def group(feed: Feed, *bodies: str) -> Conversation:
    conversation = feed.group("ann", ["bob"])
    for minute, body in enumerate(bodies):
        feed.post(conversation, "ann", minutes=minute + 1, body=body)
    return conversation


def test_a_search_finds_messages_holding_every_word_newest_first(
    models: ReadModels, feed: Feed
) -> None:
    group(feed, "lunch at noon", "no lunch today", "dinner at noon", "Lunch at NOON again")
    assert bodies(search(models, "bob", "noon lunch")) == ["Lunch at NOON again", "lunch at noon"]


def test_the_matching_words_are_marked_and_the_parts_make_the_body(
    models: ReadModels, feed: Feed
) -> None:
    group(feed, "see you at the station, Bob")
    [hit] = search(models, "bob", "station").hits
    assert "".join(part["text"] for part in hit.highlight) == "see you at the station, Bob"
    assert [part["text"] for part in hit.highlight if part["match"]] == ["station"]


def test_a_search_never_finds_a_conversation_the_searcher_is_not_in(
    models: ReadModels, feed: Feed
) -> None:
    group(feed, "secret plans")
    assert search(models, "eve", "secret").hits == []


def test_a_removed_member_finds_nothing_of_the_conversation_any_more(
    models: ReadModels, feed: Feed
) -> None:
    conversation = group(feed, "before the removal")
    feed.remove(conversation, "ann", "bob", minutes=5)
    feed.post(conversation, "ann", minutes=6, body="after the removal")
    assert search(models, "bob", "removal").hits == []
    assert len(search(models, "ann", "removal").hits) == 2


def test_a_deleted_message_is_never_found(models: ReadModels, feed: Feed) -> None:
    conversation = group(feed, "oops wrong chat", "fine words")
    conversation.delete_message("ann", 1, at(9))
    feed.pending_events(conversation)
    assert search(models, "bob", "oops").hits == []


def test_an_edited_message_is_found_by_its_new_words_only(models: ReadModels, feed: Feed) -> None:
    conversation = group(feed, "teh typo")
    conversation.edit_message("ann", 1, "the typo", at(9))
    feed.pending_events(conversation)
    assert search(models, "bob", "teh").hits == []
    [hit] = search(models, "bob", "the").hits
    assert (hit.message["edited"], hit.message["seq"]) == (True, 1)


def test_pages_follow_each_other_without_overlap(models: ReadModels, feed: Feed) -> None:
    group(feed, *[f"note {number}" for number in range(5)])
    seen: list[Any] = []
    page = search(models, "bob", "note", limit=2)
    while True:
        seen += bodies(page)
        if page.next is None:
            break
        page = search(models, "bob", "note", before=int(page.next), limit=2)
    assert seen == [f"note {number}" for number in reversed(range(5))]


def test_any_language_is_found_word_by_word(models: ReadModels, feed: Feed) -> None:
    group(feed, "Привет мир", "こんにちは 世界", "Grüße aus Köln")
    assert bodies(search(models, "bob", "мир")) == ["Привет мир"]
    assert bodies(search(models, "bob", "köln")) == ["Grüße aus Köln"]
