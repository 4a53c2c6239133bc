"""Web Push (RFC 8030) with pywebpush: the payload encrypted to the
browser's keys (RFC 8291, ``aes128gcm``), a VAPID JWT signed with the
server's key (RFC 8292), ``TTL``, ``Urgency`` and a ``Topic`` per
conversation. One aiohttp session whose resolver refuses private and
loopback addresses; every request bounded by a total timeout."""

from __future__ import annotations

import logging

import aiohttp
from pywebpush import WebPushException, webpush_async

from infra.push.addresses import AddressNotAllowed, PublicOnlyResolver, check_literal_host
from infra.push.retry_after import retry_after_seconds
from infra.push.vapid import VapidKeys
from projections.delivery_ports import PushAnswer, PushRequest, WebPushRequest

log = logging.getLogger(__name__)
GONE = (404, 410)


class WebPushTransport:
    def __init__(
        self, keys: VapidKeys, subject: str, timeout: float, allow_loopback: bool = False
    ) -> None:
        self._signer = keys.signer()
        self._subject = subject
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._allow_loopback = allow_loopback
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        """Made on first use, on the loop that sends."""
        if self._session is None:
            connector = aiohttp.TCPConnector(
                resolver=PublicOnlyResolver(self._allow_loopback), limit=100
            )
            self._session = aiohttp.ClientSession(connector=connector)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def send(self, request: PushRequest) -> PushAnswer:
        assert isinstance(request, WebPushRequest)
        subscription = {
            "endpoint": request.endpoint,
            "keys": {"p256dh": request.p256dh, "auth": request.auth},
        }
        try:
            check_literal_host(request.endpoint, self._allow_loopback)
            response = await webpush_async(
                subscription,
                data=request.payload.decode(),
                vapid_private_key=self._signer,
                vapid_claims={"sub": self._subject},
                content_encoding="aes128gcm",
                timeout=self._timeout,
                ttl=request.ttl,
                headers={"Topic": request.topic, "Urgency": request.urgency},
                aiohttp_session=self._client(),
            )
        except WebPushException as error:
            return self._refused(error)
        except AddressNotAllowed as error:
            return PushAnswer(400, f"address not allowed: {error}")
        except TimeoutError:
            return PushAnswer(None, "timeout")
        except aiohttp.ClientError as error:
            return PushAnswer(None, f"no answer: {type(error).__name__}")
        except ValueError as error:  # keys that do not make a P-256 point
            return PushAnswer(400, f"the subscription cannot be encrypted to: {error}")
        status = getattr(response, "status", 201)
        return PushAnswer(int(status))

    @staticmethod
    def _refused(error: WebPushException) -> PushAnswer:
        status = error.status_code
        if status is None:
            return PushAnswer(None, error.message)
        return PushAnswer(
            int(status),
            retry_after=retry_after_seconds(error.retry_after),
            device_gone=int(status) in GONE,
        )
