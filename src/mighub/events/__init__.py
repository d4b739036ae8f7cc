"""What changed: the hub's event log, and what reads it.

Every change the API makes is recorded as an event in the transaction that
makes it (``Transaction.emit``; written at commit by ``append_events``), so
there is no change without its event and no event without its change. Each
event has a *cursor*, its place in the one log of a hub database: cursors are
given out in commit order, so a reader that has seen everything up to cursor N
and asks for what is after N never misses an event and never sees one twice.

- ``kinds``: the event types and what each one's ``data`` holds.
- ``log``: reading the log (pages after a cursor, as a caller may see them) and
  pruning it; its JSON form.
- ``feed``: the live tail, shared by every stream a process serves.
"""
