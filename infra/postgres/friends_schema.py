"""The friends projection's tables (written by ``chatapp friends``, read by
the edge and the presence projector), and the prefix index on handles that
the user directory's search uses. Per-user tables lead with the user id
(their distribution column, as the notifier's); ``direct_chats`` leads with
the conversation id."""

from __future__ import annotations

from typing import LiteralString

FRIENDS_TABLES: tuple[LiteralString, ...] = (
    # The adjacency list (the seed's friends(fromId, toId, lastChatTime)):
    # one row per direction, so a user's friends are one index range.
    """CREATE TABLE IF NOT EXISTS {s}.friendships (
        user_id text NOT NULL,
        friend_id text NOT NULL,
        since timestamptz NOT NULL,
        conversation_id text,
        last_chat_at timestamptz,
        PRIMARY KEY (user_id, friend_id)
    )""",
    """CREATE INDEX IF NOT EXISTS friendships_conversation
        ON {s}.friendships (conversation_id) WHERE conversation_id IS NOT NULL""",
    """CREATE TABLE IF NOT EXISTS {s}.friend_requests (
        from_id text NOT NULL,
        to_id text NOT NULL,
        requested_at timestamptz NOT NULL,
        PRIMARY KEY (from_id, to_id)
    )""",
    "CREATE INDEX IF NOT EXISTS friend_requests_to ON {s}.friend_requests (to_id, from_id)",
    """CREATE TABLE IF NOT EXISTS {s}.blocks (
        blocker_id text NOT NULL,
        blocked_id text NOT NULL,
        blocked_at timestamptz NOT NULL,
        PRIMARY KEY (blocker_id, blocked_id)
    )""",
    "CREATE INDEX IF NOT EXISTS blocks_blocked ON {s}.blocks (blocked_id, blocker_id)",
    # Every direct conversation and its last message, friends or not, so a
    # friendship made after chatting starts with its last_chat_at.
    """CREATE TABLE IF NOT EXISTS {s}.direct_chats (
        conversation_id text PRIMARY KEY,
        user_a text NOT NULL,
        user_b text NOT NULL,
        last_chat_at timestamptz
    )""",
    """CREATE TABLE IF NOT EXISTS {s}.friends_tracking (
        application_name text PRIMARY KEY,
        notification_id bigint
    )""",
    # Handle prefixes (search): byte-wise order whatever the database's
    # collation (C.UTF-8 here would not serve LIKE 'ab%' from a plain index).
    "CREATE INDEX IF NOT EXISTS users_handle_prefix ON {s}.users (handle text_pattern_ops)",
)
