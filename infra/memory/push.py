"""A push service in memory (tests): answers pushes as Web Push services and
push gateways do, records what it received, and answers what it is told to."""

from __future__ import annotations

from collections import deque

from projections.delivery_ports import GatewayRequest, PushAnswer, PushRequest, WebPushRequest


class InMemoryPushService:
    def __init__(self) -> None:
        self.received: list[PushRequest] = []
        self._answers: deque[PushAnswer] = deque()
        self._gone: set[str] = set()

    def answer_next(self, *answers: PushAnswer) -> None:
        """The next requests get these answers, in order; then success again."""
        self._answers.extend(answers)

    def forget(self, address: str) -> None:
        """An endpoint or pushkey this service no longer knows."""
        self._gone.add(address)

    async def send(self, request: PushRequest) -> PushAnswer:
        self.received.append(request)
        if self._address(request) in self._gone:
            gone_status = 410 if isinstance(request, WebPushRequest) else 200
            return PushAnswer(gone_status, device_gone=True)
        if self._answers:
            return self._answers.popleft()
        return PushAnswer(201 if isinstance(request, WebPushRequest) else 200)

    @staticmethod
    def _address(request: PushRequest) -> str:
        if isinstance(request, GatewayRequest):
            return request.pushkey
        return request.endpoint
