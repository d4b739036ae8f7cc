"""Moving a hub between databases: a JSON-lines export of everything, and its import.

The file names every record by its natural key (account id, stream name, task
name), never by a database id, so it loads into any engine and any database.
Layout: a header line, then accounts, home-region controls, application states
and streams, then tasks in pages of ``PAGE`` (by account, stream, name), each
page followed by its tasks' history, resource attributes, created artifacts,
discovered and source resources. Every section has a fixed order, so one hub
exports to the same bytes from SQLite or PostgreSQL (given a bytewise collation,
such as PostgreSQL's C or C.UTF-8), and an export of an import is the original.

Memory stays bounded whatever the hub's size: export reads in keyset pages and
server-side cursors; import inserts in batches and resolves natural keys back to
ids with one query per batch and a small cache.
"""

from __future__ import annotations

from .databases import reading, writing
from .export import count_records, encode, export_records
from .importing import ImportResult, import_records
from .moves import copy
from .records import FORMAT, KINDS, VERSION, PortableError, describe_counts, header, parse_lines

PAGE = 500  # tasks per export page: their children are fetched with one IN list
BATCH = 1000  # records per INSERT on import
_CACHE = 10_000  # resolved natural keys kept on import before the cache is dropped
# The modules read these three through the package each time they use them, so
# setting them here takes effect (the tests shrink them).

__all__ = [
    "BATCH",
    "FORMAT",
    "KINDS",
    "PAGE",
    "VERSION",
    "ImportResult",
    "PortableError",
    "copy",
    "count_records",
    "describe_counts",
    "encode",
    "export_records",
    "header",
    "import_records",
    "parse_lines",
    "reading",
    "writing",
]
