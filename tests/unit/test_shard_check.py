"""The Citus verdicts of tests/support/shard_check on small statements, so
that the readiness check can fail: each rule once."""

from __future__ import annotations

from infra.postgres.distribution import Distributed, Local, Placement, Reference
from tests.support.shard_check import positional, verdict

PLACEMENTS: dict[str, Placement] = {
    "messages": Distributed("conversation_id", "conversation"),
    "members": Distributed("conversation_id", "conversation"),
    "friendships": Distributed("user_id", "user"),
    "users": Reference("small"),
    "tracking": Local("coordinator"),
}
COLUMNS = {
    "messages": {"conversation_id", "seq", "sender_id"},
    "members": {"conversation_id", "user_id"},
    "friendships": {"user_id", "friend_id"},
    "users": {"user_id", "handle"},
    "tracking": {"name", "position"},
}


def judged(text: str) -> str:
    return verdict(text, PLACEMENTS, COLUMNS)


def test_placeholders_become_one_number_per_name() -> None:
    assert positional("a = %(x)s AND b = %(y)s AND c = %(x)s") == "a = $1 AND b = $2 AND c = $1"


def test_a_join_on_the_distribution_column_bound_to_a_parameter_is_a_router_query() -> None:
    assert (
        judged(
            "SELECT * FROM members m JOIN messages x ON x.conversation_id = m.conversation_id "
            "WHERE m.conversation_id = %(c)s"
        )
        == "router"
    )


def test_a_colocated_join_filtered_on_another_column_goes_to_every_shard() -> None:
    assert (
        judged(
            "SELECT * FROM members m JOIN messages x ON x.conversation_id = m.conversation_id "
            "WHERE m.user_id = %(u)s"
        )
        == "multi-shard"
    )


def test_a_join_on_a_column_that_is_not_the_distribution_column_is_cross_shard() -> None:
    assert (
        judged(
            "SELECT * FROM members m JOIN messages x ON x.sender_id = m.user_id "
            "WHERE m.conversation_id = %(c)s"
        )
        == "cross-shard"
    )


def test_tables_of_two_colocation_groups_joined_are_cross_shard() -> None:
    assert (
        judged(
            "SELECT * FROM members m JOIN friendships f ON f.user_id = m.user_id "
            "WHERE f.user_id = %(u)s AND m.conversation_id = %(c)s"
        )
        == "cross-shard"
    )


def test_a_reference_table_joins_any_shard() -> None:
    assert (
        judged(
            "SELECT * FROM friendships f JOIN users u ON u.user_id = f.friend_id "
            "WHERE f.user_id = %(u)s"
        )
        == "router"
    )


def test_a_local_table_joined_with_a_distributed_one_is_cross_shard() -> None:
    assert (
        judged("SELECT * FROM tracking t JOIN messages x ON x.seq = t.position WHERE x.seq = 1")
        == "cross-shard"
    )


def test_an_array_parameter_on_the_distribution_column_prunes_to_its_shards() -> None:
    assert judged("SELECT * FROM messages WHERE conversation_id = ANY(%(ids)s)") == "pruned"


def test_an_equality_under_or_binds_nothing() -> None:
    assert (
        judged("SELECT * FROM messages WHERE conversation_id = %(a)s OR seq = 1") == "multi-shard"
    )


def test_a_correlated_subquery_is_judged_with_its_outer_query() -> None:
    assert (
        judged(
            "SELECT (SELECT count(*) FROM messages x WHERE x.sender_id = m.user_id) "
            "FROM members m WHERE m.conversation_id = %(c)s"
        )
        == "cross-shard"
    )


def test_an_uncorrelated_subquery_is_a_query_of_its_own() -> None:
    assert (
        judged(
            "SELECT (SELECT count(*) FROM friendships WHERE user_id = %(u)s) "
            "FROM members m WHERE m.conversation_id = %(c)s"
        )
        == "router"
    )


def test_a_join_through_a_subquery_output_keeps_its_column() -> None:
    assert (
        judged(
            "SELECT * FROM members m JOIN LATERAL (SELECT x.conversation_id AS cid "
            "FROM messages x WHERE x.conversation_id = m.conversation_id) p ON true "
            "JOIN messages y ON y.conversation_id = p.cid WHERE m.conversation_id = %(c)s"
        )
        == "router"
    )


def test_rows_of_unnest_prune_nothing() -> None:
    assert (
        judged(
            "UPDATE members o SET user_id = r.u FROM unnest(%(cs)s::text[], %(us)s::text[]) "
            "AS r (c, u) WHERE o.conversation_id = r.c"
        )
        == "multi-shard"
    )


def test_an_insert_of_a_selection_bound_to_a_parameter_goes_to_one_shard() -> None:
    assert (
        judged(
            "INSERT INTO members (conversation_id, user_id) "
            "SELECT %(c)s, u FROM unnest(%(us)s::text[]) AS n (u)"
        )
        == "router"
    )


def test_an_insert_of_a_whole_table_goes_to_every_shard_it_reads() -> None:
    assert (
        judged(
            "INSERT INTO members (conversation_id, user_id) "
            "SELECT conversation_id, sender_id FROM messages"
        )
        == "multi-shard"
    )
