"""The Matrix Push Gateway API client (spec.matrix.org, "Push Gateway API"):
``POST <gateway>/_matrix/push/v1/notify``; a 200 answer lists in
``rejected`` the pushkeys the gateway (Sygnal for APNs and FCM) refused.
The gateway is the operator's, so private addresses are allowed."""

from __future__ import annotations

import json

import aiohttp

from infra.push.retry_after import retry_after_seconds
from projections.delivery_ports import GatewayRequest, PushAnswer, PushRequest

NOTIFY_PATH = "/_matrix/push/v1/notify"


class GatewayTransport:
    def __init__(self, base_url: str, timeout: float) -> None:
        self.url = base_url.rstrip("/") + NOTIFY_PATH
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def send(self, request: PushRequest) -> PushAnswer:
        assert isinstance(request, GatewayRequest)
        try:
            async with self._client().post(self.url, json=request.body) as response:
                text = await response.text()
                status = response.status
                retry_after = retry_after_seconds(response.headers.get("Retry-After"))
        except TimeoutError:
            return PushAnswer(None, "timeout")
        except aiohttp.ClientError as error:
            return PushAnswer(None, f"no answer: {type(error).__name__}")
        if status != 200:
            return PushAnswer(status, retry_after=retry_after)
        return PushAnswer(200, device_gone=request.pushkey in _rejected(text))


def _rejected(text: str) -> list[str]:
    try:
        answer = json.loads(text)
    except ValueError:
        return []
    rejected = answer.get("rejected") if isinstance(answer, dict) else None
    return [key for key in rejected if isinstance(key, str)] if isinstance(rejected, list) else []
