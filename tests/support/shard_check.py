"""How a statement would run on Citus, judged from its parse tree (pglast,
PostgreSQL's own parser) and infra.postgres.distribution's placements.

The rules are Citus's planning rules, simplified and on the strict side:

- A *unit* is what Citus must run as one distributed query: a statement
  with its joins, its LATERAL and derived subqueries, and the subqueries
  that refer to it (correlated). A CTE or an uncorrelated subquery is a
  unit of its own (Citus plans it first and ships its result).
- Equalities that every row must satisfy (``a = b`` in ANDed WHERE/ON
  conditions, INSERT columns and their values) make classes of columns and
  parameters, transitively, through subquery outputs.
- A unit is ``router`` (one shard) when every distributed table in it has
  its distribution column in one class holding a parameter or constant;
  ``pruned`` (the shards of a list of keys) when the class holds an array
  parameter, an IN list or an ``unnest``; ``multi-shard`` (every shard,
  each answering its part with no data moved) when the distribution columns
  are in one class with no value; ``cross-shard`` when distributed tables
  are not all joined on their distribution columns in one colocation group,
  or a local table is joined with a distributed one.

Limits: an equality under OR, a row comparison ``(a, b) IN (...)`` or an
expression binds nothing (Citus may prune some of those; here they count
as unbound, so a verdict is never better than Citus's); set operations and
window functions are judged like joins; what Citus would refuse for other
reasons (some DDL, some modifying CTEs) is not looked at.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from pglast import ast, enums, parse_sql

from infra.postgres.distribution import Distributed, Local, Placement

ORDER = ("router", "pruned", "multi-shard", "cross-shard")
_PARAM = re.compile(r"%\((\w+)\)s")

Key = tuple[str, ...]


def positional(text: str) -> str:
    """psycopg's ``%(name)s`` placeholders as ``$n``, one number per name."""
    numbers: dict[str, int] = {}

    def number(match: re.Match[str]) -> str:
        return f"${numbers.setdefault(match.group(1), len(numbers) + 1)}"

    return _PARAM.sub(number, text).replace("%%", "%")


def verdict(text: str, placements: Mapping[str, Placement], columns: Mapping[str, set[str]]) -> str:
    """The worst verdict over the units of the one statement in ``text``."""
    (raw,) = parse_sql(positional(text))
    analysis = _Analysis(placements, columns)
    analysis.statement(raw.stmt, None, analysis.new_unit())
    return max(analysis.verdicts(), key=ORDER.index)


@dataclass
class _Table:
    instance: int
    name: str


@dataclass
class _Derived:
    """A subquery, CTE or function in FROM: its output columns by name and
    in order (an unnamed expression has no name)."""

    ordered: list[tuple[str | None, Key | None]]

    @property
    def outputs(self) -> dict[str, Key | None]:
        return {name: key for name, key in self.ordered if name is not None}


@dataclass
class _Scope:
    parent: _Scope | None
    unit: int
    names: dict[str, _Table | _Derived] = field(default_factory=dict)
    ctes: dict[str, _Derived] = field(default_factory=dict)
    # Set when a name was found above this scope's boundary (correlation).
    boundary: _Scope | None = None
    reached_out: bool = False


