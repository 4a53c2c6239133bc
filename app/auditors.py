"""``chatapp grant-auditor HANDLE`` / ``revoke-auditor HANDLE``: operator
commands, never an API. Each puts a command on chat.commands (key: the
auditor's stream), which the processor decides into an AuditorGranted or
AuditorRevoked event; then it waits until the auditors' read model shows
it (exit 1 if it did not within the timeout: the event may still come)."""

from __future__ import annotations

import asyncio
import getpass
import time
from datetime import UTC, datetime

from app.codecs import record_cipher
from app.real_stack import prepare_infrastructure
from app.replay_input import BadInput
from app.settings import Settings
from commands.messages import GrantAuditor, RevokeAuditor, encode_command
from domain.auditor import auditor_stream_id
from domain.records import OutgoingRecord
from infra.kafka.publisher import KafkaPublisher
from infra.kafka.topics import topic_partitions
from infra.postgres.audit_trail import is_auditor_now, user_id_of_handle


def change_role(settings: Settings, handle: str, grant: bool, timeout: float) -> int:
    settings.require_services()
    prepare_infrastructure(settings)
    user_id = user_id_of_handle(settings.postgres_dsn, settings.pg_schema, handle)
    if user_id is None:
        raise BadInput(f"no user has the handle {handle!r}")
    word = "granted" if grant else "revoked"
    if is_auditor_now(settings.postgres_dsn, settings.pg_schema, user_id) == grant:
        print(f"{handle} ({user_id}) {'is' if grant else 'is not'} an auditor already")
        return 0
    _publish(settings, user_id, grant)
    deadline = time.monotonic() + timeout
    while is_auditor_now(settings.postgres_dsn, settings.pg_schema, user_id) != grant:
        if time.monotonic() >= deadline:
            print(f"{handle}: the change is on the log but not projected after {timeout:.0f} s")
            return 1
        time.sleep(0.1)
    print(f"auditor role {word}: {handle} ({user_id})")
    return 0


def _publish(settings: Settings, user_id: str, grant: bool) -> None:
    stream = str(auditor_stream_id(user_id))
    by = f"operator:{getpass.getuser()}"
    at = datetime.now(UTC).isoformat()
    command = (GrantAuditor if grant else RevokeAuditor)(stream, user_id, by, at)
    record = OutgoingRecord(
        key=stream,
        value=encode_command(command, record_cipher(settings)),
        headers={"command_type": type(command).__name__},
    )
    partitions = len(topic_partitions(settings.kafka, settings.commands_topic))
    publisher = KafkaPublisher(settings.kafka, settings.commands_topic, partitions)
    publisher.start()
    try:
        asyncio.run(publisher.publish(record))
    finally:
        publisher.close()
