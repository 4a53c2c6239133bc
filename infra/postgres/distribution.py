"""Where every table of the schema goes on a Citus cluster: distributed by a
column (its shard key) in a colocation group, a reference table (copied to
every node), or a local table (a plain table on the coordinator).

This is the one declaration: tests/integration/test_citus_readiness.py
fails on a table of a fresh schema that is not in it, or whose primary key
or unique constraints lack its distribution column, and docs/scaling.md
carries ``citus_calls`` (a test compares them). Citus itself is not
installed here: nothing calls these functions on a real cluster yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class Distributed:
    """Hash-distributed by ``column``; tables of one ``group`` have their
    shards side by side (same column type, same shard count), so a join or
    a transaction on one key stays on one node."""

    column: str
    group: str


@dataclass(frozen=True)
class Reference:
    """Small or rarely written, joined from any shard: one copy per node."""

    why: str


@dataclass(frozen=True)
class Local:
    """Stays a plain table on the coordinator."""

    why: str


Placement = Distributed | Reference | Local

CONVERSATION: Final = "conversation"
USER: Final = "user"

_TRACKING = Local(
    "one row per Kafka partition; written in the view's transaction, "
    "which Citus commits with two-phase commit across the nodes it touched"
)

PLACEMENTS: Final[dict[str, Placement]] = {
    # Conversations: everything a conversation's history, members and
    # receipts need, on one shard.
    "conversations": Distributed("conversation_id", CONVERSATION),
    "members": Distributed("conversation_id", CONVERSATION),
    "messages": Distributed("conversation_id", CONVERSATION),
    "reactions": Distributed("conversation_id", CONVERSATION),
    "held_conversations": Distributed("conversation_id", CONVERSATION),
    "audit_events": Distributed("conversation_id", CONVERSATION),
    "direct_chats": Distributed("conversation_id", CONVERSATION),
    "notifier_conversations": Distributed("conversation_id", CONVERSATION),
    "notifier_members": Distributed("conversation_id", CONVERSATION),
    # Users: a user's inbox index, friends, requests received, blocks,
    # devices, mutes and notifications, on one shard.
    "friendships": Distributed("user_id", USER),
    "inbox": Distributed("user_id", USER),
    "friend_requests": Distributed("to_id", USER),
    "blocks": Distributed("blocker_id", USER),
    "devices": Distributed("user_id", USER),
    "notification_mutes": Distributed("user_id", USER),
    "notification_decisions": Distributed("user_id", USER),
    # Keys of their own: looked up by nothing else.
    "sessions": Distributed("token_hash", "session"),
    "media": Distributed("media_id", "media"),
    "processor_snapshots": Distributed("conversation_id", "processor_snapshot"),
    # Reference tables.
    "users": Reference(
        "every per-user list joins the other user's row (handle, display name); "
        "written at sign-up only; unique handles need the whole table on one node"
    ),
    "auditors": Reference("a handful of rows, read by every audit query"),
    # Local tables.
    "chat_tracking": _TRACKING,
    "friends_tracking": _TRACKING,
    "notifier_tracking": _TRACKING,
    "audit_tracking": _TRACKING,
    "processor_snapshot_marks": Local("one row per log partition, written by the processors"),
}


def citus_calls(schema: str) -> list[str]:
    """The calls that turn a fresh schema into Citus tables: reference
    tables first, then each colocation group, the first table of a group
    making it and the others joining it."""
    calls = [
        f"SELECT create_reference_table('{schema}.{table}');"
        for table, placement in PLACEMENTS.items()
        if isinstance(placement, Reference)
    ]
    first_of_group: dict[str, str] = {}
    for table, placement in PLACEMENTS.items():
        if not isinstance(placement, Distributed):
            continue
        colocate = first_of_group.setdefault(placement.group, table)
        with_ = "none" if colocate == table else f"{schema}.{colocate}"
        calls.append(
            f"SELECT create_distributed_table('{schema}.{table}', '{placement.column}', "
            f"colocate_with => '{with_}');"
        )
    return calls
