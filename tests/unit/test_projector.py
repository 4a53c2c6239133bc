from collections.abc import Sequence

from eventsourcing.persistence import Tracking

from domain.codec import EventCodec
from infra.memory.chat_view import InMemoryChatView
from infra.memory.dead_letters import InMemoryDeadLetters
from infra.memory.log import InMemoryLog
from projections.ports import Push
from projections.projector import Projector


class ForgetfulView(InMemoryChatView):
    def __init__(self) -> None:
        super().__init__()
        self.forgotten: list[str] = []

    def forget(self, application_name: str) -> None:
        self.forgotten.append(application_name)


class NoPushes:
    def publish(self, push: Push) -> None:
        return None

    def publish_all(self, pushes: Sequence[Push]) -> None:
        return None


def test_a_newly_assigned_partition_starts_after_its_position_and_is_forgotten_first() -> None:
    view = ForgetfulView()
    dead_letters = InMemoryDeadLetters(InMemoryLog({"chat.parked": 8}))
    projector = Projector(view, NoPushes(), EventCodec(), "chat.events", dead_letters)
    view.skip(Tracking("chat.events.p3", 41))
    assert projector.start_offset(3) == 42
    assert view.forgotten == ["chat.events.p3"]
