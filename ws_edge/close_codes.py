"""The WebSocket close codes of the edge (PROTOCOL.md and docs/protocol.md)."""

GOING_AWAY = 1001  # server shutdown: reconnect and sync
INVALID_TEXT = 1007  # not UTF-8 (closed by the server library)
TOO_SLOW = 1008  # the socket's send queue filled up: it does not read its frames
TOO_BIG = 1009  # a frame over the size limit
TRY_AGAIN_LATER = 1013  # a store failed while the socket was opened: reconnect later
UNAUTHORIZED = 4401  # bad token, expired or logged-out session
AUTH_TIMEOUT = 4408  # no auth frame in time
TOO_MANY_SOCKETS = 4429  # the user's socket cap over all edges