class _Analysis:
    def __init__(self, placements: Mapping[str, Placement], columns: Mapping[str, set[str]]):
        self._placements = placements
        self._columns = columns
        self._parent: dict[Key, Key] = {}
        self._unit_parent: dict[int, int] = {}
        self._instances: list[tuple[int, str, int]] = []  # (instance, table, unit)
        self._counter = itertools.count()

    # -- classes of columns and values, and units --------------------------
    def find(self, key: Key) -> Key:
        while self._parent.setdefault(key, key) != key:
            key = self._parent[key]
        return key

    def union(self, a: Key | None, b: Key | None) -> None:
        if a is not None and b is not None:
            self._parent[self.find(a)] = self.find(b)

    def new_unit(self) -> int:
        unit = next(self._counter)
        self._unit_parent[unit] = unit
        return unit

    def unit_of(self, unit: int) -> int:
        while self._unit_parent[unit] != unit:
            unit = self._unit_parent[unit]
        return unit

    def merge_units(self, a: int, b: int) -> None:
        self._unit_parent[self.unit_of(a)] = self.unit_of(b)

    def _holds_value(self, key: Key) -> bool:
        """Is ``key`` equal to a parameter or constant (one shard)?"""
        root = self.find(key)
        return any(k[0] == "value" and self.find(k) == root for k in list(self._parent))

    def fresh(self, kind: str) -> Key:
        return (kind, str(next(self._counter)))

    # -- statements ---------------------------------------------------------
    def statement(self, node: Any, parent: _Scope | None, unit: int) -> _Derived:
        scope = _Scope(parent, unit)
        self._ctes(getattr(node, "withClause", None), scope)
        if _is(node, "SelectStmt"):
            return self._select(node, scope)
        if _is(node, "InsertStmt"):
            return self._insert(node, scope)
        if _is(node, "UpdateStmt", "DeleteStmt"):
            return self._modify(node, scope)
        raise ValueError(f"not judged: {type(node).__name__}")

    def _ctes(self, clause: Any, scope: _Scope) -> None:
        for cte in clause.ctes if clause else ():
            # A CTE sees the ones before it (and nothing of the statement's FROM,
            # which is added after).
            outputs = self.statement(cte.ctequery, scope, self.new_unit())
            if cte.aliascolnames:
                renamed = [name.sval for name in cte.aliascolnames]
                keys = [key for _, key in outputs.ordered]
                outputs = _Derived(list(zip(renamed, keys, strict=False)))
            scope.ctes[cte.ctename] = outputs

    def _select(self, node: Any, scope: _Scope) -> _Derived:
        if node.larg is not None and node.rarg is not None:
            left = self.statement(node.larg, scope, scope.unit)
            self.statement(node.rarg, scope, scope.unit)
            return left
        for rows in node.valuesLists or ():
            for value in rows:
                self._expression(value, scope)
        for item in node.fromClause or ():
            self._from_item(item, scope)
        for clause in (node.whereClause, node.havingClause):
            self._condition(clause, scope)
        for target in node.targetList or ():
            self._expression(target.val, scope)
        return _Derived(self._outputs(node.targetList, scope))

    def _insert(self, node: Any, scope: _Scope) -> _Derived:
        target = self._add_table(node.relation, scope)
        names = [column.name for column in node.cols or ()]
        source = node.selectStmt
        if source is not None and source.valuesLists and len(source.valuesLists) == 1:
            for name, value in zip(names, source.valuesLists[0], strict=False):
                self._expression(value, scope)
                self.union(self._column_key(target, name), self._term(value, scope))
        elif source is not None and source.valuesLists:
            for name in names:
                self.union(self._column_key(target, name), self.fresh("list"))
        elif source is not None:
            # INSERT ... SELECT: Citus routes each row to its shard by value;
            # the SELECT is a query of its own.
            outputs = self.statement(source, scope, self.new_unit()).ordered
            for name, (_, value) in zip(names, outputs, strict=False):
                bound = value is not None and self._holds_value(value)
                self.union(self._column_key(target, name), value if bound else self.fresh("list"))
        return _Derived(self._outputs(_returning(node), scope))

    def _modify(self, node: Any, scope: _Scope) -> _Derived:
        self._add_table(node.relation, scope)
        extra = node.fromClause if _is(node, "UpdateStmt") else node.usingClause
        for item in extra or ():
            self._from_item(item, scope)
        self._condition(node.whereClause, scope)
        for target in getattr(node, "targetList", None) or ():
            self._expression(target.val, scope)
        return _Derived(self._outputs(_returning(node), scope))

    # -- FROM ---------------------------------------------------------------
    def _from_item(self, item: Any, scope: _Scope) -> None:
        if _is(item, "RangeVar"):
            self._add_table(item, scope)
        elif _is(item, "JoinExpr"):
            self._from_item(item.larg, scope)
            self._from_item(item.rarg, scope)
            self._condition(item.quals, scope)
        elif _is(item, "RangeSubselect"):
            parent = scope if item.lateral else scope.parent
            outputs = self.statement(item.subquery, parent, scope.unit)
            scope.names[item.alias.aliasname] = outputs
        elif _is(item, "RangeFunction"):
            for function in item.functions:
                self._expression(function[0], scope)
            # A set-returning function's rows are known at run time only:
            # joining a table on them prunes nothing (Citus ships them to
            # every shard), so its columns bind nothing.
            arguments = sum(len(function[0].args or ()) for function in item.functions)
            names: list[str | None] = [None] * arguments
            if item.alias and item.alias.colnames:
                names = [name.sval for name in item.alias.colnames]
            alias = item.alias.aliasname if item.alias else f"f{next(self._counter)}"
            scope.names[alias] = _Derived([(name, self.fresh("rows")) for name in names])
        else:
            raise ValueError(f"not judged: {type(item).__name__} in FROM")

    def _add_table(self, relation: Any, scope: _Scope) -> _Table:
        alias = relation.alias.aliasname if relation.alias else relation.relname
        cte = _cte(scope, relation.relname) if relation.schemaname is None else None
        if cte is not None:
            scope.names[alias] = cte
            return _Table(-1, relation.relname)
        if relation.relname not in self._placements:
            raise ValueError(f"table {relation.relname} has no placement")
        table = _Table(next(self._counter), relation.relname)
        self._instances.append((table.instance, table.name, scope.unit))
        scope.names[alias] = table
        return table

    # -- expressions -------------------------------------------------------
    def _condition(self, node: Any, scope: _Scope) -> None:
        """Binds what every row satisfies; walks the rest for subqueries."""
        if node is None:
            return
        self._expression(node, scope)
        for conjunct in _conjuncts(node):
            if not _is(conjunct, "A_Expr") or conjunct.name[-1].sval != "=":
                continue
            kind = conjunct.kind
            left = self._term(conjunct.lexpr, scope)
            if kind == enums.A_Expr_Kind.AEXPR_OP:
                self.union(left, self._term(conjunct.rexpr, scope))
            elif kind == enums.A_Expr_Kind.AEXPR_OP_ANY or (
                kind == enums.A_Expr_Kind.AEXPR_IN and _all_values(conjunct.rexpr)
            ):
                self.union(left, self.fresh("list"))

    def _expression(self, node: Any, scope: _Scope) -> None:
        """Every subquery inside ``node``: its own unit unless correlated."""
        for sublink in _sublinks(node):
            inner = _Scope(scope, self.new_unit())
            inner.boundary = inner
            self._expression(sublink.testexpr, scope)
            self._ctes(getattr(sublink.subselect, "withClause", None), inner)
            self._select(sublink.subselect, inner)
            if inner.reached_out:
                self.merge_units(inner.unit, scope.unit)

    def _term(self, node: Any, scope: _Scope) -> Key | None:
        if _is(node, "TypeCast"):
            return self._term(node.arg, scope)
        if _is(node, "ParamRef"):
            return ("value", f"${node.number}")
        if _is(node, "A_Const"):
            return self.fresh("value")  # each constant alone: equal literals join nothing
        if _is(node, "ColumnRef"):
            return self._resolve(node, scope)
        return None

    def _resolve(self, node: Any, scope: _Scope) -> Key | None:
        fields = [part.sval for part in node.fields if _is(part, "String")]
        if len(fields) != len(node.fields):
            return None  # alias.*
        column = fields[-1]
        alias = fields[-2] if len(fields) >= 2 else None
        here: _Scope | None = scope
        crossed = False
        while here is not None:
            found = self._lookup(here, alias, column)
            if found is not None:
                if crossed:
                    _mark_reached(scope, here)
                return found[1]
            crossed = crossed or here.boundary is here
            here = here.parent
        return None

    def _lookup(
        self, scope: _Scope, alias: str | None, column: str
    ) -> tuple[bool, Key | None] | None:
        candidates = [scope.names[alias]] if alias in scope.names else []
        if alias is None:
            candidates = [
                source
                for source in scope.names.values()
                if (isinstance(source, _Table) and column in self._columns.get(source.name, ()))
                or (isinstance(source, _Derived) and column in source.outputs)
            ]
        for source in candidates:
            if isinstance(source, _Table):
                return True, self._column_key(source, column)
            return True, source.outputs.get(column)
        return None

    def _column_key(self, table: _Table, column: str) -> Key | None:
        return None if table.instance < 0 else ("column", str(table.instance), column)

    def _outputs(self, targets: Any, scope: _Scope) -> list[tuple[str | None, Key | None]]:
        outputs: list[tuple[str | None, Key | None]] = []
        for target in targets or ():
            if _is(target.val, "ColumnRef") and isinstance(target.val.fields[-1], ast.A_Star):
                outputs.extend(_star(scope, target.val))
                continue
            name = target.name
            if name is None and _is(target.val, "ColumnRef"):
                last = target.val.fields[-1]
                name = last.sval if _is(last, "String") else None
            outputs.append((name, self._term(target.val, scope)))
        return outputs

    # -- verdicts -----------------------------------------------------------
    def verdicts(self) -> Iterator[str]:
        units: dict[int, list[tuple[int, str]]] = {}
        for instance, table, unit in self._instances:
            units.setdefault(self.unit_of(unit), []).append((instance, table))
        for members in units.values():
            yield self._unit_verdict(members)

    def _unit_verdict(self, members: list[tuple[int, str]]) -> str:
        placed = [(instance, self._placements[table]) for instance, table in members]
        distributed = [(i, p) for i, p in placed if isinstance(p, Distributed)]
        if not distributed:
            return "router"
        if any(isinstance(p, Local) for _, p in placed):
            return "cross-shard"
        groups = {p.group for _, p in distributed}
        classes = {self.find(("column", str(i), p.column)) for i, p in distributed}
        if len(groups) > 1 or len(classes) > 1:
            return "cross-shard"
        (root,) = classes
        bound = [key for key in self._parent if self.find(key) == root]
        if any(key[0] == "value" for key in bound):
            return "router"
        if any(key[0] == "list" for key in bound):
            return "pruned"
        return "multi-shard"


