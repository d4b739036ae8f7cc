"""Moving a hub: ``mighub export``, ``mighub import`` and ``mighub db copy``.

A hub is populated through a real ``mighub serve`` with boto3 and stopped; its
SQLite file is then exported, imported elsewhere (PostgreSQL when
``MIGHUB_TEST_DATABASE_URL`` is set, SQLite always), exported again, and served
again, and what boto3 sees must not have changed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, inspect, select

from e2e_helpers import Databases, MighubServer, list_all_streams, list_all_tasks, list_all_updates
from mighub.cli import data, db
from mighub.store import portable
from mighub.store.dialect import normalize_url
from mighub.store.migrate import head_revision
from mighub.store.schema import streams

POSTGRES_URL = os.environ.get("MIGHUB_TEST_DATABASE_URL")
# 1,600 random (incompressible) four-byte characters.
_RANDOM = random.Random(7)
LONG = "".join(chr(_RANDOM.randint(0x10000, 0x10FFFF)) for _ in range(1600))
NO_POSTGRES = (
    "PostgreSQL part not tested: set MIGHUB_TEST_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/test)"
)


# -- helpers ------------------------------------------------------------------------


def mighub(*argv: str) -> int:
    """The commands in process, as main.py's parser will have them (db, then data)."""
    parser = argparse.ArgumentParser(prog="mighub")
    subparsers = parser.add_subparsers()
    db.add_parser(subparsers)
    data.add_parsers(subparsers)
    args = parser.parse_args(list(argv))
    return int(args.handler(args))


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def export(url: str, out: Path) -> list[str]:
    assert mighub("export", "--database", url, "--output", str(out)) == 0
    return out.read_text(encoding="utf-8").splitlines()


def stream_count(url: str) -> int:
    engine = create_engine(normalize_url(url))
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("streams"):
                return 0  # the import's transaction took the schema with it
            return int(conn.scalar(select(func.count()).select_from(streams)) or 0)
    finally:
        engine.dispose()


def snapshot(srv: MighubServer) -> dict[str, Any]:
    """Everything boto3 can see of the hub."""
    mgh, config = srv.client("mgh"), srv.client("migrationhub-config")
    seen: dict[str, Any] = {
        "streams": sorted(list_all_streams(mgh)),
        "home": config.get_home_region().get("HomeRegion"),
        "controls": config.describe_home_region_controls()["HomeRegionControls"],
        "apps": [mgh.describe_application_state(ApplicationId=a) for a in ("d-application-1", "d-application-2", LONG)],
    }
    for summary in list_all_tasks(mgh):
        where = {
            "ProgressUpdateStream": summary["ProgressUpdateStream"],
            "MigrationTaskName": summary["MigrationTaskName"],
        }
        key = f"{where['ProgressUpdateStream']}/{where['MigrationTaskName']}"
        seen[key] = {
            "task": mgh.describe_migration_task(**where)["MigrationTask"],
            "updates": list_all_updates(
                mgh, **{"stream": where["ProgressUpdateStream"], "task": where["MigrationTaskName"]}
            ),
            "artifacts": mgh.list_created_artifacts(**where)["CreatedArtifactList"],
            "discovered": mgh.list_discovered_resources(**where)["DiscoveredResourceList"],
            "sources": mgh.list_source_resources(**where)["SourceResourceList"],
        }
    for value in seen.values():  # ResponseMetadata differs per request
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict):
                item.pop("ResponseMetadata", None)
    return seen


def serve_and_snapshot(tmp: Path, url: str) -> dict[str, Any]:
    srv = MighubServer(tmp / "data", tmp / "serve.log", name="check", extra_args=("--database", url))
    srv.start()
    try:
        return snapshot(srv)
    finally:
        srv.stop()


