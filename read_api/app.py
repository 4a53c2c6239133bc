"""The HTTP API: every operation's route, /openapi.json, and the one error
mapping (read_api.errors)."""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from read_api import (
    account_routes,
    audit_routes,
    conversation_commands,
    conversation_queries,
    directory_routes,
    discovery_routes,
    friend_routes,
    media_routes,
    notification_routes,
    search_routes,
    tus_routes,
)
from read_api.openapi import openapi_document, openapi_endpoint
from read_api.operations import Operation

OPERATIONS: list[Operation] = [
    *directory_routes.operations,  # before /v1/users/{user_id}: /v1/users/search
    *friend_routes.operations,
    *account_routes.operations,
    *conversation_queries.operations,
    *conversation_commands.operations,
    *notification_routes.operations,
    *audit_routes.operations,
    *search_routes.operations,
    *media_routes.operations,
    *tus_routes.operations,
    *discovery_routes.operations,
]


def api_routes() -> list[BaseRoute]:
    document = openapi_document(OPERATIONS)
    routes: list[BaseRoute] = [operation.route() for operation in OPERATIONS]
    return [*routes, Route("/openapi.json", openapi_endpoint(document), methods=["GET"])]
