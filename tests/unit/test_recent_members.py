import asyncio

from commands.recent_members import RecentMembers


class CountingMembership:
    def __init__(self, members: set[tuple[str, str]]) -> None:
        self.members = members
        self.asked = 0

    async def is_member(self, conversation_id: str, user_id: str) -> bool:
        self.asked += 1
        return (conversation_id, user_id) in self.members


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def ask(recent: RecentMembers, conversation_id: str = "c", user_id: str = "u") -> bool:
    return asyncio.run(recent.is_member(conversation_id, user_id))


def test_a_confirmed_member_is_not_asked_about_again_within_the_window() -> None:
    membership, clock = CountingMembership({("c", "u")}), Clock()
    recent = RecentMembers(membership, seconds=5, clock=clock)
    answers = [ask(recent) for _ in range(3)]
    clock.now = 4.9
    answers.append(ask(recent))
    assert answers == [True] * 4 and membership.asked == 1


def test_a_non_member_is_asked_about_every_time() -> None:
    membership = CountingMembership(set())
    recent = RecentMembers(membership, seconds=5, clock=Clock())
    assert [ask(recent) for _ in range(3)] == [False] * 3 and membership.asked == 3


def test_a_member_just_added_is_never_refused_by_an_earlier_answer() -> None:
    membership = CountingMembership(set())
    recent = RecentMembers(membership, seconds=5, clock=Clock())
    first = ask(recent)
    membership.members.add(("c", "u"))
    assert (first, ask(recent)) == (False, True)


def test_a_member_removed_is_refused_once_the_window_has_passed() -> None:
    membership, clock = CountingMembership({("c", "u")}), Clock()
    recent = RecentMembers(membership, seconds=5, clock=clock)
    ask(recent)
    membership.members.clear()
    clock.now = 5.0
    assert ask(recent) is False


def test_zero_seconds_asks_every_time() -> None:
    membership = CountingMembership({("c", "u")})
    recent = RecentMembers(membership, seconds=0, clock=Clock())
    [ask(recent) for _ in range(3)]
    assert membership.asked == 3


def test_the_oldest_confirmation_goes_first_when_full() -> None:
    membership = CountingMembership({("a", "u"), ("b", "u"), ("c", "u")})
    recent = RecentMembers(membership, seconds=5, capacity=2, clock=Clock())
    for conversation in ("a", "b", "c"):
        ask(recent, conversation)
    ask(recent, "c")
    ask(recent, "a")
    assert membership.asked == 4
