"""What mighub does beyond matching the aws CLI's stdout: exit codes, zero-config
defaults, help, YAML output and the global options (in process, but for the exit code of
an unreachable endpoint, which the console script reports as a process)."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from cli_harness import Hub, clean_env, free_port


def _bare_env(tmp_path: Path) -> dict[str, str]:
    """No AWS configuration at all: no files, no variables."""
    return clean_env(HOME=str(tmp_path))


def test_zero_config_signs_with_dev_credentials(cli_hub: Hub, tmp_path: Path, uniq: str) -> None:
    env = _bare_env(tmp_path)
    r = cli_hub.mighub(
        "--endpoint-url",
        cli_hub.endpoint,
        "mgh",
        "create-progress-update-stream",
        "--progress-update-stream-name",
        uniq,
        env=env,
    )
    assert (r.code, r.stdout) == (0, ""), r
    r = cli_hub.mighub(
        "mgh",
        "list-progress-update-streams",
        "--endpoint-url",
        cli_hub.endpoint,
        "--query",
        f"ProgressUpdateStreamSummaryList[?ProgressUpdateStreamName=='{uniq}']",
        env=env,
    )
    assert json.loads(r.stdout) == [{"ProgressUpdateStreamName": uniq}]


def test_endpoint_from_service_specific_variable(cli_hub: Hub, tmp_path: Path) -> None:
    env = _bare_env(tmp_path)
    env["AWS_ENDPOINT_URL_MIGRATION_HUB"] = cli_hub.endpoint
    env["AWS_ENDPOINT_URL"] = "http://127.0.0.1:9"  # the service-specific one wins
    r = cli_hub.mighub("mgh", "list-progress-update-streams", "--max-items", "1", env=env)
    assert r.code == 0, r


def test_endpoint_from_profile(cli_hub: Hub, tmp_path: Path) -> None:
    env = _bare_env(tmp_path)
    (tmp_path / ".aws").mkdir()
    (tmp_path / ".aws" / "config").write_text(f"[profile hub]\nendpoint_url = {cli_hub.endpoint}\nregion = us-east-1\n")
    r = cli_hub.mighub("--profile", "hub", "migrationhub-config", "get-home-region", env=env)
    assert r.code == 0 and json.loads(r.stdout) == {"HomeRegion": "us-east-1"}, r


def test_unknown_profile_is_configuration_error(cli_hub: Hub) -> None:
    r = cli_hub.mighub("mgh", "list-progress-update-streams", "--profile", "no-such-profile")
    assert r.code == 253 and "no-such-profile" in r.stderr


def test_unreachable_endpoint_exits_255(cli_hub: Hub) -> None:
    r = cli_hub.mighub(
        "mgh",
        "list-progress-update-streams",
        "--endpoint-url",
        f"http://127.0.0.1:{free_port()}",
        "--cli-connect-timeout",
        "1",
        process=True,
    )
    assert r.code == 255 and "Could not connect to the endpoint URL" in r.stderr


def test_command_line_errors_exit_252(cli_hub: Hub) -> None:
    for args in (
        ("mgh",),
        ("mgh", "no-such-command"),
        ("mgh", "list-migration-tasks", "--no-such-option", "1"),
        ("mgh", "list-migration-tasks", "--query", "[[["),
        ("mgh", "list-migration-tasks", "--output", "xml"),
        ("mgh", "list-migration-tasks", "--no-paginate", "--max-items", "1"),
        ("mgh", "notify-migration-task-state", "--task", "Status=", "--generate-cli-skeleton", "nope"),
        (
            "mgh",
            "put-resource-attributes",
            "--progress-update-stream",
            "s",
            "--migration-task-name",
            "t",
            "--resource-attribute-list",
            "Type=FQDN,Type=IPV4_ADDRESS",
        ),
        (
            "mgh",
            "notify-migration-task-state",
            "--progress-update-stream",
            "s",
            "--migration-task-name",
            "t",
            "--task",
            "{not json",
            "--update-date-time",
            "1",
            "--next-update-seconds",
            "1",
        ),
    ):
        r = cli_hub.mighub(*args)
        assert r.code == 252 and r.stdout == "", (args, r)


def test_param_error_message(cli_hub: Hub) -> None:
    r = cli_hub.mighub(
        "mgh",
        "notify-migration-task-state",
        "--progress-update-stream",
        "s",
        "--migration-task-name",
        "t",
        "--task",
        "Status=IN_PROGRESS,Status=FAILED",
        "--update-date-time",
        "1",
        "--next-update-seconds",
        "1",
    )
    assert r.code == 252
    assert "Error parsing parameter '--task': Second instance of key \"Status\"" in r.stderr


def test_yaml_outputs(cli_hub: Hub) -> None:
    r = cli_hub.mighub("migrationhub-config", "describe-home-region-controls", "--output", "yaml")
    assert r.code == 0 and "HomeRegionControls" in yaml.safe_load(r.stdout)
    r = cli_hub.mighub(
        "mgh", "list-progress-update-streams", "--output", "yaml-stream", "--page-size", "1", "--max-items", "2"
    )
    pages = yaml.safe_load(r.stdout)
    assert r.code == 0 and isinstance(pages, list) and len(pages) >= 1


def test_table_colour_on_request(cli_hub: Hub) -> None:
    plain = cli_hub.mighub("migrationhub-config", "get-home-region", "--output", "table")
    coloured = cli_hub.mighub("migrationhub-config", "get-home-region", "--output", "table", "--color", "on")
    assert "\x1b[" not in plain.stdout and "\x1b[" in coloured.stdout


def test_help_pages(cli_hub: Hub) -> None:
    page = cli_hub.mighub("mgh", "notify-migration-task-state", "help")
    assert page.code == 0
    for text in (
        "Notifies Migration Hub of the current status",
        "--progress-update-stream <value>",
        "[--dry-run | --no-dry-run]",
        "Status=string,StatusDetail=string,ProgressPercent=integer",
        '"Status": "NOT_STARTED"|"IN_PROGRESS"|"FAILED"|"COMPLETED",',
        "--next-update-seconds (integer)",
        "--generate-cli-skeleton (string)",
    ):
        assert text in page.stdout, text
    assert cli_hub.mighub("mgh", "notify-migration-task-state", "--help").stdout == page.stdout
    listing = cli_hub.mighub("mgh", "help")
    assert listing.code == 0 and "o notify-migration-task-state" in listing.stdout
    top = cli_hub.mighub("help")
    assert top.code == 0 and "o migrationhub-config" in top.stdout
    paged = cli_hub.mighub("mgh", "list-migration-tasks", "help").stdout
    assert "--max-items" in paged and "is a paginated operation" in paged


def test_region_falls_back_to_hub_home_region(cli_hub: Hub, tmp_path: Path, uniq: str) -> None:
    env = _bare_env(tmp_path)
    env["AWS_ENDPOINT_URL"] = cli_hub.endpoint
    # A write signed for another region is refused once a home region is set; with no
    # region configured anywhere the CLI signs for the hub's home region, so it works.
    r = cli_hub.mighub("mgh", "create-progress-update-stream", "--progress-update-stream-name", uniq, env=env)
    assert r.code == 0, r
    r = cli_hub.mighub(
        "mgh", "create-progress-update-stream", "--progress-update-stream-name", uniq, "--region", "eu-west-1", env=env
    )
    assert r.code == 254 and "InvalidInputException" in r.stderr, r
