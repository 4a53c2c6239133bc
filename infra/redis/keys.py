"""Every Redis key and channel name, said once.

The rule: ``<prefix>{<tag>}:<name>``. The part in braces is the hash tag:
Redis Cluster places a key by its tag alone, so the keys that one Lua
script or multi-key command touches share one tag and so one slot. A key
or channel used alone needs no tag (``<prefix><name>``): it hashes whole.

Tags:

- ``{presence:<bucket>}``: a user's presence keys (leases, transition time,
  state) and the bucket's own index of users with leases (what the sweeper
  reads) and the presence projector's offsets. ``bucket`` is
  crc32(user id) mod PRESENCE_BUCKETS, so a lease script touches its user's
  keys and its index in one slot, and the sweeper sweeps bucket by bucket,
  each on the master that holds it.
- ``{user:<id>}``: the send admission of one user (token bucket and claims).
- ``{edges}``: the edge registry of discovery (leases and URLs).

Channels (sharded pub/sub, SSUBSCRIBE/SPUBLISH, one code path on a single
Redis and on a cluster): ``<prefix>user:<id>`` per user, or with per-edge
fan-out ``<prefix>edge:<id>`` per edge, and one control channel that every
edge hears.
"""

from __future__ import annotations

import zlib

PRESENCE_BUCKETS = 256
"""How many presence index buckets (and slots) presence is spread over.
Every process must use the same number: changing it moves users between
buckets, so it is a constant of the key layout, not a setting. 256 spreads
evenly over any number of masters up to about 50 and keeps a sweep at 256
small scripts."""


def presence_bucket(user_id: str) -> int:
    return zlib.crc32(user_id.encode()) % PRESENCE_BUCKETS


def presence_tag(prefix: str, bucket: int) -> str:
    return f"{prefix}{{presence:{bucket}}}:"


def _presence(prefix: str, user_id: str) -> str:
    return presence_tag(prefix, presence_bucket(user_id))


def leases_key(prefix: str, user_id: str) -> str:
    """zset lease id -> expiry (ms); a lease id is ``<edge id>:<socket>``, so
    per-edge fan-out finds here the edges that hold the user's sockets."""
    return f"{_presence(prefix, user_id)}leases:{user_id}"


def transition_key(prefix: str, user_id: str) -> str:
    """The time (ms) of the user's latest online/offline transition."""
    return f"{_presence(prefix, user_id)}transition:{user_id}"


def state_key(prefix: str, user_id: str) -> str:
    """The presence view: hash status, since, since_us."""
    return f"{_presence(prefix, user_id)}state:{user_id}"


def users_index_key(prefix: str, bucket: int) -> str:
    """zset user -> latest lease expiry (ms), of the bucket's users with leases."""
    return f"{presence_tag(prefix, bucket)}users"


def user_index_key(prefix: str, user_id: str) -> str:
    return users_index_key(prefix, presence_bucket(user_id))


def presence_offset_key(prefix: str, bucket: int, partition: int) -> str:
    """The last chat.presence offset of ``partition`` applied to the bucket."""
    return f"{presence_tag(prefix, bucket)}offset:{partition}"


def user_tag(prefix: str, user_id: str) -> str:
    return f"{prefix}{{user:{user_id}}}:"


def send_rate_key(prefix: str, user_id: str) -> str:
    return f"{user_tag(prefix, user_id)}rate:send"


def claim_key(prefix: str, user_id: str, claim: str) -> str:
    return f"{user_tag(prefix, user_id)}claim:{claim}"


def claims_since_key(prefix: str, user_id: str) -> str:
    """When this Redis began keeping the user's claims (send admission)."""
    return f"{user_tag(prefix, user_id)}claims-since"


def edge_leases_key(prefix: str) -> str:
    """Discovery: zset edge id -> lease expiry (ms), beside the URLs (one tag)."""
    return f"{prefix}{{edges}}:leases"


def edge_urls_key(prefix: str) -> str:
    """Discovery: hash edge id -> its public ws_url."""
    return f"{prefix}{{edges}}:urls"


def rate_key(prefix: str, key: str) -> str:
    """A shared token bucket (one key per script call)."""
    return f"{prefix}rate:{key}"


def user_channel(prefix: str, user_id: str) -> str:
    return f"{prefix}user:{user_id}"


def edge_channel(prefix: str, edge_id: str) -> str:
    """Per-edge fan-out (CHAT_FANOUT_MODE=edge): the pushes for an edge's users."""
    return f"{prefix}edge:{edge_id}"


def dropped_channel(prefix: str) -> str:
    """Per-edge fan-out: the users whose pushes a projector dropped (their
    leases could not be read), told to every edge once Redis answers again."""
    return f"{prefix}control:pushes-dropped"


def sessions_channel(prefix: str) -> str:
    """Where ended sessions are announced to every edge."""
    return f"{prefix}control:sessions-ended"
