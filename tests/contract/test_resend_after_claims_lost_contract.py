"""A resend after the claim store lost its claims (Redis restarted without
its data) is acknowledged with the message id history has: the one the
decider kept for the first send of that client_msg_id, also when history
gets it only while the resend waits, and refused as unavailable rather than
answered with another id when history does not get it in time. On every
read model and every claim store."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
import redis
import redis.asyncio as aioredis

from commands.admission import SendAdmission
from commands.gateway import CommandGateway, GatewayLimits
from commands.kept_ids import HistoryWait, SendIdUnknown
from commands.limits import Bucket
from commands.messages import SendMessage, decode_command
from domain.conversation import Conversation
from domain.ids import MessageIdGenerator
from domain.records import OutgoingRecord
from infra.memory.admission import InMemorySendAdmission
from infra.redis.admission import RedisSendAdmission
from tests.contract.read_model_fixtures import Feed, ReadModels

ROOMY = Bucket(burst=100, per_second=10.0)
START = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


class Decider:
    """The processor and the projector in one: each SendMessage goes to the
    conversation aggregate (which keeps one message per client_msg_id) and
    what it posts goes into the read model."""

    def __init__(self, conversation: Conversation, models: ReadModels, feed: Feed) -> None:
        self._conversation, self._models, self._feed = conversation, models, feed
        self.holding = False
        """True: what is posted waits in ``held`` (the projector lags)."""
        self.held: list[Conversation.MessagePosted] = []

    async def publish(self, record: OutgoingRecord) -> None:
        command = decode_command(record.value)
        assert isinstance(command, SendMessage)
        posted = self._conversation.post_message(
            command.user_id,
            command.client_msg_id,
            command.message_id,
            command.body,
            datetime.fromisoformat(command.issued_at),
        )
        if posted.is_new:
            self.held.append(
                cast(Conversation.MessagePosted, self._conversation.collect_events()[0])
            )
        if not self.holding:
            self.project_held()

    def project_held(self) -> None:
        for event in self.held:
            self._models.view.message_posted(event, self._feed.next_position())
        self.held.clear()


class Pauses:
    """The gateway's waits between two history lookups: counted, and each
    may let the projector catch up (``projecting``)."""

    def __init__(self, decider: Decider, projecting: bool) -> None:
        self.count, self._decider, self._projecting = 0, decider, projecting

    async def pause(self, seconds: float) -> None:
        self.count += 1
        if self._projecting:
            self._decider.project_held()


class ClaimStores:
    """Claim stores of one kind; ``emptied`` is the same store after a
    restart that lost every claim."""

    def __init__(self, kind: str, url: str, prefix: str) -> None:
        self.kind, self._url, self._prefix = kind, url, prefix

    def store(self) -> SendAdmission:
        if self.kind == "memory":
            return InMemorySendAdmission()
        return RedisSendAdmission(aioredis.from_url(self._url), self._prefix)

    def emptied(self) -> SendAdmission:
        if self.kind == "redis":
            client = redis.Redis.from_url(self._url)
            for key in client.scan_iter(match=f"{self._prefix}*"):
                client.delete(key)
            client.close()
        return self.store()


@pytest.fixture(params=["memory", "redis"])
def claims(
    request: pytest.FixtureRequest, redis_url: str, unique_name: str
) -> Iterator[ClaimStores]:
    stores = ClaimStores(request.param, redis_url, f"{unique_name}:")
    yield stores
    if request.param == "redis":
        stores.emptied()


def gateway(
    admission: SendAdmission,
    models: ReadModels,
    decider: Decider,
    clock: Callable[[], datetime],
    pauses: Pauses | None = None,
) -> CommandGateway:
    wait = HistoryWait(seconds=1.0, every=0.1, pause=(pauses or Pauses(decider, False)).pause)
    return CommandGateway(
        decider,
        models.queries,
        cast(Any, None),
        admission,
        MessageIdGenerator(7),
        clock,
        GatewayLimits(send_bucket=ROOMY),
        history=models.queries,
        history_wait=wait,
    )


def test_a_resend_after_the_claims_were_lost_is_acknowledged_with_historys_id(
    models: ReadModels, feed: Feed, claims: ClaimStores
) -> None:
    conversation = feed.group("ann", ["bob"])
    chat = str(conversation.id)
    decider = Decider(conversation, models, feed)
    now = [START]
    clock = lambda: now[0]  # noqa: E731
    first = models.runner.run(
        gateway(claims.store(), models, decider, clock).send("ann", chat, "c-1", "hello")
    )
    now[0] = START + timedelta(minutes=10)  # long after: the claim was confirmed long ago
    resent = models.runner.run(
        gateway(claims.emptied(), models, decider, clock).send("ann", chat, "c-1", "hello")
    )
    assert resent == first
    assert models.ask(lambda q: q.sent_message_id(chat, "ann", "c-1")) == first
    assert conversation.last_seq == 1


def test_the_resend_confirms_the_claim_so_later_resends_need_no_history(
    models: ReadModels, feed: Feed, claims: ClaimStores
) -> None:
    conversation = feed.group("ann", ["bob"])
    chat = str(conversation.id)
    decider = Decider(conversation, models, feed)
    clock = lambda: START  # noqa: E731
    first = models.runner.run(
        gateway(claims.store(), models, decider, clock).send("ann", chat, "c-1", "hello")
    )
    admission = claims.emptied()
    models.runner.run(gateway(admission, models, decider, clock).send("ann", chat, "c-1", "hello"))
    again = models.runner.run(admission.admit("ann", f"{chat}|c-1", 999, ROOMY, START))
    assert (again.message_id, again.confirmed) == (first, True)


def first_attempt_unprojected(
    models: ReadModels, feed: Feed, claims: ClaimStores
) -> tuple[str, Decider, int]:
    """A registered user's send (confirmed claim: no lookup) into a new
    group that the projector has not written yet; then the claim store
    loses its data. The chat, its decider and the send's id."""
    conversation = feed.group("ann", ["bob"])
    chat = str(conversation.id)
    decider = Decider(conversation, models, feed)
    admission = claims.store()
    models.runner.run(admission.new_user("ann"))
    decider.holding = True
    first = models.runner.run(
        gateway(admission, models, decider, lambda: START).send("ann", chat, "c-1", "hello")
    )
    assert models.ask(lambda q: q.sent_message_id(chat, "ann", "c-1")) is None
    return chat, decider, first


