"""The NotifyMigrationTaskState benchmark, by phase; ``bench/notify.py`` runs it.

- ``common``: the run's settings, names shared by every part, small HTTP calls;
- ``servers``: starting and stopping the floor, moto and ``mighub serve``;
- ``wrk``: the wrk runner (its Lua scripts are in ``lua/``);
- ``bulk``: filling a store with many tasks through the store's own tables;
- ``disk``: what one durable SQLite commit costs on this disk now;
- ``report``: the shared table rows and verdicts;
- ``part1_reference`` … ``part4_postgres``: the four parts, each one function.
"""
