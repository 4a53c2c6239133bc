"""The edge's side of the command path: the rules checked against the read
model, ids, then onto the log. A command is acknowledged only once the log
acknowledged it; the processor then decides it for good, with the same
rules (domain.membership_rules, domain.rules), against the aggregate."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from eventsourcing.persistence import Cipher

from commands.accounts import User
from commands.admission import SendAdmission
from commands.blocks import Blocks, NoBlocks
from commands.kept_ids import HistoryWait, KeptIds, SentMessages
from commands.limits import Bucket, RateLimited
from commands.messages import (
    AddMembers,
    Command,
    CreateGroup,
    MarkDelivered,
    MarkRead,
    RemoveMember,
    RenameGroup,
    SendMessage,
    StartDirect,
    encode_command,
)
from commands.ports import LogPublisher
from commands.recent_members import DEFAULT_SECONDS, MembershipReader, RecentMembers
from domain import membership_rules as rules
from domain.attachments import Attachment
from domain.conversation import direct_conversation_id
from domain.errors import NotAMember, UserNotFound
from domain.ids import MessageIdGenerator
from domain.membership_rules import DEFAULT_MAX_GROUP_SIZE
from domain.records import OutgoingRecord
from domain.relationship import unknown_user
from domain.rules import is_storable_text, validate_message, validate_title

RECEIPT_COMMANDS: dict[str, type[MarkDelivered] | type[MarkRead]] = {
    "delivered": MarkDelivered,
    "read": MarkRead,
}


@dataclass(frozen=True)
class Roles:
    """A conversation as the membership rules need it."""

    kind: str
    members: Mapping[str, str]  # user id -> role


class Membership(Protocol):
    async def is_member(self, conversation_id: str, user_id: str) -> bool: ...

    async def roles(self, conversation_id: str, user_id: str) -> Roles | None:
        """The conversation's kind and members' roles, or None unless
        ``user_id`` is a member."""
        ...


class UserDirectory(Protocol):
    async def user_by_id(self, user_id: str) -> User | None: ...


@dataclass(frozen=True)
class GatewayLimits:
    send_bucket: Bucket
    max_group_size: int = DEFAULT_MAX_GROUP_SIZE
    # How long a sender's confirmed membership serves further sends.
    member_cache_seconds: float = DEFAULT_SECONDS


class CommandGateway:
    def __init__(
        self,
        publisher: LogPublisher,
        membership: Membership,
        users: UserDirectory,
        admission: SendAdmission,
        ids: MessageIdGenerator,
        clock: Callable[[], datetime],
        limits: GatewayLimits,
        cipher: Cipher | None = None,
        blocks: Blocks | None = None,
        history: SentMessages | None = None,
        history_wait: HistoryWait | None = None,
    ) -> None:
        """``history``: asked for the id of a send whose claim is unconfirmed
        (commands.kept_ids; without it, the claim's id is answered as it is)."""
        self._publisher = publisher
        self._kept = None if history is None else KeptIds(history, admission, history_wait)
        self._blocks: Blocks = blocks or NoBlocks()
        self._membership = membership
        self._senders = RecentMembers(membership, limits.member_cache_seconds)
        self._users = users
        self._admission = admission
        self._ids = ids
        self._clock = clock
        self._limits = limits
        self._cipher = cipher

    async def start_direct(self, user_id: str, peer_id: str) -> str:
        rules.require_two_users(user_id, peer_id)
        await self._require_users([peer_id])
        await self._require_reachable(user_id, [peer_id])
        conversation_id = str(direct_conversation_id(user_id, peer_id))
        await self._submit(StartDirect(conversation_id, user_id, peer_id, self._now()))
        return conversation_id

    async def create_group(self, user_id: str, title: str, member_ids: list[str]) -> str:
        validate_title(title)
        members = tuple(m for m in dict.fromkeys(member_ids) if m != user_id)
        rules.require_room(len(members) + 1, self._limits.max_group_size)
        await self._require_users(members)
        await self._require_reachable(user_id, members)
        conversation_id = str(uuid.uuid4())
        await self._submit(CreateGroup(conversation_id, user_id, title, members, self._now()))
        return conversation_id

    async def add_members(self, user_id: str, conversation_id: str, member_ids: list[str]) -> None:
        roles = await self._roles(conversation_id, user_id)
        rules.require_admin(roles.kind, roles.members, user_id)
        members = tuple(dict.fromkeys(member_ids))
        new = set(members) - set(roles.members)
        rules.require_room(len(roles.members) + len(new), self._limits.max_group_size)
        await self._require_users(members)
        await self._require_reachable(user_id, [m for m in members if m in new])
        await self._submit(AddMembers(conversation_id, user_id, members, self._now()))

    async def remove_member(self, user_id: str, conversation_id: str, member_id: str) -> None:
        """Removing oneself is leaving."""
        roles = await self._roles(conversation_id, user_id)
        rules.require_removal(roles.kind, roles.members, user_id, member_id)
        await self._submit(RemoveMember(conversation_id, user_id, member_id, self._now()))

    async def rename_group(self, user_id: str, conversation_id: str, title: str) -> None:
        roles = await self._roles(conversation_id, user_id)
        rules.require_admin(roles.kind, roles.members, user_id)
        validate_title(title)
        await self._submit(RenameGroup(conversation_id, user_id, title, self._now()))

    async def mark(self, user_id: str, conversation_id: str, kind: str, up_to_seq: int) -> None:
        """Reports a delivered or read watermark (``kind``: "delivered" or "read")."""
        await self._require_member(conversation_id, user_id)
        receipt = RECEIPT_COMMANDS[kind]
        await self._submit(receipt(conversation_id, user_id, up_to_seq, self._now()))

    async def send(
        self,
        user_id: str,
        conversation_id: str,
        client_msg_id: str,
        body: str,
        attachments: tuple[Attachment, ...] = (),
        reply_to: int | None = None,
    ) -> int:
        """Returns the message id; the same one for a resend. ``attachments``
        are media the sender uploaded (checked by the media service);
        ``reply_to``: the seq of the message it answers (the processor checks it)."""
        at = self._clock()
        fresh_id = self._ids.next_id(int(at.timestamp() * 1000))
        claim = f"{conversation_id}|{client_msg_id}"
        admitted = await self._admission.admit(
            user_id, claim, fresh_id, self._limits.send_bucket, at
        )
        if admitted.retry_after > 0:
            raise RateLimited(admitted.retry_after)
        validate_message(client_msg_id, body, len(attachments))
        await self._require_member(conversation_id, user_id, self._senders)
        message_id = admitted.message_id
        # A resend is published again (the first may not have reached the log);
        # the processor keeps only one message per client_msg_id.
        command = SendMessage(
            conversation_id,
            user_id,
            client_msg_id,
            message_id,
            body,
            at.isoformat(),
            attachments,
            reply_to,
        )
        await self._submit(command)
        if admitted.confirmed or self._kept is None:
            return message_id
        return await self._kept.kept_id(
            user_id, conversation_id, client_msg_id, message_id, admitted.in_flight
        )

    async def _require_member(
        self, conversation_id: str, user_id: str, membership: MembershipReader | None = None
    ) -> None:
        reader = membership or self._membership
        if not is_storable_text(conversation_id) or not await reader.is_member(
            conversation_id, user_id
        ):
            raise NotAMember("no such conversation")

    async def _roles(self, conversation_id: str, user_id: str) -> Roles:
        found = await self._membership.roles(conversation_id, user_id)
        if found is None:
            raise NotAMember("no such conversation")
        return found

    async def _require_users(self, user_ids: Iterable[str]) -> None:
        for user_id in user_ids:
            if await self._users.user_by_id(user_id) is None:
                raise UserNotFound(f"no such user: {user_id[:64]}")

    async def _require_reachable(self, user_id: str, others: Sequence[str]) -> None:
        """Someone who blocked the user is, to it, no such user (PROTOCOL.md:
        no direct conversation, no adding to a group)."""
        blockers = await self._blocks.blockers_of(user_id, others)
        for other in others:
            if other in blockers:
                raise unknown_user(other)

    async def _submit(self, command: Command) -> None:
        record = OutgoingRecord(
            key=command.conversation_id,
            value=encode_command(command, self._cipher),
            headers={"command_type": type(command).__name__},
        )
        await self._publisher.publish(record)

    def _now(self) -> str:
        return self._clock().isoformat()
