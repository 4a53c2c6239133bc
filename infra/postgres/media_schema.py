"""The media tables: metadata of every upload (the bytes are in the blob
store), and the tus uploads in progress."""

from __future__ import annotations

from typing import LiteralString

MEDIA_TABLES: tuple[LiteralString, ...] = (
    """CREATE TABLE IF NOT EXISTS {s}.media (
        media_id text PRIMARY KEY,
        uploader_id text NOT NULL,
        kind text NOT NULL,
        content_type text NOT NULL,
        size bigint NOT NULL,
        sha256 text NOT NULL,
        width integer,
        height integer,
        duration_ms bigint,
        thumbnail_sha256 text,
        uploaded_at timestamptz NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS media_uploader ON {s}.media (uploader_id, uploaded_at)",
)

# A message's attachments (media objects, from its MessagePosted v2 event),
# added to an older messages table only where missing (create_schema).
MEDIA_COLUMNS: tuple[tuple[str, str, LiteralString], ...] = (
    ("messages", "attachments", "jsonb NOT NULL DEFAULT '[]'::jsonb"),
)

# Who may fetch a media: members of a conversation with a message carrying it.
MEDIA_INDEXES: tuple[LiteralString, ...] = (
    """CREATE INDEX IF NOT EXISTS messages_media ON {s}.messages
        USING gin (attachments jsonb_path_ops) WHERE attachments <> '[]'::jsonb""",
)