def test_a_resend_whose_first_attempt_is_not_projected_yet_is_answered_with_the_kept_id_once_it_is(
    models: ReadModels, feed: Feed, claims: ClaimStores
) -> None:
    chat, decider, first = first_attempt_unprojected(models, feed, claims)
    admission, pauses = claims.emptied(), Pauses(decider, projecting=True)
    soon = lambda: START + timedelta(seconds=1)  # noqa: E731
    resent = models.runner.run(
        gateway(admission, models, decider, soon, pauses).send("ann", chat, "c-1", "hello")
    )
    assert (resent, pauses.count) == (first, 1)
    again = models.runner.run(
        admission.admit("ann", f"{chat}|c-1", 999, ROOMY, START + timedelta(seconds=1))
    )
    assert (again.message_id, again.confirmed) == (first, True)


def test_a_resend_whose_first_attempt_history_does_not_get_in_time_is_refused_as_unavailable(
    models: ReadModels, feed: Feed, claims: ClaimStores
) -> None:
    chat, decider, first = first_attempt_unprojected(models, feed, claims)
    admission, pauses = claims.emptied(), Pauses(decider, projecting=False)
    soon = lambda: START + timedelta(seconds=1)  # noqa: E731
    resend = gateway(admission, models, decider, soon, pauses).send("ann", chat, "c-1", "hello")
    with pytest.raises(SendIdUnknown):
        models.runner.run(resend)
    assert pauses.count == HistoryWait(seconds=1.0, every=0.1).lookups - 1
    decider.project_held()  # the client resends again, once history has it
    later = models.runner.run(
        gateway(admission, models, decider, soon).send("ann", chat, "c-1", "hello")
    )
    assert later == first


def test_a_resend_long_after_the_loss_is_answered_with_historys_id(
    models: ReadModels, feed: Feed, claims: ClaimStores
) -> None:
    conversation = feed.group("ann", ["bob"])
    chat = str(conversation.id)
    decider = Decider(conversation, models, feed)
    admission = claims.store()
    models.runner.run(admission.new_user("ann"))
    first = models.runner.run(
        gateway(admission, models, decider, lambda: START).send("ann", chat, "c-1", "hello")
    )
    emptied = claims.emptied()
    after_loss = START + timedelta(minutes=1)
    models.runner.run(  # the user's first send after the loss starts the unconfirmed window
        gateway(emptied, models, decider, lambda: after_loss).send("ann", chat, "c-2", "next")
    )
    hours_later = lambda: after_loss + timedelta(hours=2)  # noqa: E731
    resent = models.runner.run(
        gateway(emptied, models, decider, hours_later).send("ann", chat, "c-1", "hello")
    )
    assert resent == first
    assert conversation.last_seq == 2


def test_a_new_send_long_after_the_loss_is_answered_at_once_with_its_own_id(
    models: ReadModels, feed: Feed, claims: ClaimStores
) -> None:
    conversation = feed.group("ann", ["bob"])
    chat = str(conversation.id)
    decider = Decider(conversation, models, feed)
    admission = claims.emptied()
    models.runner.run(  # the user's first send after the loss
        gateway(admission, models, decider, lambda: START).send("ann", chat, "c-1", "hello")
    )
    decider.holding, pauses = True, Pauses(decider, projecting=True)
    hours_later = lambda: START + timedelta(hours=2)  # noqa: E731
    sent = models.runner.run(
        gateway(admission, models, decider, hours_later, pauses).send("ann", chat, "c-2", "new")
    )
    assert pauses.count == 0
    assert [event.message_id for event in decider.held] == [sent]
    again = models.runner.run(
        admission.admit("ann", f"{chat}|c-2", 999, ROOMY, START + timedelta(hours=2))
    )
    assert (again.message_id, again.confirmed) == (sent, True)
