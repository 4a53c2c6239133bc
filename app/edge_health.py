"""``/healthz``, ``/readyz`` and ``/metrics`` on the edge's own HTTP port
(the server of the API and the WebSocket). Operational routes, not API
operations: they are not in ``/openapi.json`` and need no session."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from app.health import PROBE_TIMEOUT_SECONDS, liveness_answer, process_health, readiness_answer
from app.metrics import exposition

AsyncProbe = Callable[[], Awaitable[None]]
"""Raises unless its service answers."""


async def run_async_probes(probes: Mapping[str, AsyncProbe]) -> dict[str, str | None]:
    """Every probe at once, each bounded; a service's problem or None."""
    names = list(probes)
    results = await asyncio.gather(
        *(asyncio.wait_for(probes[name](), PROBE_TIMEOUT_SECONDS + 1) for name in names),
        return_exceptions=True,
    )
    return {
        name: None if not isinstance(result, BaseException) else _problem(result)
        for name, result in zip(names, results, strict=True)
    }


def _problem(error: BaseException) -> str:
    text = str(error) or "no answer in time"
    return f"{type(error).__name__}: {text}".splitlines()[0][:200]


async def healthz(request: Request) -> Response:
    status, body = liveness_answer(process_health())
    return JSONResponse(body, status)


async def readyz(request: Request) -> Response:
    probes: Mapping[str, AsyncProbe] = getattr(request.app.state, "probes", {})
    status, body = readiness_answer(process_health(), await run_async_probes(probes))
    return JSONResponse(body, status)


async def metrics(request: Request) -> Response:
    body, content_type = exposition()
    return Response(body, headers={"Content-Type": content_type})


def health_routes() -> list[Route]:
    return [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
    ]