def _is(node: Any, *kinds: str) -> bool:
    """By class name, so that mypy keeps ``Any`` (pglast's optional fields)."""
    return type(node).__name__ in kinds


def _star(scope: _Scope, node: Any) -> list[tuple[str | None, Key | None]]:
    """``*`` or ``alias.*`` over the subqueries and functions in scope (a
    table's columns have no order here: they are left out)."""
    alias = node.fields[0].sval if len(node.fields) == 2 else None
    sources = [source for name, source in scope.names.items() if alias in (None, name)]
    return [pair for source in sources if isinstance(source, _Derived) for pair in source.ordered]


def _returning(node: Any) -> Any:
    clause = node.returningClause
    return clause.exprs if clause is not None else ()


def _cte(scope: _Scope, name: str) -> _Derived | None:
    """The CTE ``name`` visible from ``scope``, if any."""
    here: _Scope | None = scope
    while here is not None:
        found = here.ctes.get(name)
        if found is not None:
            return found
        here = here.parent
    return None


def _mark_reached(scope: _Scope, found_in: _Scope) -> None:
    """Every subquery boundary between ``scope`` and ``found_in`` is correlated."""
    here: _Scope | None = scope
    while here is not None and here is not found_in:
        if here.boundary is here:
            here.reached_out = True
        here = here.parent


def _conjuncts(node: Any) -> Iterator[Any]:
    if _is(node, "BoolExpr"):
        if node.boolop == enums.BoolExprType.AND_EXPR:
            for argument in node.args:
                yield from _conjuncts(argument)
        return
    yield node


def _all_values(items: Any) -> bool:
    return isinstance(items, tuple) and all(
        _is(item, "ParamRef", "A_Const", "TypeCast") for item in items
    )


def _sublinks(node: Any) -> Iterator[Any]:
    """The outermost subqueries inside an expression tree."""
    if _is(node, "SubLink"):
        yield node
    elif isinstance(node, ast.Node):
        for name in getattr(type(node), "__slots__", ()):
            yield from _sublinks(getattr(node, name))
    elif isinstance(node, tuple | list):
        for item in node:
            yield from _sublinks(item)
