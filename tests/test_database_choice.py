"""Which database a command means (``--database``, ``--data-dir`` and the environment),
and how a database URL is shown: the functions every command goes through."""

from __future__ import annotations

from pathlib import Path

import platformdirs
import pytest

from mighub.cli.database import DATABASE_FILE, DatabaseChoiceError, check_url, choose_database
from mighub.store.dialect import display_url

URL_OPT = "postgresql://hub@db.option/hub"
URL_ENV = "postgresql://hub@db.env/hub"


def sqlite_in(directory: Path) -> str:
    return f"sqlite:///{directory.resolve() / DATABASE_FILE}"


@pytest.fixture
def dirs(tmp_path: Path) -> dict[str, Path]:
    return {"opt": tmp_path / "opt", "env": tmp_path / "env"}


# (--database, --data-dir, $MIGHUB_DATABASE_URL, $MIGHUB_DATA_DIR) -> which one wins
CASES = [
    ((True, True, True, True), "--database"),
    ((True, False, True, True), "--database"),
    ((True, True, False, False), "--database"),
    ((False, True, True, True), "--data-dir"),
    ((False, True, True, False), "--data-dir"),
    ((False, True, False, True), "--data-dir"),
    ((False, False, True, True), "$MIGHUB_DATABASE_URL"),
    ((False, False, True, False), "$MIGHUB_DATABASE_URL"),
    ((False, False, False, True), "$MIGHUB_DATA_DIR"),
]


@pytest.mark.parametrize("given, winner", CASES, ids=[f"{''.join('1' if g else '0' for g in c)}-{w}" for c, w in CASES])
def test_option_beats_environment_and_url_beats_data_dir(
    dirs: dict[str, Path], given: tuple[bool, bool, bool, bool], winner: str
) -> None:
    database, data_dir, url_env, dir_env = given
    environ = {}
    if url_env:
        environ["MIGHUB_DATABASE_URL"] = URL_ENV
    if dir_env:
        environ["MIGHUB_DATA_DIR"] = str(dirs["env"])
    chosen = choose_database(URL_OPT if database else None, dirs["opt"] if data_dir else None, environ)
    expected = {
        "--database": URL_OPT,
        "--data-dir": sqlite_in(dirs["opt"]),
        "$MIGHUB_DATABASE_URL": URL_ENV,
        "$MIGHUB_DATA_DIR": sqlite_in(dirs["env"]),
    }[winner]
    assert (chosen.url, chosen.source) == (expected, winner)
    assert (chosen.data_dir is not None) == (winner in ("--data-dir", "$MIGHUB_DATA_DIR"))


def test_nothing_given_is_the_per_user_data_directory() -> None:
    chosen = choose_database(None, None, {})
    assert chosen.url == sqlite_in(Path(platformdirs.user_data_dir("mighub")))
    assert chosen.source == "the per-user data directory"


def test_empty_variables_count_as_unset(dirs: dict[str, Path]) -> None:
    assert choose_database(
        None, None, {"MIGHUB_DATABASE_URL": "", "MIGHUB_DATA_DIR": str(dirs["env"])}
    ).url == sqlite_in(dirs["env"])
    assert (
        choose_database(None, None, {"MIGHUB_DATABASE_URL": "", "MIGHUB_DATA_DIR": ""}).source
        == "the per-user data directory"
    )


def test_a_data_dir_is_expanded_and_made_absolute(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    assert choose_database(None, Path("~/hub"), {}).url == sqlite_in(tmp_path / "hub")
    assert choose_database(None, None, {"MIGHUB_DATA_DIR": "rel"}).url == sqlite_in(tmp_path / "rel")


def test_what_is_shown_is_the_file_or_the_url_without_its_password(tmp_path: Path) -> None:
    assert choose_database(None, tmp_path, {}).shown == f"{tmp_path.resolve() / DATABASE_FILE} (SQLite)"
    shown = choose_database(None, None, {"MIGHUB_DATABASE_URL": "postgresql://hub:secret@db/hub"}).shown
    assert shown == "postgresql://hub:***@db/hub"


@pytest.mark.parametrize(
    "url, says",
    [
        ("postgresql://hub:secret@db:port/hub", "is not a database URL"),
        ("host=db password=secret", "is not a database URL"),
        ("postgresql://hub:sec@ret@db/hub", "write it %40"),
        ("mysql://hub:secret@db/hub", "names a mysql database"),
        ("nosuchengine://hub:secret@db/hub", "names a nosuchengine database"),
    ],
)
def test_a_bad_url_is_refused_naming_where_it_came_from_and_never_its_password(url: str, says: str) -> None:
    for chosen in (
        lambda: choose_database(url, None, {}),
        lambda: choose_database(None, None, {"MIGHUB_DATABASE_URL": url}),
    ):
        with pytest.raises(DatabaseChoiceError) as raised:
            chosen()
        assert says in str(raised.value)
        assert "secret" not in str(raised.value) and "ret@" not in str(raised.value)
    with pytest.raises(DatabaseChoiceError, match=r"^--to "):
        check_url(url, "--to")


def test_the_option_is_named_as_the_command_calls_it() -> None:
    with pytest.raises(DatabaseChoiceError, match=r"^--from is not"):
        choose_database("postgresql://h:x/db", option="--from")


@pytest.mark.parametrize(
    "url, shown",
    [
        ("postgresql://hub:secret@db:5432/hub", "postgresql://hub:***@db:5432/hub"),
        ("postgresql+psycopg://hub:secret@[::1]:5432/hub", "postgresql+psycopg://hub:***@[::1]:5432/hub"),
        ("postgresql://hub:s%40cr%2Fet@db/hub", "postgresql://hub:***@db/hub"),
        ("postgresql://db/hub?password=secret&sslmode=require", "postgresql://db/hub?password=***&sslmode=require"),
        ("postgresql://db/hub?sslpassword=secret", "postgresql://db/hub?sslpassword=***"),
        # What SQLAlchemy cannot parse, or would misread, is hidden up to its last "@".
        ("postgresql://hub:secret@db:port/hub", "postgresql://hub:***@db:port/hub"),
        ("postgresql://hub:sec@ret@db/hub", "postgresql://hub:***@db/hub"),
        (
            "postgresql://db:port/hub?sslmode=require&password=secret",
            "postgresql://db:port/hub?sslmode=require&password=***",
        ),
        ("host=db user=hub password=secret", "(not shown: not a URL)"),
        ("postgresql://hub@db/hub", "postgresql://hub@db/hub"),
        ("sqlite:////var/lib/mighub/mighub.sqlite3", "sqlite:////var/lib/mighub/mighub.sqlite3"),
    ],
)
def test_display_url_never_shows_a_password(url: str, shown: str) -> None:
    assert display_url(url) == shown