def populate(srv: MighubServer) -> None:
    mgh = srv.client("mgh")
    for stream in ("alpha", "Beta", "doomed"):
        mgh.create_progress_update_stream(ProgressUpdateStreamName=stream)
        for i, task in enumerate(("web-1", "db-1", "Zed", "ünïcode")):
            where = {"ProgressUpdateStream": stream, "MigrationTaskName": task}
            mgh.import_migration_task(**where)
            for step in range(3):
                mgh.notify_migration_task_state(
                    **where,
                    Task={
                        "Status": "COMPLETED" if step == 2 and i == 0 else "IN_PROGRESS",
                        "StatusDetail": f"step {step} ✓",
                        "ProgressPercent": 40 * step,
                    },
                    UpdateDateTime=datetime(2025, 1, 1, 12, 0, step, tzinfo=UTC),
                    # Cloud Migration Factory's sys.maxsize: must survive the trip.
                    NextUpdateSeconds=9223372036854775807 if step == 2 else 60,
                )
        where = {"ProgressUpdateStream": stream, "MigrationTaskName": "web-1"}
        mgh.put_resource_attributes(
            **where,
            ResourceAttributeList=[
                {"Type": "IPV4_ADDRESS", "Value": "10.0.0.7"},
                {"Type": "FQDN", "Value": "web-1.example.com"},
                {"Type": "MAC_ADDRESS", "Value": "00:11:22:33:44:55"},
            ],
        )
        mgh.associate_created_artifact(
            **where,
            CreatedArtifact={"Name": "arn:aws:ec2:us-east-1:000000000000:instance/i-0abc", "Description": "the copy"},
        )
        mgh.associate_discovered_resource(
            **where, DiscoveredResource={"ConfigurationId": "d-server-01", "Description": "from discovery"}
        )
        mgh.associate_discovered_resource(**where, DiscoveredResource={"ConfigurationId": "d-server-02"})
        mgh.associate_source_resource(
            **where, SourceResource={"Name": "vm-17", "Description": "on-premises", "StatusDetail": "replicating"}
        )
    # The longest keys the model allows, in four-byte characters: past a PostgreSQL index entry.
    where = {"ProgressUpdateStream": "alpha", "MigrationTaskName": "db-1"}
    mgh.associate_created_artifact(**where, CreatedArtifact={"Name": "arn:aws:ec2:us-east-1:000000000000:" + LONG[36:]})
    mgh.associate_discovered_resource(**where, DiscoveredResource={"ConfigurationId": LONG})
    mgh.associate_source_resource(**where, SourceResource={"Name": LONG, "StatusDetail": "long"})
    mgh.notify_application_state(
        ApplicationId=LONG, Status="NOT_STARTED", UpdateDateTime=datetime(2025, 1, 3, tzinfo=UTC)
    )
    mgh.notify_application_state(
        ApplicationId="d-application-1", Status="IN_PROGRESS", UpdateDateTime=datetime(2025, 1, 2, tzinfo=UTC)
    )
    mgh.notify_application_state(ApplicationId="d-application-2", Status="COMPLETED")


# -- the hub every test starts from -------------------------------------------------


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A populated SQLite hub (server stopped), what boto3 saw of it, and its export."""
    base = tmp_path_factory.mktemp("portable")
    srv = MighubServer(base / "data", base / "serve.log", name="portable-source")
    srv.start()
    try:
        populate(srv)
    finally:
        srv.stop()
    path = base / "data" / "mighub.sqlite3"
    # A stream caught mid-deletion: on its way out, so it must not move.
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE streams SET deleting = 1 WHERE name = 'doomed'")
    url = sqlite_url(path)
    seen = serve_and_snapshot(base / "before", url)
    lines = export(url, base / "hub.jsonl")
    return {"url": url, "path": path, "seen": seen, "lines": lines, "file": base / "hub.jsonl"}


# -- export ---------------------------------------------------------------------------


def test_export_names_records_by_natural_keys(hub: dict[str, Any]) -> None:
    lines = hub["lines"]
    assert json.loads(lines[0]) == {"format": "mighub-export", "version": 1, "schema": head_revision()}
    records = [json.loads(line) for line in lines[1:]]
    counts: dict[str, int] = {}
    for record in records:
        counts[record["type"]] = counts.get(record["type"], 0) + 1
        assert not {"id", "task_id", "stream_id", "deleting"} & set(record), record
    assert counts == {
        "account": 1,
        "home_region_control": 1,
        "application_state": 3,
        "stream": 2,
        "task": 8,
        "task_update": 24,
        "resource_attribute": 6,
        "created_artifact": 3,
        "discovered_resource": 5,
        "source_resource": 3,
    }
    assert all(r.get("stream") != "doomed" and r.get("name") != "doomed" for r in records)
    task = next(r for r in records if r["type"] == "task" and r["stream"] == "alpha" and r["name"] == "web-1")
    assert task["status"] == "COMPLETED" and task["next_update_seconds"] == 9223372036854775807
    assert "ünïcode" in hub["file"].read_text(encoding="utf-8")  # not \u-escaped


def test_export_to_stdout_and_summary(hub: dict[str, Any], capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    assert mighub("export", "--database", hub["url"]) == 0
    out, err = capsysbinary.readouterr()
    assert out.decode().splitlines() == hub["lines"]
    assert (
        b"exported 1 account, 1 home-region control, 3 application states, 2 streams, 8 tasks, 24 task updates" in err
    )


def test_export_default_database_is_serves(
    hub: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MIGHUB_DATABASE_URL", raising=False)
    monkeypatch.setenv("MIGHUB_DATA_DIR", str(hub["path"].parent))
    assert mighub("export", "--output", str(tmp_path / "default.jsonl")) == 0
    assert (tmp_path / "default.jsonl").read_text(encoding="utf-8").splitlines() == hub["lines"]


def test_export_of_a_missing_database_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert mighub("export", "--data-dir", str(tmp_path / "nothing")) == 2
    assert f"no database at {tmp_path / 'nothing' / 'mighub.sqlite3'}" in capsys.readouterr().err
    assert not (tmp_path / "nothing").exists()  # nothing created on the way


# -- import ---------------------------------------------------------------------------


def test_sqlite_to_postgresql_and_back_is_identical(hub: dict[str, Any], tmp_path: Path) -> None:
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    databases = Databases("postgresql", POSTGRES_URL)
    try:
        target = databases.create()
        assert mighub("import", "--database", target, "--input", str(hub["file"])) == 0
        assert export(target, tmp_path / "again.jsonl") == hub["lines"]
        assert serve_and_snapshot(tmp_path, target) == hub["seen"]
    finally:
        databases.close()


def test_sqlite_to_sqlite_import_serves_the_same_hub(hub: dict[str, Any], tmp_path: Path) -> None:
    target = sqlite_url(tmp_path / "imported.sqlite3")
    assert mighub("import", "--database", target, "--input", str(hub["file"])) == 0
    assert export(target, tmp_path / "again.jsonl") == hub["lines"]
    assert serve_and_snapshot(tmp_path, target) == hub["seen"]


def test_small_pages_and_batches_load_the_same_hub(
    hub: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keyset pages and insert batches that split tasks and their children."""
    with monkeypatch.context() as patch:
        patch.setattr(portable, "PAGE", 3)
        patch.setattr(portable, "BATCH", 2)
        patch.setattr(portable, "_CACHE", 2)
        paged = export(hub["url"], tmp_path / "paged.jsonl")
        assert sorted(paged) == sorted(hub["lines"])  # the same records, in pages of 3
        target = sqlite_url(tmp_path / "paged.sqlite3")
        assert mighub("import", "--database", target, "--input", str(tmp_path / "paged.jsonl")) == 0
    assert export(target, tmp_path / "again.jsonl") == hub["lines"]


