"""One declaration per HTTP operation: its route, and what /openapi.json
says of it (summary, body, answers, error statuses, query parameters)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

Endpoint = Callable[[Request], Awaitable[Response]]
NO_BODY = None
_PATH_PARAM = re.compile(r"{(\w+)}")


@dataclass(frozen=True)
class Query:
    name: str
    shape: Any
    required: bool = False


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    endpoint: Endpoint
    summary: str
    answers: Mapping[int, Any]
    """Status -> shape of the answer (NO_BODY for none)."""
    errors: tuple[int, ...] = ()
    """Error statuses besides those every operation of its kind has."""
    body: Any = None
    query: tuple[Query, ...] = ()
    auth: bool = True

    def route(self) -> Route:
        return Route(self.path, self.endpoint, methods=[self.method])

    @property
    def path_params(self) -> list[str]:
        return _PATH_PARAM.findall(self.path)

    @property
    def error_statuses(self) -> list[int]:
        """Every error the operation can answer: with a body also 400 (not a
        JSON object), 413 (too large) and 422 (a refused value); with a
        token also 401."""
        statuses = set(self.errors)
        if self.body is not None:
            statuses |= {400, 413, 422}
        if self.auth:
            statuses.add(401)
        return sorted(statuses)
