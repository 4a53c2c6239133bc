"""The edge serves the web client (web/) at / with strict security headers;
the bundle loads nothing from elsewhere and builds no HTML from strings."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from app.web_client import BUNDLED_WEB_DIR, content_security_policy
from tests.integration.edge_app import edge_client, register

OWN = ("node_modules", "package.json", "package-lock.json")
BUNDLE = sorted(
    p
    for p in BUNDLED_WEB_DIR.rglob("*")
    if p.is_file() and p.relative_to(BUNDLED_WEB_DIR).parts[0] not in OWN
)
TUS = BUNDLED_WEB_DIR / "node_modules" / "tus-js-client" / "dist" / "tus.min.js"
SCRIPTS = [p for p in BUNDLE if p.suffix == ".js"]


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with edge_client() as running:
        yield running


def policy_of(answer: object) -> dict[str, str]:
    header: str = answer.headers["content-security-policy"]  # type: ignore[attr-defined]
    directives = (part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    return {name: value for name, value in directives}


def test_the_page_is_served_at_the_root_with_a_strict_policy(client: TestClient) -> None:
    answer = client.get("/")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    policy = policy_of(answer)
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == policy["style-src"] == "'self'"
    assert policy["connect-src"] == "'self' ws://testserver wss://testserver"
    assert policy["frame-ancestors"] == policy["object-src"] == "'none'"
    assert policy["require-trusted-types-for"] == "'script'"
    assert "unsafe" not in answer.headers["content-security-policy"]


def test_every_answer_carries_the_security_headers(client: TestClient) -> None:
    user = register(client)
    for answer in (client.get("/"), client.get("/v1/conversations", headers=user.auth)):
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["referrer-policy"] == "no-referrer"
        assert answer.headers["cross-origin-opener-policy"] == "same-origin"
        assert "microphone=(self)" in answer.headers["permissions-policy"]
        assert "camera=()" in answer.headers["permissions-policy"]


def test_media_show_from_blob_urls_and_the_one_worker_comes_from_this_origin(
    client: TestClient,
) -> None:
    policy = policy_of(client.get("/"))
    assert policy["img-src"] == policy["media-src"] == "'self' blob:"
    assert policy["worker-src"] == "'self'"
    assert policy["trusted-types"] == "service-worker-url"


def test_the_service_worker_is_served_at_the_root_as_javascript(client: TestClient) -> None:
    answer = client.get("/sw.js")
    assert answer.status_code == 200
    assert answer.headers["content-type"].split(";")[0] == "text/javascript"
    assert answer.headers["cache-control"] == "no-cache"
    assert "require-trusted-types-for" in answer.headers["content-security-policy"]


def test_the_vendored_tus_client_is_served_as_installed_from_the_lock(client: TestClient) -> None:
    answer = client.get("/vendor/tus-js-client/tus.min.js")
    assert answer.status_code == 200, "run npm ci --prefix web (make install does)"
    assert answer.content == TUS.read_bytes()
    assert client.get("/vendor/tus-js-client/../package.json").status_code == 404


def test_the_vendored_tus_client_fetches_nothing_elsewhere_and_builds_no_html() -> None:
    text = TUS.read_text()
    assert not re.findall(r"https?://", text)
    assert not re.findall(r"\.(innerHTML|outerHTML|insertAdjacentHTML)\b|document\.write", text)


def test_api_answers_are_never_stored_by_caches(client: TestClient) -> None:
    answer = client.post("/v1/users", json={"handle": "cache_me", "password": "long enough"})
    assert answer.headers["cache-control"] == "no-store"


def test_modules_are_served_as_javascript_and_revalidated(client: TestClient) -> None:
    answer = client.get("/assets/js/main.js")
    assert answer.status_code == 200
    assert answer.headers["content-type"].split(";")[0] in (
        "text/javascript",
        "application/javascript",
    )
    assert answer.headers["cache-control"] == "no-cache"
    again = client.get("/assets/js/main.js", headers={"If-None-Match": answer.headers["etag"]})
    assert again.status_code == 304


def test_nothing_outside_the_bundle_is_served(client: TestClient) -> None:
    for path in ("/assets/../app/settings.py", "/assets/%2e%2e/app/settings.py", "/README.md"):
        assert client.get(path).status_code == 404, path
    missing = client.get("/v1/no-such-route")
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "not_found")


def test_a_strange_host_header_cannot_write_into_the_policy() -> None:
    policy = content_security_policy("evil.example; script-src *")
    assert "evil" not in policy
    assert "connect-src 'self';" in policy


def test_the_page_may_connect_to_the_sockets_of_the_allowed_origins() -> None:
    peers = ("http://10.0.0.8:8000", "https://edge-b.example.org", "http://bad host;")
    policy = content_security_policy("10.0.0.7:8000", peers)
    connect = next(part for part in policy.split("; ") if part.startswith("connect-src"))
    assert connect == (
        "connect-src 'self' ws://10.0.0.7:8000 wss://10.0.0.7:8000"
        " ws://10.0.0.8:8000 wss://10.0.0.8:8000"
        " ws://edge-b.example.org wss://edge-b.example.org"
    )


def test_no_page_is_served_from_a_folder_without_one(tmp_path: Path) -> None:
    with edge_client(web_dir=str(tmp_path)) as client:
        assert client.get("/").status_code == 404
        assert client.get("/openapi.json").status_code == 200


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_the_page_has_no_inline_script_style_or_handler() -> None:
    parser = _Tags()
    parser.feed((BUNDLED_WEB_DIR / "index.html").read_text())
    assert parser.tags
    for tag, attrs in parser.tags:
        assert tag != "style"
        assert "style" not in attrs
        assert not any(name.startswith("on") for name in attrs), tag
        if tag == "script":
            assert (attrs.get("src") or "").startswith("/assets/"), attrs


def test_the_bundle_fetches_nothing_from_another_origin() -> None:
    remote = re.compile(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", re.IGNORECASE)
    svg_namespace = "http://www.w3.org/2000/svg"
    for path in BUNDLE:
        text = path.read_text().replace(svg_namespace, "")
        assert not remote.findall(text), path


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: str(p.relative_to(BUNDLED_WEB_DIR)))
def test_no_module_builds_html_from_strings_or_evaluates_code(script: Path) -> None:
    sinks = re.compile(
        r"\.(innerHTML|outerHTML|insertAdjacentHTML)\b|document\.write|\beval\(|new Function\("
    )
    assert not sinks.findall(script.read_text())
