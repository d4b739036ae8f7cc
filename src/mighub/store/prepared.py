"""The hot path's statements, compiled once and run on the driver's own cursor.

A notification costs four statements. Run through SQLAlchemy's execution layer
each took about 100 µs of Python, twenty times what the database itself
spends; compiled once per dialect (from the same Core statements as everything
else, so the SQL is still written once) and handed straight to the DB-API
cursor they cost a few µs. Only plain values go through here: no type
conversion is applied to parameters or results.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import itemgetter
from typing import Any, cast

from sqlalchemy import Connection
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler


class Prepared:
    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._compiled: dict[str, tuple[str, Callable[[dict[str, Any]], Any], dict[str, Any]]] = {}

    def _for(self, conn: Connection) -> tuple[str, Callable[[dict[str, Any]], Any], dict[str, Any]]:
        name = conn.dialect.name
        found = self._compiled.get(name)
        if found is None:
            # A Core statement compiles to an SQLCompiler, the type that carries positiontup.
            compiled = cast(SQLCompiler, self.statement.compile(dialect=conn.dialect))
            arguments: Callable[[dict[str, Any]], Any]
            if conn.dialect.positional and compiled.positiontup:
                order = tuple(compiled.positiontup)
                pick = itemgetter(*order)
                # itemgetter of one key returns the value itself, not a 1-tuple
                arguments = pick if len(order) > 1 else (lambda values: (pick(values),))
            else:
                arguments = _same
            # Binds the statement fixes itself (a LIMIT, say) keep their values.
            fixed = {key: value for key, value in compiled.params.items() if value is not None}
            found = self._compiled[name] = (compiled.string, arguments, fixed)
        return found

    def execute(self, conn: Connection, cursor: Any, params: dict[str, Any]) -> Any:
        sql, arguments, fixed = self._for(conn)
        cursor.execute(sql, arguments({**fixed, **params} if fixed else params))
        return cursor

    def executemany(self, conn: Connection, cursor: Any, rows: list[dict[str, Any]]) -> Any:
        sql, arguments, fixed = self._for(conn)
        cursor.executemany(sql, [arguments({**fixed, **row} if fixed else row) for row in rows])
        return cursor


def _same(values: dict[str, Any]) -> dict[str, Any]:
    return values
