"""The page's pure modules (backoff, ticks, times), imported and run in
Chromium as the page runs them."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import People
from tests.browser.person import Person


def run(person: Person, module: str, body: str) -> Any:
    """``body`` is a function of the module's exports; its result comes back."""
    return person.page.evaluate(
        f"async () => {{ const m = await import('/assets/js/{module}'); return ({body})(m); }}"
    )


def test_reconnecting_waits_double_each_time_up_to_30_s(people: People) -> None:
    delays = run(
        people("ann"),
        "backoff.js",
        "m => [...Array(9).keys()].map(n => m.reconnectDelay(n, () => 0.5))",
    )
    assert delays == [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]


def test_reconnect_waits_are_spread_by_a_fifth_either_way(people: People) -> None:
    spread = run(
        people("ann"),
        "backoff.js",
        "m => [m.reconnectDelay(3, () => 0), m.reconnectDelay(3, () => 0.999999)]",
    )
    assert spread == [3200, 4800]


def test_a_tick_counts_recipients_who_have_and_who_read_a_message(people: People) -> None:
    ticks = run(
        people("ann"),
        "receipts.js",
        """m => {
            const marks = new Map([
                ['me', {delivered_seq: 9, read_seq: 9}],
                ['ben', {delivered_seq: 5, read_seq: 3}],
                ['cat', {delivered_seq: 2, read_seq: 5}],
                ['dan', {delivered_seq: 7, read_seq: 0}],
            ]);
            const members = ['me', 'ben', 'cat', 'dan'];
            const tick = (seq) => m.messageTick({seq}, members, marks, 'me');
            return [tick(2), tick(3), tick(5), tick(6), m.tickLabel(tick(3), true)];
        }""",
    )
    assert ticks[:4] == [
        {"state": "delivered", "recipients": 3, "delivered": 3, "read": 2},
        {"state": "delivered", "recipients": 3, "delivered": 3, "read": 2},
        {"state": "delivered", "recipients": 3, "delivered": 3, "read": 1},
        {"state": "sent", "recipients": 3, "delivered": 1, "read": 0},
    ]
    assert ticks[4] == "Read by 2 of 3, delivered to 3 of 3"


def test_a_tick_before_the_server_answers_is_pending_then_sent(people: People) -> None:
    states = run(
        people("ann"),
        "receipts.js",
        """m => [
            m.messageTick({seq: null}, ['me', 'ben'], null, 'me').state,
            m.messageTick({seq: null, message_id: '7'}, ['me', 'ben'], null, 'me').state,
            m.messageTick({seq: null, failed: 'too large'}, ['me', 'ben'], null, 'me').state,
            m.messageTick(
                {seq: 4, recipients: 1, delivered_count: 1, read_count: 1}, [], null, 'me'
            ).state,
            m.messageTick({seq: 4}, ['me'], new Map(), 'me').state,
        ]""",
    )
    assert states == ["pending", "sent", "failed", "read", "sent"]


def test_last_seen_reads_as_people_say_it(people: People) -> None:
    texts = run(
        people("ann"),
        "format.js",
        """m => {
            const now = Date.parse('2026-05-10T12:00:00Z');
            const ago = (seconds) => new Date(now - seconds * 1000).toISOString();
            const offline = (seconds) =>
                m.presenceText({status: 'offline', last_seen: ago(seconds)}, now);
            return [
                m.presenceText({status: 'online', last_seen: null}, now),
                offline(20), offline(5 * 60 + 30), offline(3 * 3600), offline(30 * 3600),
                offline(3 * 86400), m.presenceText({status: 'offline', last_seen: null}, now),
            ];
        }""",
    )
    assert texts == [
        "online",
        "last seen just now",
        "last seen 5 min ago",
        "last seen 3 h ago",
        "last seen yesterday",
        "last seen 3 days ago",
        "offline",
    ]


def test_handles_are_read_from_commas_spaces_and_at_signs(people: People) -> None:
    handles = run(people("ann"), "groups.js", "m => m.handlesIn(' @Ben, cat  dan,,ben ')")
    assert handles == ["ben", "cat", "dan"]


def test_file_sizes_are_said_in_decimal_units(people: People) -> None:
    sizes = run(
        people("ann"),
        "media.js",
        "m => [999, 1000, 6_300_000, 25_400_000, 3_000_000_000].map(m.sizeText)",
    )
    assert sizes == ["999 B", "1.0 kB", "6.3 MB", "25 MB", "3.0 GB"]


def test_a_send_answered_unavailable_stays_in_the_outbox_and_goes_again(people: People) -> None:
    outcome = run(
        people("ann"),
        "chat.js",
        """async m => {
            const { FrameError } = await import('/assets/js/socket.js');
            const client = new m.ChatClient({}, { user_id: 'me', token: 't' });
            const sent = [];
            client.socket = { isOpen: true, request: async (frame) => {
                sent.push(frame.client_msg_id);
                if (sent.length === 1) {
                    throw new FrameError({ code: 'unavailable', message: 'resend it' });
                }
                return { type: 'sent', message_id: '42' };
            } };
            const frame = { type: 'send', conversation_id: 'c', client_msg_id: 'x', body: 'hi' };
            client.outbox.set('c|x', frame);
            await client.deliver('c|x');
            const deadline = Date.now() + 10000;
            while (client.outbox.size > 0 && Date.now() < deadline) {
                await new Promise((resolve) => setTimeout(resolve, 50));
            }
            return { sent, left: client.outbox.size };
        }""",
    )
    assert outcome == {"sent": ["x", "x"], "left": 0}
