"""What the page does with hostile bodies, where it keeps its token, and what
its Content-Security-Policy refuses, in a real browser."""

from __future__ import annotations

import httpx
from playwright.sync_api import Dialog, expect

from tests.browser.conftest import People

HOSTILE = '<img src=x onerror="window.ran = 1; alert(1)"><script>window.ran = 2</script>'


def test_a_body_with_html_shows_as_text_and_runs_nothing(people: People) -> None:
    ann, ben = people("ann").register(), people("ben").register()
    dialogs: list[str] = []

    def note(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    ben.page.on("dialog", note)
    ann.start_chat_with(ben)
    ann.send(HOSTILE)
    expect(ben.inbox_row(ann.handle).locator(".item-last-text")).to_have_text(HOSTILE)
    ben.open_conversation(ann.handle)
    expect(ben.message(HOSTILE)).to_be_visible()
    assert ben.page.locator(".messages img, .messages script, .conversation-list img").count() == 0
    assert ben.page.evaluate("window.ran") is None
    assert ann.page.evaluate("window.ran") is None
    assert dialogs == []


def test_the_policy_refuses_inline_scripts_and_html_strings_in_the_page(people: People) -> None:
    ann = people("ann")
    ann.refusals_expected = True
    refused = ann.page.evaluate(
        """() => {
            const attempt = (run) => {
                try { run(); return 'allowed'; } catch (e) { return e.name; }
            };
            const typed = attempt(() => {
                document.createElement('script').textContent = 'window.inline = 1';
            });
            const appended = document.createElement('script');
            appended.append(document.createTextNode('window.inline = 2'));
            const inserted = attempt(() => document.body.append(appended));
            const html = attempt(() => document.body.insertAdjacentHTML('beforeend', '<b>x</b>'));
            return { typed, inserted, html, ran: window.inline ?? null };
        }"""
    )
    assert refused == {
        "typed": "TypeError",
        "inserted": "allowed",
        "html": "TypeError",
        "ran": None,
    }


def test_the_token_stays_in_the_tab_never_in_local_storage_or_a_cookie(people: People) -> None:
    ann = people("ann").register()
    stored = ann.page.evaluate(
        "() => ({ local: localStorage.length, cookie: document.cookie,"
        " session: JSON.parse(sessionStorage.getItem('chat.session')) })"
    )
    assert (stored["local"], stored["cookie"]) == (0, "")
    assert ann.context.cookies() == []
    token = stored["session"]["token"]

    ann.page.reload()  # the same tab keeps its session
    ann.expect_signed_in()

    ann.page.get_by_role("button", name="Log out").click()
    expect(ann.page.get_by_role("heading", name="Log in")).to_be_visible()
    assert ann.page.evaluate("sessionStorage.length") == 0
    answer = httpx.get(
        f"{ann.base_url}/v1/conversations", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 401


def test_a_new_tab_is_logged_out(people: People) -> None:
    ann = people("ann").register()
    ann.new_page()
    expect(ann.page.get_by_role("heading", name="Log in")).to_be_visible()
