from datetime import UTC, datetime
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from domain.conversation import Conversation
from domain.hashchain import ChainLink, chain_payload, first_broken_link

AT = datetime(2026, 1, 1, tzinfo=UTC)
# What the edge lets through: no NUL, no lone surrogates.
BODIES = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"),
    min_size=1,
    max_size=20,
)


def links_of(events: list[Any]) -> list[ChainLink]:
    return [
        ChainLink(
            chain_payload(type(e).__name__, str(e.originator_id), e.originator_version, vars(e)),
            e.prev_hash,
            e.hash,
        )
        for e in events
    ]


def conversation_events(bodies: list[str]) -> list[Any]:
    conversation = Conversation.start_direct("alice", "bob", AT)
    for number, body in enumerate(bodies):
        conversation.post_message("alice", f"c{number}", number + 1, body, AT)
    return list(conversation.collect_events())


@given(st.lists(BODIES, max_size=15))
def test_an_untouched_history_verifies(bodies: list[str]) -> None:
    assert first_broken_link(links_of(conversation_events(bodies))) is None


@given(st.lists(BODIES, min_size=1, max_size=15), st.data())
def test_changing_any_body_breaks_the_chain_at_that_event(
    bodies: list[str], data: st.DataObject
) -> None:
    links = links_of(conversation_events(bodies))
    index = data.draw(st.integers(1, len(links) - 1))
    fields = dict(links[index].payload["fields"])
    fields["body"] = fields["body"] + "!"
    links[index] = ChainLink(
        {**links[index].payload, "fields": fields}, links[index].prev_hash, links[index].hash
    )
    broken = first_broken_link(links)
    assert broken is not None and broken.index == index


@given(st.lists(BODIES, min_size=2, max_size=15), st.data())
def test_removing_any_event_breaks_the_chain(bodies: list[str], data: st.DataObject) -> None:
    links = links_of(conversation_events(bodies))
    index = data.draw(st.integers(0, len(links) - 2))
    del links[index]
    broken = first_broken_link(links)
    assert broken is not None and broken.index == index


def test_swapping_two_events_breaks_the_chain() -> None:
    links = links_of(conversation_events(["a", "b", "c"]))
    links[1], links[2] = links[2], links[1]
    assert first_broken_link(links) is not None
