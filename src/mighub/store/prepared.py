"""The hot path's statements, compiled once and run on the driver's own cursor.

A notification costs four statements. Run through SQLAlchemy's execution layer
each took about 100 µs of Python, twenty times what the database itself
spends; compiled once per dialect (from the same Core statements as everything
else, so the SQL is still written once) and handed straight to the DB-API
cursor they cost a few µs. Only plain values go through here: no type
conversion is applied to parameters or results.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection
from sqlalchemy.sql import ClauseElement


class Prepared:
    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._compiled: dict[str, tuple[str, tuple[str, ...] | None, dict[str, Any]]] = {}

    def _for(self, conn: Connection) -> tuple[str, tuple[str, ...] | None, dict[str, Any]]:
        name = conn.dialect.name
        found = self._compiled.get(name)
        if found is None:
            compiled = self.statement.compile(dialect=conn.dialect)
            order = tuple(compiled.positiontup) if conn.dialect.positional and compiled.positiontup else None
            # Binds the statement fixes itself (a LIMIT, say) keep their values.
            fixed = {key: value for key, value in compiled.params.items() if value is not None}
            found = self._compiled[name] = (compiled.string, order, fixed)
        return found

    def execute(self, conn: Connection, cursor: Any, params: dict[str, Any]) -> Any:
        sql, order, fixed = self._for(conn)
        values = {**fixed, **params} if fixed else params
        cursor.execute(sql, tuple(values[key] for key in order) if order is not None else values)
        return cursor
