"""Who may do what in a conversation: the rules the Conversation aggregate
enforces, said once. The edge checks the same rules against the read model
before a command goes on the log (the aggregate then decides for good)."""

from __future__ import annotations

from collections.abc import Mapping

from domain.errors import InvalidCommand, NotAllowed, NotAMember

DIRECT = "direct"
GROUP = "group"
ADMIN = "admin"
MEMBER = "member"
DEFAULT_MAX_GROUP_SIZE = 1000

Roles = Mapping[str, str]  # user id -> role


def require_two_users(user_id: str, peer_id: str) -> None:
    if user_id == peer_id:
        raise InvalidCommand("a direct conversation needs two different users")


def require_member(members: Roles, user_id: str) -> None:
    if user_id not in members:
        raise NotAMember("no such conversation")


def require_group(kind: str) -> None:
    if kind != GROUP:
        raise NotAllowed("a direct conversation has no membership changes")


def require_admin(kind: str, members: Roles, actor: str) -> None:
    """Adding, removing others and renaming: an admin of a group."""
    require_member(members, actor)
    require_group(kind)
    if members[actor] != ADMIN:
        raise NotAllowed("only an admin of the group can do that")


def require_can_leave(kind: str, members: Roles, actor: str) -> None:
    require_member(members, actor)
    require_group(kind)


def require_removal(kind: str, members: Roles, actor: str, user_id: str) -> None:
    """Removing oneself is leaving; removing another takes an admin."""
    if actor == user_id:
        require_can_leave(kind, members, actor)
    else:
        require_admin(kind, members, actor)


def require_room(members: int, max_members: int) -> None:
    if members > max_members:
        raise InvalidCommand(f"a group has at most {max_members} members")