def test_import_into_a_hub_with_streams_is_refused(
    hub: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = sqlite_url(tmp_path / "busy.sqlite3")
    assert mighub("import", "--database", target, "--input", str(hub["file"])) == 0
    capsys.readouterr()
    assert mighub("import", "--database", target, "--input", str(hub["file"])) == 2
    err = capsys.readouterr().err
    assert "already holds streams" in err and "--merge" in err
    assert export(target, tmp_path / "after.jsonl") == hub["lines"]


def test_merge_keeps_what_the_target_holds_and_adds_the_rest(
    hub: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = sqlite_url(tmp_path / "merge.sqlite3")
    assert mighub("import", "--database", target, "--input", str(hub["file"])) == 0
    records = [json.loads(line) for line in hub["lines"][1:]]
    changed = []
    for r in records:
        if r["type"] == "task" and r["name"] == "web-1":
            r = {**r, "status": "FAILED"}  # the target's own state must win
        changed.append(r)
    owner = {"account_id": "000000000000", "stream": "gamma", "task": "new-1"}
    changed += [
        {"type": "stream", "account_id": "000000000000", "name": "gamma", "created_us": 1},
        {
            "type": "task",
            "account_id": "000000000000",
            "stream": "gamma",
            "name": "new-1",
            "created_us": 2,
            "status": None,
            "status_detail": None,
            "progress_percent": None,
            "update_us": None,
            "next_update_seconds": None,
            "stale_at_us": None,
        },
        {
            "type": "task_update",
            **owner,
            "update_us": 5,
            "received_us": 6,
            "status": "IN_PROGRESS",
            "status_detail": None,
            "progress_percent": 1,
            "next_update_seconds": 0,
        },
        # A history entry for a task the target already has: that task is kept whole.
        {
            "type": "task_update",
            **owner,
            "task": "web-1",
            "stream": "alpha",
            "update_us": 7,
            "received_us": 8,
            "status": "FAILED",
            "status_detail": None,
            "progress_percent": 1,
            "next_update_seconds": 0,
        },
    ]
    merged = tmp_path / "merged.jsonl"
    merged.write_text(hub["lines"][0] + "\n" + "".join(json.dumps(r) + "\n" for r in changed), encoding="utf-8")
    capsys.readouterr()
    assert mighub("import", "--merge", "--database", target, "--input", str(merged)) == 0
    err = capsys.readouterr().err
    assert "imported 1 stream, 1 task, 1 task update into" in err and "kept what it already held" in err
    after = [json.loads(line) for line in export(target, tmp_path / "after.jsonl")[1:]]
    assert [r for r in after if r.get("stream") != "gamma" and r.get("name") != "gamma"] == [
        json.loads(line) for line in hub["lines"][1:]
    ]
    assert sum(1 for r in after if r.get("stream") == "gamma") == 2
    # Again: nothing new to add.
    assert mighub("import", "--merge", "--database", target, "--input", str(merged)) == 0
    assert "imported nothing" in capsys.readouterr().err


HEADER = json.dumps({"format": "mighub-export", "version": 1, "schema": "0002"})
STREAM = json.dumps({"type": "stream", "account_id": "000000000000", "name": "s", "created_us": 1})


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([], "the input is empty"),
        (['{"format": "pg_dump"}'], "line 1: not a mighub export"),
        (['{"format": "mighub-export", "version": 9}'], "line 1: export format version 9; this mighub reads version 1"),
        ([HEADER, STREAM, "{not json"], "line 3: not valid JSON"),
        ([HEADER, "[1, 2]"], "line 2: expected a JSON object"),
        ([HEADER, STREAM, '{"type": "server"}'], "line 3: unknown record type 'server'"),
        (
            [HEADER, '{"type": "stream", "account_id": "000000000000", "name": "s"}'],
            "line 2: stream has no 'created_us'",
        ),
        (
            [HEADER, '{"type": "stream", "account_id": "000000000000", "name": "s", "created_us": "1"}'],
            "line 2: stream's 'created_us' must be an integer, not \"1\"",
        ),
        (
            [HEADER, '{"type": "stream", "account_id": "000000000000", "name": "s", "created_us": 1, "id": 4}'],
            "line 2: stream has unknown field(s) id",
        ),
        (
            [
                HEADER,
                STREAM,
                "",
                '{"type": "task", "account_id": "000000000000", "stream": "other", "name": "t", "created_us": 1, "status": null, '
                '"status_detail": null, "progress_percent": null, "update_us": null, "next_update_seconds": null, "stale_at_us": null}',
            ],
            "line 4: task 't' belongs to stream 'other' of account 000000000000, which neither the file (before it) nor the target holds",
        ),
        (
            [
                HEADER,
                STREAM,
                '{"type": "created_artifact", "account_id": "000000000000", "stream": "s", "task": "t", "name": "a", "description": null}',
            ],
            "line 3: created_artifact of task 't' in stream 's'",
        ),
    ],
    ids=["empty", "not-ours", "version", "json", "array", "type", "missing", "int", "extra", "no-stream", "no-task"],
)
def test_bad_input_names_the_line_and_imports_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lines: list[str], message: str
) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    target = sqlite_url(tmp_path / "target.sqlite3")
    assert mighub("import", "--database", target, "--input", str(bad)) == 2
    err = capsys.readouterr().err
    assert message in err and "nothing was imported" in err, err
    assert stream_count(target) == 0  # one transaction: the good lines before it are gone too


