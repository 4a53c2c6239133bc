"""Friends on the real stack (processor, projector, friends and edge as
processes on Kafka, PostgreSQL and Redis, real sockets): requests, accepts,
declines, cancels, removals, the friends list with presence and last chat,
the directory, and bad input that leaves the log as it was."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.friends_helpers import (
    accept,
    befriend,
    block_and_wait,
    friend_ids,
    friend_push,
    request_friend,
    running_stack,
    users,
    wait_until,
)
from tests.e2e.kafka_records import event_types
from tests.e2e.processes import Stack


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    yield from running_stack(tmp_path_factory.mktemp("friends"))


def test_a_request_and_its_accept_are_pushed_to_both_and_listed(stack: Stack) -> None:
    ann, ben = users(stack, "ann", "ben")
    ann_socket, ben_socket = ann.socket(stack.ws_url), ben.socket(stack.ws_url)
    assert request_friend(ann, ben).status_code == 202
    assert ann_socket.wait_for(friend_push(ben, "outgoing"))["blocked"] is False
    ben_socket.wait_for(friend_push(ann, "incoming"))
    incoming = ben.http.get("/v1/friends/requests").json()["incoming"]
    assert [(u["user_id"], u["handle"]) for u in incoming] == [(ann.user_id, ann.handle)]
    assert incoming[0]["requested_at"]
    assert accept(ben, ann).status_code == 202
    ann_socket.wait_for(friend_push(ben, "friends"))
    ben_socket.wait_for(friend_push(ann, "friends"))
    (friend,) = ann.http.get("/v1/friends").json()["friends"]
    assert (friend["user_id"], friend["status"], friend["last_seen"]) == (
        ben.user_id,
        "online",
        None,
    )
    assert (friend["last_chat_at"], friend["conversation_id"]) == (None, None)
    assert ben.http.get("/v1/friends/requests").json() == {"incoming": [], "outgoing": []}


def test_friends_come_most_recent_chat_first_with_their_presence(stack: Stack) -> None:
    ann, ben, cat, dan = users(stack, "ann", "ben", "cat", "dan")
    for friend in (ben, cat, dan):
        befriend(ann, friend)
    cat_chat, dan_chat = ann.start_direct(cat), ann.start_direct(dan)
    socket = ann.socket(stack.ws_url)
    assert socket.send_message(cat_chat, "c1", "hi cat")["type"] == "sent"
    assert socket.send_message(dan_chat, "d1", "hi dan")["type"] == "sent"
    dan.socket(stack.ws_url)

    def listed() -> list[dict[str, object]]:
        friends: list[dict[str, object]] = ann.http.get("/v1/friends").json()["friends"]
        return friends

    wait_until(lambda: [f["user_id"] for f in listed()] == [dan.user_id, cat.user_id, ben.user_id])
    wait_until(lambda: listed()[0]["status"] == "online")
    first, second, never = listed()
    assert (first["conversation_id"], second["conversation_id"]) == (dan_chat, cat_chat)
    assert str(first["last_chat_at"]) > str(second["last_chat_at"])
    assert (never["last_chat_at"], never["conversation_id"], never["status"]) == (
        None,
        None,
        "offline",
    )


def test_declining_cancelling_and_removing_are_pushed_to_both_as_none(stack: Stack) -> None:
    ann, ben, cat = users(stack, "ann", "ben", "cat")
    ann_socket, ben_socket = ann.socket(stack.ws_url), ben.socket(stack.ws_url)
    request_friend(ann, ben)
    ben_socket.wait_for(friend_push(ann, "incoming"))
    assert ben.http.delete(f"/v1/friends/requests/{ann.user_id}").status_code == 202  # declines
    ann_socket.wait_for(friend_push(ben, "none"))
    ben_socket.wait_for(friend_push(ann, "none"))
    request_friend(ann, cat)
    ann_socket.wait_for(friend_push(cat, "outgoing"))
    assert ann.http.delete(f"/v1/friends/requests/{cat.user_id}").status_code == 202  # cancels
    ann_socket.wait_for(friend_push(cat, "none"))
    befriend(ann, ben)
    ben_socket.wait_for(friend_push(ann, "friends"))
    assert ben.http.delete(f"/v1/friends/{ann.user_id}").status_code == 202
    ann_socket.wait_for(friend_push(ben, "none"))
    ben_socket.wait_for(friend_push(ann, "none"))
    assert friend_ids(ann) == friend_ids(ben) == []


def test_two_users_who_ask_each_other_at_once_become_friends_exactly_once(
    stack: Stack, kafka_bootstrap: str
) -> None:
    ann, ben = users(stack, "ann", "ben")
    answers: list[int] = []
    askers = [
        threading.Thread(target=lambda a=a, b=b: answers.append(request_friend(a, b).status_code))
        for a, b in ((ann, ben), (ben, ann))
    ]
    for asker in askers:
        asker.start()
    for asker in askers:
        asker.join()
    assert answers == [202, 202]
    wait_until(lambda: friend_ids(ann) == [ben.user_id] and friend_ids(ben) == [ann.user_id])
    topic = stack.env["CHAT_TOPIC_PREFIX"] + "chat.events"
    pair = {ann.user_id, ben.user_id}
    decided = [
        kind
        for kind, value in event_types(kafka_bootstrap, topic)
        if {value.get("user_id"), value.get("other_id")} == pair
    ]
    assert decided == ["FriendRequested", "FriendRequestAccepted"]


def test_search_finds_handle_prefixes_but_never_whoever_blocked_the_caller(stack: Stack) -> None:
    ann, ben, cat = users(stack, "ann", "ben", "cat")
    stem = ben.handle[:9]  # "ben_" and the first hex digits: only ben's
    found = ann.http.get("/v1/users/search", params={"q": stem.upper()}).json()["users"]
    assert found == [{"user_id": ben.user_id, "handle": ben.handle, "display_name": ben.handle}]
    block_and_wait(ben, ann)
    assert ann.http.get("/v1/users/search", params={"q": stem}).json() == {"users": []}
    assert cat.http.get("/v1/users/search", params={"q": stem}).json()["users"] != []


def test_suggestions_are_friends_of_friends_by_mutual_friends(stack: Stack) -> None:
    me, f1, f2, two, one, blocker = users(stack, "me", "f1", "f2", "two", "one", "blocker")
    befriend(me, f1)
    befriend(me, f2)
    for friend, other in ((f1, two), (f2, two), (f1, one), (f2, blocker)):
        befriend(friend, other)
    block_and_wait(blocker, me)
    found = me.http.get("/v1/friends/suggestions").json()["users"]
    assert [(u["user_id"], u["mutual_friends"]) for u in found] == [
        (two.user_id, 2),
        (one.user_id, 1),
    ]


def log_sizes(kafka_bootstrap: str, stack: Stack) -> list[int]:
    prefix = stack.env["CHAT_TOPIC_PREFIX"]
    topics = ("chat.commands", "chat.events")
    return [len(event_types(kafka_bootstrap, prefix + topic)) for topic in topics]


def test_bad_input_gets_the_protocols_answers_and_leaves_the_log_as_it_was(
    stack: Stack, kafka_bootstrap: str
) -> None:
    ann, ben, cat, dan = users(stack, "ann", "ben", "cat", "dan")
    befriend(ann, ben)
    block_and_wait(cat, ann)
    assert request_friend(ann, dan).status_code == 202
    wait_until(lambda: ann.http.get("/v1/friends/requests").json()["outgoing"] != [])
    before = log_sizes(kafka_bootstrap, stack)
    unknown = "00000000-0000-4000-8000-000000000000"

    def answer(response: httpx.Response) -> tuple[int, str]:
        return response.status_code, response.json()["error"]["code"]

    assert answer(request_friend(ann, ann)) == (422, "bad_request")
    assert answer(request_friend(ann, unknown)) == (404, "not_found")
    blocked_answer = request_friend(ann, cat).json()["error"]["message"]
    unknown_answer = request_friend(ann, unknown).json()["error"]["message"]
    assert blocked_answer.replace(cat.user_id, "<id>") == unknown_answer.replace(unknown, "<id>")
    assert request_friend(ann, dan).status_code == 202  # a repeat of a pending request
    assert answer(request_friend(ann, ben)) == (409, "conflict")
    assert answer(accept(ann, dan)) == (404, "not_found")  # ann's own request
    assert answer(ann.http.post(f"/v1/friends/requests/{unknown}/accept")) == (404, "not_found")
    assert answer(ann.http.delete(f"/v1/friends/requests/{unknown}")) == (404, "not_found")
    assert answer(ann.http.delete(f"/v1/friends/{dan.user_id}")) == (404, "not_found")
    assert answer(ann.http.delete(f"/v1/blocks/{ben.user_id}")) == (404, "not_found")
    assert answer(ann.http.post("/v1/blocks", json={"user_id": ann.user_id})) == (
        422,
        "bad_request",
    )
    assert answer(ann.http.post("/v1/blocks", json={"user_id": unknown})) == (404, "not_found")
    assert answer(ann.http.post("/v1/friends/requests", json={"user_id": 7})) == (
        422,
        "bad_request",
    )
    assert answer(ann.http.post("/v1/friends/requests", content=b"{")) == (400, "bad_request")
    for query in ({"q": "a"}, {"q": ""}, {}, {"q": "ab", "limit": "51"}, {"q": "ab", "limit": "0"}):
        assert answer(ann.http.get("/v1/users/search", params=query)) == (400, "bad_request")
    assert log_sizes(kafka_bootstrap, stack) == before


def test_an_unknown_user_and_a_blocker_look_the_same_to_a_friend_request(stack: Stack) -> None:
    ann, blocker = users(stack, "ann", "blocker")
    block_and_wait(blocker, ann)
    refused = request_friend(ann, blocker)
    unknown = request_friend(ann, "no-such-user")
    assert (refused.status_code, unknown.status_code) == (404, 404)
    assert refused.json()["error"]["message"] == f"no such user: {blocker.user_id}"
    assert unknown.json()["error"]["message"] == "no such user: no-such-user"
