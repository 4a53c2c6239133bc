"""The few commands the HTTP API takes (PROTOCOL.md, "Conversations"):
start a conversation, send without a socket, change a group's members and
title. Each goes through the command gateway, which checks the domain's
rules against the read model and answers once the command is on the log;
the processor then decides it for good (a change that lost a race ends as
a ``rejected`` push to its sender)."""

from __future__ import annotations

import asyncio
import time

from starlette.requests import Request
from starlette.responses import Response

from commands.counted import counting_send
from commands.media import resolve_attachments
from read_api.bodies import (
    Accepted,
    ConversationCreated,
    MessageAccepted,
    NewConversation,
    NewDirect,
    NewMembers,
    NewMessage,
    Rename,
)
from read_api.operations import Operation
from read_api.requests import answer, body_of, path_id, services, session_of


async def create_conversation(request: Request) -> Response:
    """201 once the creator can see it, 202 if the read model has not caught up."""
    session = await session_of(request)
    body: NewConversation = await body_of(request, NewConversation)
    gateway = services(request).gateway
    if isinstance(body, NewDirect):
        conversation_id = await gateway.start_direct(session.user_id, body.peer_id)
    else:
        conversation_id = await gateway.create_group(session.user_id, body.title, body.member_ids)
    visible = await _wait_until_visible(request, conversation_id, session.user_id)
    created = ConversationCreated(conversation_id=conversation_id)
    return answer(ConversationCreated, created, 201 if visible else 202)


async def _wait_until_visible(request: Request, conversation_id: str, user_id: str) -> bool:
    api = services(request)
    deadline = time.monotonic() + api.visibility_timeout
    delay = 0.01
    while True:
        if await api.queries.is_member(conversation_id, user_id):
            return True
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.2)


async def post_message(request: Request) -> Response:
    session = await session_of(request)
    conversation_id = path_id(request, "conversation_id")
    body: NewMessage = await body_of(request, NewMessage)
    api = services(request)
    media_ids = [ref.media_id for ref in body.attachments]
    attachments = await resolve_attachments(api.media, session.user_id, media_ids)
    with counting_send(api.metrics):
        message_id = await api.gateway.send(
            session.user_id,
            conversation_id,
            body.client_msg_id,
            body.body,
            attachments,
            body.reply_to,
        )
    return answer(MessageAccepted, MessageAccepted(message_id=str(message_id)), 202)


async def add_members(request: Request) -> Response:
    session = await session_of(request)
    conversation_id = path_id(request, "conversation_id")
    body: NewMembers = await body_of(request, NewMembers)
    await services(request).gateway.add_members(session.user_id, conversation_id, body.user_ids)
    return answer(Accepted, Accepted(), 202)


async def remove_member(request: Request) -> Response:
    """Removing oneself is leaving."""
    session = await session_of(request)
    conversation_id = path_id(request, "conversation_id")
    member_id = path_id(request, "user_id")
    await services(request).gateway.remove_member(session.user_id, conversation_id, member_id)
    return answer(Accepted, Accepted(), 202)


async def rename(request: Request) -> Response:
    session = await session_of(request)
    conversation_id = path_id(request, "conversation_id")
    body: Rename = await body_of(request, Rename)
    await services(request).gateway.rename_group(session.user_id, conversation_id, body.title)
    return answer(Accepted, Accepted(), 202)


operations = [
    Operation(
        "POST",
        "/v1/conversations",
        create_conversation,
        "Start a direct conversation or create a group",
        {201: ConversationCreated, 202: ConversationCreated},
        (404, 503),
        body=NewConversation,
    ),
    Operation(
        "POST",
        "/v1/conversations/{conversation_id}/messages",
        post_message,
        "Send without a socket",
        {202: MessageAccepted},
        (404, 429, 503),
        body=NewMessage,
    ),
    Operation(
        "POST",
        "/v1/conversations/{conversation_id}/members",
        add_members,
        "Add members to a group (admins only)",
        {202: Accepted},
        (403, 404, 503),
        body=NewMembers,
    ),
    Operation(
        "DELETE",
        "/v1/conversations/{conversation_id}/members/{user_id}",
        remove_member,
        "Remove a member (admins), or leave (the member itself)",
        {202: Accepted},
        (403, 404, 503),
    ),
    Operation(
        "PATCH",
        "/v1/conversations/{conversation_id}",
        rename,
        "Rename a group (admins only)",
        {202: Accepted},
        (403, 404, 503),
        body=Rename,
    ),
]
