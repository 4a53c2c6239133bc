"""Search over the history a user can read (the query port, and what both
adapters share: the query's rules and the marked parts of a hit).

A hit is a message of a conversation the searcher is a member of now (a
removed member reads nothing of it any more, so finds nothing either),
never a deleted one, newest first (by message id, which is time-ordered),
paged with ``before`` = the message id of the last hit of the page before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Protocol

from domain.errors import InvalidCommand
from domain.rules import validate_text

MAX_QUERY_CHARACTERS = 200
MAX_SEARCH_PAGE = 50
DEFAULT_SEARCH_PAGE = 20
# What the PostgreSQL adapter asks ts_headline to put around each match
# (Unicode private-use characters, which a message body rarely holds).
MATCH_START = "\ue000"
MATCH_END = "\ue001"
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class SearchHit:
    message: dict[str, Any]
    highlight: list[dict[str, Any]]
    """The body in parts ``{"text", "match"}``: joined, they are the body;
    ``match`` marks the words that matched."""


@dataclass(frozen=True)
class SearchPage:
    hits: list[SearchHit]
    next: str | None
    """The ``before`` of the next page (None after the last)."""


class MessageSearch(Protocol):
    async def search(self, user_id: str, text: str, before: int | None, limit: int) -> SearchPage:
        """Messages whose body holds every word of ``text`` (``validated_query``
        first), of the conversations ``user_id`` is in, not deleted, with a
        message id below ``before``; newest first, at most ``limit``."""
        ...


def validated_query(text: str) -> str:
    """1 to 200 characters holding at least one word."""
    validate_text(text, "the query")
    text = text.strip()
    if not text or len(text) > MAX_QUERY_CHARACTERS or not _WORD.search(text):
        raise InvalidCommand(f"a search has 1 to {MAX_QUERY_CHARACTERS} characters, with a word")
    return text


def words(text: str) -> list[str]:
    """The words of a text as the simple matcher sees them (lower case)."""
    return _WORD.findall(text.casefold())


def parts_from_marks(marked: str) -> list[dict[str, Any]]:
    """ts_headline's text, with MATCH_START/MATCH_END around matches, in parts."""
    parts: list[dict[str, Any]] = []
    for index, piece in enumerate(re.split(f"[{MATCH_START}{MATCH_END}]", marked)):
        if piece:
            parts.append({"text": piece, "match": index % 2 == 1})
    return parts


def parts_of_words(body: str, wanted: set[str]) -> list[dict[str, Any]]:
    """The body in parts, the words in ``wanted`` marked (the simple matcher's)."""
    parts: list[dict[str, Any]] = []
    position = 0
    for found in _WORD.finditer(body):
        if found.group().casefold() not in wanted:
            continue
        if found.start() > position:
            parts.append({"text": body[position : found.start()], "match": False})
        parts.append({"text": found.group(), "match": True})
        position = found.end()
    if position < len(body):
        parts.append({"text": body[position:], "match": False})
    return parts


def page_of(hits: list[SearchHit], limit: int) -> SearchPage:
    """A full page says where the next starts; a short one is the last."""
    last = hits[-1].message["message_id"] if hits and len(hits) == limit else None
    return SearchPage(hits, last)
