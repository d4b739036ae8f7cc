"""PutResourceAttributes: replacement of the whole list, per-type value formats, the VM
rule, errors and dry runs, all seen through DescribeMigrationTask's ResourceAttributeList.

In process (tests/inprocess.py), on both engines."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from e2e_helpers import error_code, error_message, uniq
from inprocess import InProcessHub, InProcessHubFactory


# -- fixtures and helpers ------------------------------------------------------------
@pytest.fixture
def task(mgh: Any) -> tuple[str, str]:
    """A fresh stream holding one imported task: (stream, task)."""
    stream = uniq("attrs")
    mgh.create_progress_update_stream(ProgressUpdateStreamName=stream)
    mgh.import_migration_task(ProgressUpdateStream=stream, MigrationTaskName="server-1")
    return stream, "server-1"


@pytest.fixture(scope="module")
def mgh(inprocess_hub: InProcessHub) -> Any:
    return inprocess_hub.client("mgh")


@pytest.fixture(scope="module")
def lenient(inprocess_hub: InProcessHub) -> Any:
    """An mgh client without botocore's client-side parameter validation."""
    return inprocess_hub.client("mgh", validate=False)


def put(mgh: Any, task: tuple[str, str], attributes: list[dict[str, str]], **kwargs: Any) -> dict[str, Any]:
    stream, name = task
    return mgh.put_resource_attributes(
        ProgressUpdateStream=stream, MigrationTaskName=name, ResourceAttributeList=attributes, **kwargs
    )


def attributes_of(mgh: Any, task: tuple[str, str]) -> list[dict[str, str]]:
    stream, name = task
    described = mgh.describe_migration_task(ProgressUpdateStream=stream, MigrationTaskName=name)["MigrationTask"]
    return described.get("ResourceAttributeList", [])


def attr(type_: str, value: str) -> dict[str, str]:
    return {"Type": type_, "Value": value}


MAC = attr("MAC_ADDRESS", "00:1A:2B:3C:4D:5E")
IPV4 = attr("IPV4_ADDRESS", "10.0.0.12")
FQDN = attr("FQDN", "web-01.corp.example.com")


# -- happy path and replacement ------------------------------------------------------
def test_fresh_task_has_no_attributes(mgh: Any, task: tuple[str, str]) -> None:
    assert attributes_of(mgh, task) == []


def test_put_then_describe_every_type(mgh: Any, task: tuple[str, str]) -> None:
    attributes = [
        attr("IPV4_ADDRESS", "192.168.1.20"),
        attr("IPV6_ADDRESS", "2001:db8::8a2e:370:7334"),
        attr("MAC_ADDRESS", "00:1a:2b:3c:4d:5e"),
        attr("FQDN", "db-01.example.com"),
        attr("VM_MANAGER_ID", "vcenter-01"),
        attr("VM_MANAGED_OBJECT_REFERENCE", "vm-1234"),
        attr("VM_NAME", "db-01"),
        attr("VM_PATH", "/Datacenter/vm/prod/db-01"),
        attr("BIOS_ID", "4C4C4544-0042-3510-8052-B7C04F4A4E32"),
        attr("MOTHERBOARD_SERIAL_NUMBER", "MB-0001-XYZ"),
    ]
    resp = put(mgh, task, attributes)
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert {k: v for k, v in resp.items() if k != "ResponseMetadata"} == {}
    assert attributes_of(mgh, task) == attributes  # same values, same order


def test_put_replaces_the_whole_list(mgh: Any, task: tuple[str, str]) -> None:
    put(mgh, task, [MAC])
    assert attributes_of(mgh, task) == [MAC]
    # adding an IP later without the MAC drops the MAC (the model docs' own example)
    put(mgh, task, [IPV4])
    assert attributes_of(mgh, task) == [IPV4]
    put(mgh, task, [MAC, IPV4, FQDN])
    assert attributes_of(mgh, task) == [MAC, IPV4, FQDN]
    put(mgh, task, [FQDN])
    assert attributes_of(mgh, task) == [FQDN]


def test_put_same_list_twice_does_not_duplicate(mgh: Any, task: tuple[str, str]) -> None:
    put(mgh, task, [MAC, IPV4])
    put(mgh, task, [MAC, IPV4])
    assert attributes_of(mgh, task) == [MAC, IPV4]


