"""Domain exceptions: a command that breaks a rule raises one of these."""


class DomainError(Exception):
    """A command broke a rule of the domain."""

    code = "bad_request"


class ConversationNotFound(DomainError):
    """The conversation does not exist, or the actor is not in it."""

    code = "not_found"


class NotAMember(ConversationNotFound):
    """The actor is not a member (reported as not found, never forbidden)."""


class NotAllowed(DomainError):
    """A member without the right, e.g. a non-admin removing someone."""

    code = "forbidden"


class InvalidCommand(DomainError):
    """The command is malformed for this conversation."""

    code = "bad_request"


class MessageTooLarge(InvalidCommand):
    """A message body over the size limit."""

    code = "too_large"


class UserNotFound(DomainError):
    """A user named in a command does not exist (or may not be reached)."""

    code = "not_found"


class Conflict(DomainError):
    """The command contradicts the current state (e.g. befriending a friend)."""

    code = "conflict"


class RelationNotFound(DomainError):
    """No such friend request, friendship or block between the two users."""

    code = "not_found"


class MessageNotFound(ConversationNotFound):
    """The message does not exist, was deleted, or the actor may not change
    it: one answer for all three, so that nobody learns more than they read."""
