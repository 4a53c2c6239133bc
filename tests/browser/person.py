"""One person using the web client in their own browser context: what they
click and type, and what they can see. Locators go by role and label, as a
screen reader would."""

from __future__ import annotations

import uuid

import httpx
from playwright.sync_api import BrowserContext, ConsoleMessage, Locator, Page, expect

PASSWORD = "correct horse battery"


def unique_handle(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


class Person:
    def __init__(self, context: BrowserContext, base_url: str, prefix: str) -> None:
        self.context = context
        self.base_url = base_url
        self.handle = unique_handle(prefix)
        self.errors: list[str] = []
        self.refusals_expected = False
        self.page = self.new_page()

    def new_page(self) -> Page:
        """A new tab at /: a new sessionStorage, so logged out."""
        page = self.context.new_page()
        page.on("pageerror", lambda error: self.errors.append(f"{self.handle}: {error}"))
        page.on("console", self._console)
        page.goto("/")
        self.page = page
        return page

    def _console(self, message: ConsoleMessage) -> None:
        """A refusal by the page's policy is a bug of the page."""
        text = message.text
        policy = "Content Security Policy" in text or "Trusted" in text
        if message.type == "error" and policy and not self.refusals_expected:
            self.errors.append(f"{self.handle}: {text}")

    # -- accounts --------------------------------------------------------------
    def register(self) -> Person:
        page = self.page
        page.get_by_role("button", name="Create an account").click()
        page.get_by_label("Handle").fill(self.handle)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Create account").click()
        self.expect_signed_in()
        return self

    def register_by_api(self) -> httpx.Client:
        """Registers without the page; the client is logged in."""
        http = httpx.Client(base_url=self.base_url, timeout=30)
        created = http.post("/v1/users", json={"handle": self.handle, "password": PASSWORD})
        assert created.status_code == 201, created.text
        self.user_id: str = created.json()["user_id"]
        login = http.post("/v1/sessions", json={"handle": self.handle, "password": PASSWORD})
        assert login.status_code == 201, login.text
        http.headers["Authorization"] = f"Bearer {login.json()['token']}"
        return http

    def log_in(self) -> Person:
        self.page.get_by_label("Handle").fill(self.handle)
        self.page.get_by_label("Password").fill(PASSWORD)
        self.page.get_by_role("button", name="Log in").click()
        self.expect_signed_in()
        return self

    def expect_signed_in(self) -> None:
        expect(self.page.get_by_text(f"Signed in as {self.handle}")).to_be_visible()
        self.expect_connected()

    def expect_connected(self) -> None:
        expect(self.page.locator("body")).to_have_attribute("data-connection", "open")

    # -- conversations ---------------------------------------------------------
    def start_chat_with(self, other: Person) -> None:
        self.page.get_by_role("button", name="New chat").click()
        self.page.get_by_label("Their handle").fill(other.handle)
        self.page.get_by_role("button", name="Start chat").click()
        expect(self.conversation_title).to_have_text(other.handle)

    def create_group(self, title: str, members: list[Person]) -> None:
        self.page.get_by_role("button", name="New group").click()
        self.page.get_by_label("Group name").fill(title)
        self.page.get_by_label("Members").fill(", ".join(m.handle for m in members))
        self.page.get_by_role("button", name="Create group").click()
        expect(self.conversation_title).to_have_text(title)

    def inbox_row(self, title: str) -> Locator:
        rows = self.page.locator(".conversation-row")
        return rows.filter(has=self.page.locator(".item-title", has_text=title))

    def open_conversation(self, title: str) -> None:
        self.inbox_row(title).get_by_role("button").click()
        expect(self.conversation_title).to_have_text(title)

    @property
    def conversation_title(self) -> Locator:
        return self.page.locator("#conversation-title")

    @property
    def conversation_status(self) -> Locator:
        return self.page.locator(".conversation-status")

    @property
    def composer(self) -> Locator:
        return self.page.get_by_role("textbox", name="Message")

    def send(self, text: str) -> None:
        self.composer.fill(text)
        self.composer.press("Enter")

    # -- what they see ---------------------------------------------------------
    def message(self, body: str) -> Locator:
        """The one message with exactly this body."""
        bodies = self.page.locator(".body").get_by_text(body, exact=True)
        return self.page.locator(".message").filter(has=bodies)

    def tick(self, body: str) -> Locator:
        return self.message(body).locator(".tick")

    def bodies(self) -> list[str]:
        return self.page.locator(".message .body").all_inner_texts()

    @property
    def connection_line(self) -> Locator:
        return self.page.get_by_role("status")

    # -- a message's controls, media -------------------------------------------
    def message_action(self, body: str, action: str) -> None:
        """Opens the message's "Message actions" and presses ``action``."""
        self.message(body).get_by_role("button", name="Message actions").click()
        self.message(body).get_by_role("button", name=action, exact=True).click()

    def attach(self, name: str, mime_type: str, data: bytes) -> None:
        files = {"name": name, "mimeType": mime_type, "buffer": data}
        self.page.locator("#composer-file").set_input_files(files)  # type: ignore[arg-type]
