"""The friends projection: each event is one view call, then ``friend``
pushes to the users whose relation changed (held by the loop until the view
committed). A block is told to the blocked user only as what it ended (a
friendship or a request: ``none``), never as a block."""

from __future__ import annotations

from datetime import datetime
from functools import singledispatchmethod
from typing import Any

from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection

from domain import relationship_events as events
from domain.conversation import Conversation
from domain.membership_rules import DIRECT
from domain.relationship import FRIENDS, INCOMING, NONE, OUTGOING
from projections.frames import friend_frame
from projections.friends_ports import FriendsView
from projections.ports import Fanout, Push


class FriendsProjection(Projection[Any]):
    name = "friends"

    def __init__(self, view: FriendsView, fanout: Fanout) -> None:
        super().__init__(view)
        self.friends_view = view
        self.fanout = fanout

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.friends_view.skip(tracking)

    @process_event.register
    def _(self, domain_event: Conversation.Started, tracking: Tracking) -> None:
        if domain_event.kind != DIRECT:
            self.friends_view.skip(tracking)
            return
        conversation_id = str(domain_event.originator_id)
        self.friends_view.direct_started(conversation_id, list(domain_event.members), tracking)

    @process_event.register
    def _(self, domain_event: Conversation.MessagePosted, tracking: Tracking) -> None:
        sent_at = datetime.fromisoformat(domain_event.sent_at)
        self.friends_view.chatted(str(domain_event.originator_id), sent_at, tracking)

    @process_event.register
    def _(self, domain_event: events.FriendRequested, tracking: Tracking) -> None:
        user, other = domain_event.user_id, domain_event.other_id
        self.friends_view.friend_requested(user, other, domain_event.timestamp, tracking)
        self._tell(user, other, OUTGOING)
        self._tell(other, user, INCOMING)

    @process_event.register
    def _(self, domain_event: events.FriendRequestAccepted, tracking: Tracking) -> None:
        user, other = domain_event.user_id, domain_event.other_id
        self.friends_view.friends_made(user, other, domain_event.timestamp, tracking)
        self._tell_both(user, other, FRIENDS)

    @process_event.register
    def _(self, domain_event: events.FriendRequestDeclined, tracking: Tracking) -> None:
        self._request_dropped(domain_event, tracking)

    @process_event.register
    def _(self, domain_event: events.FriendRequestCancelled, tracking: Tracking) -> None:
        self._request_dropped(domain_event, tracking)

    @process_event.register
    def _(self, domain_event: events.FriendRemoved, tracking: Tracking) -> None:
        user, other = domain_event.user_id, domain_event.other_id
        self.friends_view.friendship_ended(user, other, tracking)
        self._tell_both(user, other, NONE)

    @process_event.register
    def _(self, domain_event: events.UserBlocked, tracking: Tracking) -> None:
        user, other = domain_event.user_id, domain_event.other_id
        self.friends_view.user_blocked(user, other, domain_event.timestamp, tracking)
        self._tell(user, other, NONE, blocked=True)
        if domain_event.ended is not None:
            self._tell(other, user, NONE)

    @process_event.register
    def _(self, domain_event: events.UserUnblocked, tracking: Tracking) -> None:
        user, other = domain_event.user_id, domain_event.other_id
        self.friends_view.user_unblocked(user, other, tracking)
        self._tell(user, other, NONE)

    def _request_dropped(self, event: events.RelationshipEvent, tracking: Tracking) -> None:
        self.friends_view.request_dropped(event.user_id, event.other_id, tracking)
        self._tell_both(event.user_id, event.other_id, NONE)

    def _tell_both(self, user_id: str, other_id: str, state: str) -> None:
        self._tell(user_id, other_id, state)
        self._tell(other_id, user_id, state)

    def _tell(self, recipient: str, about: str, state: str, blocked: bool = False) -> None:
        self.fanout.publish(Push((recipient,), friend_frame(about, state, blocked)))
