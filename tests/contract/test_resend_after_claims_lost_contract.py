"""A resend after the claim store lost its claims (Redis restarted without
its data) is acknowledged with the message id history has: the one the
decider kept for the first send of that client_msg_id. On every read model
and every claim store."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
import redis
import redis.asyncio as aioredis

from commands.admission import SendAdmission
from commands.gateway import CommandGateway, GatewayLimits
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
            event = self._conversation.collect_events()[0]
            self._models.view.message_posted(
                cast(Conversation.MessagePosted, event), self._feed.next_position()
            )


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
    admission: SendAdmission, models: ReadModels, decider: Decider, clock: Callable[[], datetime]
) -> CommandGateway:
    return CommandGateway(
        decider,
        models.queries,
        cast(Any, None),
        admission,
        MessageIdGenerator(7),
        clock,
        GatewayLimits(send_bucket=ROOMY),
        history=models.queries,
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
