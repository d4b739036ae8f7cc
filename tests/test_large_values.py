"""The largest values the model allows never get a 500, on either store.

PostgreSQL refuses index entries over ~2.7 KB, which 1,600 four-byte characters
exceed; the hub answers that with a modeled error, and SQLite simply stores them.
"""

from __future__ import annotations

import random
from typing import Any

from botocore.exceptions import ClientError

from e2e_helpers import error_code, uniq

# 1,600 random (so incompressible) four-byte characters: within the model's limit.
LONGEST = "".join(chr(random.Random(1).randint(0x1F300, 0x1FAFF)) for _ in range(1600))


def _stored_or_refused(call: Any) -> str:
    try:
        call()
    except ClientError as exc:
        assert error_code(exc) == "InvalidInputException", exc
        assert exc.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        return "refused"
    return "stored"


def test_longest_keys_are_stored_or_refused_cleanly(mgh: Any) -> None:
    stream = uniq("big")
    mgh.create_progress_update_stream(ProgressUpdateStreamName=stream)
    mgh.import_migration_task(ProgressUpdateStream=stream, MigrationTaskName="t")
    outcomes = [
        _stored_or_refused(lambda: mgh.associate_discovered_resource(
            ProgressUpdateStream=stream, MigrationTaskName="t", DiscoveredResource={"ConfigurationId": LONGEST})),
        _stored_or_refused(lambda: mgh.associate_source_resource(
            ProgressUpdateStream=stream, MigrationTaskName="t", SourceResource={"Name": LONGEST})),
        _stored_or_refused(lambda: mgh.notify_application_state(ApplicationId=LONGEST, Status="IN_PROGRESS")),
    ]
    assert set(outcomes) <= {"stored", "refused"}
    # and the hub carries on
    mgh.associate_discovered_resource(
        ProgressUpdateStream=stream, MigrationTaskName="t", DiscoveredResource={"ConfigurationId": "d-short"})
    found = mgh.list_discovered_resources(ProgressUpdateStream=stream, MigrationTaskName="t")["DiscoveredResourceList"]
    assert {"ConfigurationId": "d-short"} in found
