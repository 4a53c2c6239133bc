"""Which browser origins may open /v1/ws: none given, a listed one, or the
page's own (the origin of the Host the socket was asked of)."""

from __future__ import annotations

import pytest

from ws_edge.endpoint import origin_allowed


def test_a_client_without_an_origin_is_allowed() -> None:
    assert origin_allowed(None, (), "chat.example")


def test_a_listed_origin_is_allowed_whatever_the_host() -> None:
    assert origin_allowed("https://app.example", ("https://app.example",), "chat.example")


@pytest.mark.parametrize(
    ("origin", "host"),
    [
        ("http://127.0.0.1:8000", "127.0.0.1:8000"),
        ("https://chat.example", "chat.example"),  # behind a TLS proxy
        ("http://Chat.Example", "chat.example"),
        ("http://[::1]:8000", "[::1]:8000"),
    ],
)
def test_the_pages_own_origin_is_allowed(origin: str, host: str) -> None:
    assert origin_allowed(origin, (), host)


@pytest.mark.parametrize(
    ("origin", "host"),
    [
        ("https://evil.example", "chat.example"),
        ("http://127.0.0.1:8001", "127.0.0.1:8000"),
        ("http://chat.example.evil.example", "chat.example"),
        ("ftp://chat.example", "chat.example"),
        ("http://chat.example/path", "chat.example"),
        ("null", "chat.example"),
        ("http://chat.example", None),
        ("http://chat.example", ""),
    ],
)
def test_any_other_origin_is_refused_unless_listed(origin: str, host: str | None) -> None:
    assert not origin_allowed(origin, (), host)