def test_import_of_a_missing_file_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert mighub("import", "--data-dir", str(tmp_path), "--input", str(tmp_path / "nope.jsonl")) == 2
    assert f"cannot read {tmp_path / 'nope.jsonl'}" in capsys.readouterr().err


# -- db copy --------------------------------------------------------------------------


def test_db_copy_sqlite_to_sqlite(hub: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = sqlite_url(tmp_path / "copy" / "mighub.sqlite3")
    assert mighub("db", "copy", "--from", hub["url"], "--to", target) == 0
    assert "copied from" in capsys.readouterr().err
    assert export(target, tmp_path / "copy.jsonl") == hub["lines"]
    assert serve_and_snapshot(tmp_path, target) == hub["seen"]
    # A second copy into it is refused: it holds streams now.
    assert mighub("db", "copy", "--from", hub["url"], "--to", target) == 2
    assert "already holds streams" in capsys.readouterr().err


def test_db_copy_sqlite_to_postgresql(hub: dict[str, Any], tmp_path: Path) -> None:
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    databases = Databases("postgresql", POSTGRES_URL)
    try:
        target = databases.create()
        assert mighub("db", "copy", "--from", hub["url"], "--to", target) == 0
        assert export(target, tmp_path / "copy.jsonl") == hub["lines"]
    finally:
        databases.close()


def test_db_copy_refuses_one_database_for_both(hub: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    assert mighub("db", "copy", "--from", hub["url"], "--to", hub["url"]) == 2
    assert "the same database" in capsys.readouterr().err
