import asyncio

from ws_edge.close_codes import GOING_AWAY, UNAUTHORIZED
from ws_edge.registry import SocketRegistry


class Socket:
    def __init__(self, session_id: str, user_id: str = "ann") -> None:
        self.session_id = session_id
        self.user_id = user_id
        self.closed_with: int | None = None
        self.pushed: list[str] = []

    def push(self, text: str) -> None:
        self.pushed.append(text)

    def request_close(self, code: int) -> None:
        self.closed_with = code


def registry_with(*sockets: Socket) -> SocketRegistry:
    async def make() -> SocketRegistry:
        registry = SocketRegistry()
        for socket in sockets:
            registry.add(socket)
        return registry

    return asyncio.run(make())


def test_lost_pushes_close_every_socket_with_going_away() -> None:
    sockets = [Socket("s1"), Socket("s2")]
    registry_with(*sockets).pushes_lost()
    assert [s.closed_with for s in sockets] == [GOING_AWAY, GOING_AWAY]


def test_an_ended_session_closes_only_its_own_sockets() -> None:
    mine, other = Socket("s1"), Socket("s2")
    registry_with(mine, other).session_ended("s1")
    assert (mine.closed_with, other.closed_with) == (UNAUTHORIZED, None)


def test_a_drain_gives_each_socket_its_users_farewell_before_going_away() -> None:
    ann, ben = Socket("s1", "ann"), Socket("s2", "ben")
    registry = registry_with(ann, ben)

    def farewell(user_id: str) -> str | None:
        return f"go-{user_id}" if user_id == "ann" else None

    async def drain() -> None:
        await registry.close_all(timeout=0.01, farewell=farewell)

    asyncio.run(drain())
    assert (ann.pushed, ann.closed_with) == (["go-ann"], GOING_AWAY)
    assert (ben.pushed, ben.closed_with) == ([], GOING_AWAY)