def test_put_keeps_repeated_types(mgh: Any, task: tuple[str, str]) -> None:
    two_ips = [attr("IPV4_ADDRESS", "10.0.0.1"), attr("IPV4_ADDRESS", "10.0.0.2")]
    put(mgh, task, two_ips)
    assert attributes_of(mgh, task) == two_ips


def test_put_hundred_attributes(mgh: Any, task: tuple[str, str]) -> None:
    many = [attr("IPV4_ADDRESS", f"10.0.{i // 256}.{i % 256}") for i in range(100)]
    put(mgh, task, many)
    assert attributes_of(mgh, task) == many


def test_attributes_belong_to_their_task_only(mgh: Any, task: tuple[str, str]) -> None:
    stream, _ = task
    mgh.import_migration_task(ProgressUpdateStream=stream, MigrationTaskName="server-2")
    put(mgh, task, [MAC])
    assert attributes_of(mgh, (stream, "server-2")) == []


def test_attributes_survive_notifications(mgh: Any, task: tuple[str, str]) -> None:
    put(mgh, task, [IPV4])
    stream, name = task
    mgh.notify_migration_task_state(
        ProgressUpdateStream=stream,
        MigrationTaskName=name,
        Task={"Status": "IN_PROGRESS", "ProgressPercent": 40},
        UpdateDateTime="2026-01-01T00:00:00Z",
        NextUpdateSeconds=60,
    )
    described = mgh.describe_migration_task(ProgressUpdateStream=stream, MigrationTaskName=name)["MigrationTask"]
    assert described["ResourceAttributeList"] == [IPV4]
    assert described["Task"]["ProgressPercent"] == 40


# -- errors ----------------------------------------------------------------------------
def test_missing_stream_is_resource_not_found(mgh: Any) -> None:
    stream = uniq("nostream")
    with pytest.raises(ClientError) as exc:
        put(mgh, (stream, "server-1"), [MAC])
    assert error_code(exc.value) == "ResourceNotFoundException"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert stream in error_message(exc.value)


def test_missing_task_is_resource_not_found(mgh: Any, task: tuple[str, str]) -> None:
    stream, _ = task
    with pytest.raises(ClientError) as exc:
        put(mgh, (stream, "never-imported"), [MAC])
    assert error_code(exc.value) == "ResourceNotFoundException"
    assert "never-imported" in error_message(exc.value)
    # nothing was created on the way
    with pytest.raises(ClientError) as exc:
        mgh.describe_migration_task(ProgressUpdateStream=stream, MigrationTaskName="never-imported")
    assert error_code(exc.value) == "ResourceNotFoundException"


def test_unknown_attribute_type_is_invalid_input(lenient: Any, mgh: Any, task: tuple[str, str]) -> None:
    with pytest.raises(ClientError) as exc:
        put(lenient, task, [attr("HOSTNAME", "web-01")])
    assert error_code(exc.value) == "InvalidInputException"
    assert "ResourceAttributeList.member.1.Type" in error_message(exc.value)
    assert attributes_of(mgh, task) == []


@pytest.mark.parametrize("count", [0, 101])
def test_list_length_bounds(lenient: Any, mgh: Any, task: tuple[str, str], count: int) -> None:
    put(mgh, task, [MAC])
    with pytest.raises(ClientError) as exc:
        put(lenient, task, [attr("IPV4_ADDRESS", "10.0.0.1")] * count)
    assert error_code(exc.value) == "InvalidInputException"
    assert "ResourceAttributeList" in error_message(exc.value)
    assert attributes_of(mgh, task) == [MAC]


# -- per-type formats --------------------------------------------------------------------
VALID = {
    "IPV4_ADDRESS": ["0.0.0.0", "255.255.255.255", "10.0.0.1", "192.168.100.254", "8.8.4.4"],
    "IPV6_ADDRESS": [
        "::",
        "::1",
        "fe80::1",
        "2001:db8::8a2e:370:7334",
        "2001:0db8:0000:0000:0000:ff00:0042:8329",
        "FE80:0000:0000:0000:0202:B3FF:FE1E:8329",
        "::ffff:192.0.2.128",
    ],
    "MAC_ADDRESS": ["00:1A:2B:3C:4D:5E", "00-1a-2b-3c-4d-5e", "ff:ff:ff:ff:ff:ff", "00:1a-2B:3c-4D:5e"],
    "FQDN": [
        "a",
        "localhost",
        "web-01.corp.example.com",
        "host_name.example.org.",
        "sérveur.exemple.fr",
        "x" * 256,
        "with space.example.com",
    ],
    # free text up to 256 characters: FQDN's forbidden characters are fine here
    "VM_MANAGER_ID": ["vcenter-01", "<{odd}>, =?/\\", "v" * 256],
    "BIOS_ID": ["4C4C4544-0042-3510-8052-B7C04F4A4E32", "<{odd}>, =?/\\", "b" * 256],
    "MOTHERBOARD_SERIAL_NUMBER": ["MB/0001,XYZ", "m" * 256],
}

