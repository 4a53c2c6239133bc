"""Devices and push notifications (PROTOCOL.md, "Devices and push
notifications"): register, list and delete devices, the VAPID key, mutes,
and the decision log ("why did I (not) get a notification")."""

from __future__ import annotations

from typing import Annotated

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from commands.devices import Device
from read_api.bodies import (
    Decisions,
    DeviceCreated,
    DeviceInfo,
    DeviceList,
    MuteSetting,
    NewDevice,
    NewWebPushDevice,
    VapidKey,
)
from read_api.errors import ApiError
from read_api.operations import NO_BODY, Operation, Query
from read_api.requests import answer, body_of, path_id, query_int, services, session_of

MAX_DECISIONS = 200
DEFAULT_DECISIONS = 50
DecisionPage = Annotated[int, msgspec.Meta(ge=1, le=MAX_DECISIONS)]


async def register_device(request: Request) -> Response:
    session = await session_of(request)
    body: NewDevice = await body_of(request, NewDevice)
    api = services(request)
    if isinstance(body, NewWebPushDevice):
        device_id = await api.devices.register_webpush(
            session.user_id, body.endpoint, body.keys.p256dh, body.keys.auth, api.clock()
        )
    else:
        device_id = await api.devices.register_gateway(
            session.user_id, body.app_id, body.pushkey, api.clock()
        )
    return answer(DeviceCreated, DeviceCreated(device_id=device_id), 201)


def _info(device: Device) -> DeviceInfo:
    return DeviceInfo(
        device_id=device.device_id,
        kind=device.kind,  # type: ignore[arg-type]
        endpoint=device.endpoint,
        app_id=device.app_id,
        pushkey=device.pushkey,
        created_at=device.created_at.isoformat(),
    )


async def list_devices(request: Request) -> Response:
    session = await session_of(request)
    devices = await services(request).devices.devices(session.user_id)
    return answer(DeviceList, DeviceList(devices=[_info(device) for device in devices]))


async def delete_device(request: Request) -> Response:
    session = await session_of(request)
    device_id = path_id(request, "device_id")
    if not await services(request).devices.delete(session.user_id, device_id):
        raise ApiError("not_found", "no such device")
    return Response(status_code=204)


async def vapid_public_key(request: Request) -> Response:
    await session_of(request)
    key = services(request).devices.options.vapid_public_key
    if key is None:
        raise ApiError("not_found", "this server does not do Web Push (no VAPID key)")
    return answer(VapidKey, VapidKey(key=key))


async def _member_conversation(request: Request) -> tuple[str, str]:
    session = await session_of(request)
    conversation_id = path_id(request, "conversation_id")
    if not await services(request).queries.is_member(conversation_id, session.user_id):
        raise ApiError("not_found", "no such conversation")
    return conversation_id, session.user_id


async def set_mute(request: Request) -> Response:
    conversation_id, user_id = await _member_conversation(request)
    body: MuteSetting = await body_of(request, MuteSetting)
    await services(request).devices.set_muted(user_id, conversation_id, body.muted)
    return Response(status_code=204)


async def get_mute(request: Request) -> Response:
    conversation_id, user_id = await _member_conversation(request)
    muted = await services(request).devices.is_muted(user_id, conversation_id)
    return answer(MuteSetting, MuteSetting(muted=muted))


async def list_decisions(request: Request) -> Response:
    session = await session_of(request)
    limit = query_int(request, "limit", 1, MAX_DECISIONS) or DEFAULT_DECISIONS
    conversation_id = request.query_params.get("conversation_id") or None
    found = await services(request).decisions.decisions(session.user_id, limit, conversation_id)
    return answer(Decisions, {"decisions": found})


operations = [
    Operation(
        "POST",
        "/v1/devices",
        register_device,
        "Register a browser (Web Push subscription) or a phone (push gateway pushkey)",
        {201: DeviceCreated},
        body=NewDevice,
    ),
    Operation("GET", "/v1/devices", list_devices, "The caller's devices", {200: DeviceList}),
    Operation(
        "DELETE",
        "/v1/devices/{device_id}",
        delete_device,
        "Delete one of the caller's devices",
        {204: NO_BODY},
        (404,),
    ),
    Operation(
        "GET",
        "/v1/push/vapid-public-key",
        vapid_public_key,
        "The applicationServerKey for PushManager.subscribe()",
        {200: VapidKey},
        (404,),
    ),
    Operation(
        "PUT",
        "/v1/conversations/{conversation_id}/notifications",
        set_mute,
        "Mute or unmute a conversation's notifications",
        {204: NO_BODY},
        (404,),
        body=MuteSetting,
    ),
    Operation(
        "GET",
        "/v1/conversations/{conversation_id}/notifications",
        get_mute,
        "Whether the caller muted the conversation",
        {200: MuteSetting},
        (404,),
    ),
    Operation(
        "GET",
        "/v1/notifications",
        list_decisions,
        "Every notification decision for the caller as a recipient, newest first",
        {200: Decisions},
        (400,),
        query=(Query("limit", DecisionPage), Query("conversation_id", str)),
    ),
]
