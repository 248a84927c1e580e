"""Reads whose queryset is built and compiled once per process, then run with new parameter values.

A page repeats the same small reads on every request: an engagement's KPI snapshots, its consultants, its
SLA targets. Building such a queryset (a chain of clones and lookups) and compiling it to SQL costs the
ORM several times the index probe it runs. A `PreparedRead` keeps the ORM's spelling and its type
conversions (dates and decimals from SQLite, for instance) but pays for both only once per database:

    KPI_MONTHS = PreparedRead(
        lambda engagement_id: KpiSnapshot.objects.filter(engagement_id=engagement_id)
        .order_by("-period_start").values("kpi", "value")[:36],
        engagement_id=int,
    )
    rows = KPI_MONTHS(engagement_id=7)  # [{"kpi": ..., "value": ...}], as the queryset's .values() gives

The queryset is built once with a stand-in value for each parameter; the compiled statement is kept with
the positions of those stand-ins among its parameters, and each call puts its own values there. Only
`.values()` querysets whose parameters are plain equality values (ids, codes) fit: a parameter the ORM
writes into the SQL text (a slice bound) or transforms (the wildcards of `__contains`) is refused at the
first call. A permission-scoped queryset's shape depends on who asks: `engagements.selectors.
PreparedScopedRead` keeps one prepared read per access shape.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet
from django.db.models.query import ValuesIterable

# Every prepared read, to forget their statements when a migration may have changed what they compile to
# (a test flush recreates auth permissions with new ids, which permission-scoped statements carry).
_ALL: weakref.WeakSet[PreparedRead] = weakref.WeakSet()


def forget_prepared_reads(**kwargs) -> None:
    """Compile every prepared read again at its next call (connected to `post_migrate`)."""
    for read in list(_ALL):
        read._compiled.clear()


# Stand-ins nobody's data holds: ints past any id here, strings no code or id is spelled as.
_INT_BASE = 9_007_199_254_740_000
_STR_MARK = "\x00kpo-prepared-{}\x00"


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple  # the constants of the statement, with the slot names where a call's values go
    slots: frozenset[int]
    names: tuple[str, ...]
    width: int | None  # the selected columns, where ordering added more to the row
    converters: tuple[tuple[int, tuple, Any], ...]  # (column, converter functions, expression)


class PreparedRead:
    def __init__(self, build: Callable[..., QuerySet], *, optional: tuple[str, ...] = (), **parameters: type):
        """`parameters` names each value a call gives and its type; those named in `optional` may be left
        out of the statement (a shape of the queryset that does not need them)."""
        for name, kind in parameters.items():
            if kind not in (int, str):
                raise TypeError(f"PreparedRead parameter {name!r}: only int and str values can be prepared")
        self._build = build
        self._parameters = parameters
        self._optional = frozenset(optional)
        self._compiled: dict[tuple[str, str], _Compiled] = {}
        self._lock = threading.Lock()
        _ALL.add(self)

    def __call__(self, *, using: str = DEFAULT_DB_ALIAS, **values) -> list[dict]:
        if values.keys() != self._parameters.keys():
            raise TypeError(f"PreparedRead takes {sorted(self._parameters)}, got {sorted(values)}")
        connection = connections[using]
        compiled = self._compiled.get((using, connection.vendor))
        if compiled is None:
            with self._lock:
                compiled = self._compile(using)
                self._compiled[(using, connection.vendor)] = compiled
        if not compiled.sql:  # a queryset that can match nothing (`.none()`)
            return []
        params = [
            self._parameters[p](values[p]) if i in compiled.slots else p
            for i, p in enumerate(compiled.params)
        ]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        if compiled.width is not None:
            rows = [row[: compiled.width] for row in rows]
        if compiled.converters:  # as the compiler's apply_converters, with this thread's connection
            rows = [list(row) for row in rows]
            for row in rows:
                for column, functions, expression in compiled.converters:
                    value = row[column]
                    for function in functions:
                        value = function(value, expression, connection)
                    row[column] = value
        names = compiled.names
        return [dict(zip(names, row, strict=True)) for row in rows]

    def _compile(self, using: str) -> _Compiled:
        stand_ins = {
            name: _INT_BASE + i if kind is int else _STR_MARK.format(i)
            for i, (name, kind) in enumerate(self._parameters.items())
        }
        by_value = {value: name for name, value in stand_ins.items()}
        queryset = self._build(**stand_ins).using(using)
        if queryset._iterable_class is not ValuesIterable:
            raise TypeError("PreparedRead needs a .values() queryset")
        query = queryset.query
        compiler = query.get_compiler(using=using)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            return _Compiled(sql="", params=(), slots=frozenset(), names=(), width=None, converters=())
        slots, seen = set(), set()
        for i, param in enumerate(params):
            if type(param) in (int, str) and param in by_value:
                slots.add(i)
                seen.add(by_value[param])
        missing = set(stand_ins) - seen - self._optional
        # A stand-in written into the SQL text or into another value (`%...%` of `__contains`) would
        # be read as a constant, whatever the call gives: refused.
        constants = [sql, *(str(p) for i, p in enumerate(params) if i not in slots)]
        if missing or any(str(value) in text for value in stand_ins.values() for text in constants):
            raise ValueError(
                f"PreparedRead: {sorted(missing)} must each be a plain parameter of the statement"
            )
        fields = [select[0] for select in compiler.select[0 : compiler.col_count]]
        return _Compiled(
            sql=sql,
            params=tuple(by_value[p] if i in slots else p for i, p in enumerate(params)),
            slots=frozenset(slots),
            names=tuple(query.selected)
            if getattr(query, "selected", None)
            else (*query.extra_select, *query.values_select, *query.annotation_select),
            width=compiler.col_count if compiler.has_extra_select else None,
            converters=tuple(
                (column, tuple(functions), expression)
                for column, (functions, expression) in compiler.get_converters(fields).items()
            ),
        )