INVALID = {
    "IPV4_ADDRESS": [
        "256.0.0.1",
        "1.2.3.256",
        "1.2.3",
        "1.2.3.4.5",
        "a.b.c.d",
        "1.2.3.-1",
        "1..2.3",
        " 1.2.3.4",
        "1.2.3.4 ",
        "1.2.3.4/24",
        "::1",
        "localhost",
    ],
    "IPV6_ADDRESS": [
        "2001:db8::g",
        "1:2:3:4:5:6:7:8:9",
        "12345::1",
        "2001:db8:::1",
        "1::2::3",
        ":::",
        "10.0.0.1",
        "not-an-address",
        "2001:db8::/32",
    ],
    "MAC_ADDRESS": [
        "001A2B3C4D5E",
        "00:1A:2B:3C:4D",
        "00:1A:2B:3C:4D:5E:6F",
        "0G:1A:2B:3C:4D:5E",
        "00.1A.2B.3C.4D.5E",
        "0:1A:2B:3C:4D:5E",
        "00:1A:2B:3C:4D:5E ",
        " 00:1A:2B:3C:4D:5E",
        "000:1A:2B:3C:4D:5E",
    ],
    "FQDN": [
        "web<01>.example.com",
        "a{b}.example.com",
        "path/host",
        "back\\slash",
        "what?.example.com",
        "a,b.example.com",
        "a=b.example.com",
        "tab\there",
        "line\nbreak",
        "del\x7fete",
        "nul\x00l",
    ],
}


@pytest.mark.parametrize(
    ("type_", "value"), [(t, v) for t, values in VALID.items() for v in values], ids=lambda x: repr(x)[:40]
)
def test_valid_value_is_accepted(mgh: Any, task: tuple[str, str], type_: str, value: str) -> None:
    put(mgh, task, [attr(type_, value)])
    assert attributes_of(mgh, task) == [attr(type_, value)]


@pytest.mark.parametrize(
    ("type_", "value"), [(t, v) for t, values in INVALID.items() for v in values], ids=lambda x: repr(x)[:40]
)
def test_invalid_value_is_refused(mgh: Any, task: tuple[str, str], type_: str, value: str) -> None:
    put(mgh, task, [MAC])
    # the bad value second, after a good one: the message must name member 2
    with pytest.raises(ClientError) as exc:
        put(mgh, task, [attr("FQDN", "ok.example.com"), attr(type_, value)])
    assert error_code(exc.value) == "InvalidInputException", exc.value.response
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    message = error_message(exc.value)
    assert "ResourceAttributeList.member.2.Value" in message, message
    assert "member.1" not in message, message
    # refused as a whole: the previous list is untouched
    assert attributes_of(mgh, task) == [MAC]


def test_every_invalid_value_is_reported(mgh: Any, task: tuple[str, str]) -> None:
    with pytest.raises(ClientError) as exc:
        put(
            mgh,
            task,
            [
                attr("IPV4_ADDRESS", "300.1.1.1"),
                attr("FQDN", "fine.example.com"),
                attr("MAC_ADDRESS", "zz:zz:zz:zz:zz:zz"),
            ],
        )
    assert error_code(exc.value) == "InvalidInputException"
    message = error_message(exc.value)
    assert message.startswith("2 validation errors detected"), message
    assert "ResourceAttributeList.member.1.Value" in message
    assert "ResourceAttributeList.member.3.Value" in message
    assert "member.2" not in message
    assert attributes_of(mgh, task) == []


@pytest.mark.parametrize("type_", ["BIOS_ID", "FQDN", "VM_NAME"])
def test_value_longer_than_256_is_refused(lenient: Any, mgh: Any, task: tuple[str, str], type_: str) -> None:
    with pytest.raises(ClientError) as exc:
        put(lenient, task, [attr("VM_MANAGER_ID", "vc"), attr(type_, "x" * 257)])
    assert error_code(exc.value) == "InvalidInputException"
    assert "ResourceAttributeList.member.2.Value" in error_message(exc.value)
    assert attributes_of(mgh, task) == []


def test_empty_value_is_refused(lenient: Any, mgh: Any, task: tuple[str, str]) -> None:
    with pytest.raises(ClientError) as exc:
        put(lenient, task, [attr("BIOS_ID", "")])
    assert error_code(exc.value) == "InvalidInputException"
    assert "ResourceAttributeList.member.1.Value" in error_message(exc.value)


# -- the VM rule ---------------------------------------------------------------------------
VM_ATTRIBUTES = [
    attr("VM_MANAGED_OBJECT_REFERENCE", "vm-42"),
    attr("VM_NAME", "app-01"),
    attr("VM_PATH", "/dc/vm/app-01"),
]


def test_vm_attributes_without_manager_id_are_discarded(mgh: Any, task: tuple[str, str]) -> None:
    put(mgh, task, [IPV4, *VM_ATTRIBUTES, MAC])
    assert attributes_of(mgh, task) == [IPV4, MAC]


def test_vm_attributes_with_manager_id_are_kept(mgh: Any, task: tuple[str, str]) -> None:
    given = [IPV4, *VM_ATTRIBUTES, attr("VM_MANAGER_ID", "vcenter-7"), MAC]
    put(mgh, task, given)
    assert attributes_of(mgh, task) == given


def test_manager_id_alone_is_kept(mgh: Any, task: tuple[str, str]) -> None:
    put(mgh, task, [attr("VM_MANAGER_ID", "vcenter-7")])
    assert attributes_of(mgh, task) == [attr("VM_MANAGER_ID", "vcenter-7")]


def test_only_vm_attributes_without_manager_id_leave_nothing(mgh: Any, task: tuple[str, str]) -> None:
    put(mgh, task, VM_ATTRIBUTES)
    assert attributes_of(mgh, task) == []


def test_vm_rule_does_not_touch_non_vm_types(mgh: Any, task: tuple[str, str]) -> None:
    others = [attr("BIOS_ID", "bios-1"), attr("MOTHERBOARD_SERIAL_NUMBER", "mb-1"), FQDN]
    put(mgh, task, [*others, attr("VM_NAME", "dropped")])
    assert attributes_of(mgh, task) == others


# -- dry run ---------------------------------------------------------------------------------
def test_dry_run_changes_nothing(mgh: Any, task: tuple[str, str]) -> None:
    put(mgh, task, [MAC])
    with pytest.raises(ClientError) as exc:
        put(mgh, task, [IPV4, FQDN], DryRun=True)
    assert error_code(exc.value) == "DryRunOperation"
    assert error_message(exc.value) == "Dry Run was a success!"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert attributes_of(mgh, task) == [MAC]
    # DryRun=False is an ordinary call
    put(mgh, task, [IPV4], DryRun=False)
    assert attributes_of(mgh, task) == [IPV4]


def test_dry_run_still_validates(mgh: Any, task: tuple[str, str]) -> None:
    with pytest.raises(ClientError) as exc:
        put(mgh, task, [attr("IPV4_ADDRESS", "999.0.0.1")], DryRun=True)
    assert error_code(exc.value) == "InvalidInputException"
    assert attributes_of(mgh, task) == []


# -- home region -------------------------------------------------------------------------------
def test_put_signed_for_another_region_is_refused(inprocess_hub: InProcessHub, mgh: Any, task: tuple[str, str]) -> None:
    put(mgh, task, [MAC])
    elsewhere = inprocess_hub.client("mgh", region="eu-west-1")
    with pytest.raises(ClientError) as exc:
        put(elsewhere, task, [IPV4])
    assert error_code(exc.value) == "InvalidInputException"
    # reads work from anywhere, and the refused write changed nothing
    assert attributes_of(elsewhere, task) == [MAC]


def test_put_without_home_region(inprocess_hub_factory: InProcessHubFactory) -> None:
    strict = inprocess_hub_factory(home_region=None)
    with pytest.raises(ClientError) as exc:
        put(strict.client("mgh"), ("s", "t"), [MAC])
    assert error_code(exc.value) == "HomeRegionNotSetException"
