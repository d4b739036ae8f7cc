"""One whole migration, played through boto3 as a migration tool plays it, then every
read operation's view of the result. In process (tests/inprocess.py), on a hub of its own."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from e2e_helpers import ts, utc
from inprocess import InProcessHub

STREAM = "CloudEndure-Payroll"
APPLICATION = "d-application-0f1e2d3c4b5a69788"
START = utc(2026, 5, 4, 9, 0, 0)
ACCOUNT = "123456789012"

SERVERS: dict[str, dict[str, Any]] = {
    "web-01": {
        "config_id": "d-server-0a1b2c3d4e5f60718",
        "attributes": [
            {"Type": "IPV4_ADDRESS", "Value": "10.20.0.11"},
            {"Type": "IPV6_ADDRESS", "Value": "2001:db8:20::11"},
            {"Type": "MAC_ADDRESS", "Value": "00:50:56:9a:0b:11"},
            {"Type": "FQDN", "Value": "web-01.payroll.corp.example.com"},
            {"Type": "VM_MANAGER_ID", "Value": "vcenter-dc1"},
            {"Type": "VM_NAME", "Value": "web-01"},
            {"Type": "VM_PATH", "Value": "/DC1/vm/payroll/web-01"},
        ],
        "ami": f"arn:aws:ec2:us-east-1:{ACCOUNT}:image/ami-0a11b22c33d44e55f",
        "instance": f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-0a11b22c33d44e55f",
    },
    "db-01": {
        "config_id": "d-server-0f9e8d7c6b5a40312",
        "attributes": [
            {"Type": "IPV4_ADDRESS", "Value": "10.20.0.21"},
            {"Type": "MAC_ADDRESS", "Value": "00-50-56-9A-0B-21"},
            {"Type": "FQDN", "Value": "db-01.payroll.corp.example.com"},
            {"Type": "BIOS_ID", "Value": "4C4C4544-0042-3510-8052-B7C04F4A4E32"},
        ],
        "ami": f"arn:aws:ec2:us-east-1:{ACCOUNT}:image/ami-0f99e88d77c66b55a",
        "instance": f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-0f99e88d77c66b55a",
    },
}

# (minutes after START, status, percent, detail) for every server
PROGRESS = [
    (0, "NOT_STARTED", 0, "Waiting for replication agent"),
    (10, "IN_PROGRESS", 25, "Initial sync"),
    (40, "IN_PROGRESS", 50, "Initial sync"),
    (70, "IN_PROGRESS", 75, "Continuous replication"),
    (90, "IN_PROGRESS", 90, "Launching target instance"),
    (100, "COMPLETED", 100, "Cutover complete"),
]


def at(minutes: int) -> datetime:
    return START + timedelta(minutes=minutes)


def test_a_whole_migration(fresh_inprocess_hub: InProcessHub) -> None:
    tool = fresh_inprocess_hub.client("mgh")
    console = fresh_inprocess_hub.client("mgh", region="eu-west-1")  # a reader anywhere: reads work from any region

    # ---- the tool plays the migration ------------------------------------------------------
    tool.create_progress_update_stream(ProgressUpdateStreamName=STREAM)
    tool.notify_application_state(ApplicationId=APPLICATION, Status="NOT_STARTED", UpdateDateTime=at(0))
    for name, spec in SERVERS.items():
        tool.create_progress_update_stream(ProgressUpdateStreamName=STREAM)  # tools repeat it
        tool.import_migration_task(ProgressUpdateStream=STREAM, MigrationTaskName=name)
        tool.import_migration_task(ProgressUpdateStream=STREAM, MigrationTaskName=name)
        # what the tool knows about the source, then the full list with what it learnt later
        tool.put_resource_attributes(
            ProgressUpdateStream=STREAM, MigrationTaskName=name, ResourceAttributeList=spec["attributes"][:1]
        )
        tool.put_resource_attributes(
            ProgressUpdateStream=STREAM, MigrationTaskName=name, ResourceAttributeList=spec["attributes"]
        )
        tool.associate_discovered_resource(
            ProgressUpdateStream=STREAM,
            MigrationTaskName=name,
            DiscoveredResource={"ConfigurationId": spec["config_id"], "Description": f"{name} in ADS"},
        )
        tool.associate_source_resource(
            ProgressUpdateStream=STREAM,
            MigrationTaskName=name,
            SourceResource={"Name": f"vcenter-dc1/{name}", "Description": "source VM", "StatusDetail": "replicating"},
        )

    tool.notify_application_state(ApplicationId=APPLICATION, Status="IN_PROGRESS", UpdateDateTime=at(10))
    for minutes, status, percent, detail in PROGRESS:
        for name in SERVERS:
            tool.notify_migration_task_state(
                ProgressUpdateStream=STREAM,
                MigrationTaskName=name,
                Task={"Status": status, "ProgressPercent": percent, "StatusDetail": detail},
                UpdateDateTime=at(minutes),
                NextUpdateSeconds=0 if status == "COMPLETED" else 3600,
            )
    for name, spec in SERVERS.items():
        tool.associate_created_artifact(
            ProgressUpdateStream=STREAM,
            MigrationTaskName=name,
            CreatedArtifact={"Name": spec["ami"], "Description": "AMI created from the source"},
        )
        tool.associate_created_artifact(
            ProgressUpdateStream=STREAM,
            MigrationTaskName=name,
            CreatedArtifact={"Name": spec["instance"], "Description": "Target instance"},
        )
        tool.associate_source_resource(
            ProgressUpdateStream=STREAM,
            MigrationTaskName=name,
            SourceResource={"Name": f"vcenter-dc1/{name}", "Description": "source VM", "StatusDetail": "cut over"},
        )
    tool.notify_application_state(ApplicationId=APPLICATION, Status="COMPLETED", UpdateDateTime=at(110))

    # ---- every read operation's view ---------------------------------------------------------
    for reader in (tool, console):
        streams = reader.list_progress_update_streams()
        assert streams["ProgressUpdateStreamSummaryList"] == [{"ProgressUpdateStreamName": STREAM}]
        assert "NextToken" not in streams

        # DescribeMigrationTask
        for name, spec in SERVERS.items():
            task = reader.describe_migration_task(ProgressUpdateStream=STREAM, MigrationTaskName=name)["MigrationTask"]
            assert task["ProgressUpdateStream"] == STREAM
            assert task["MigrationTaskName"] == name
            assert task["Task"] == {"Status": "COMPLETED", "ProgressPercent": 100, "StatusDetail": "Cutover complete"}
            assert ts(task["UpdateDateTime"]) == at(100).timestamp()
            assert task["ResourceAttributeList"] == spec["attributes"]

        # ListMigrationTasks, whole and by discovered resource
        summaries = reader.list_migration_tasks()["MigrationTaskSummaryList"]
        assert [(s["ProgressUpdateStream"], s["MigrationTaskName"]) for s in summaries] == [
            (STREAM, "db-01"),
            (STREAM, "web-01"),
        ]
        for s in summaries:
            assert s["Status"] == "COMPLETED"
            assert s["ProgressPercent"] == 100
            assert s["StatusDetail"] == "Cutover complete"
            assert ts(s["UpdateDateTime"]) == at(100).timestamp()
        for name, spec in SERVERS.items():
            by_resource = reader.list_migration_tasks(ResourceName=spec["config_id"])["MigrationTaskSummaryList"]
            assert [(s["ProgressUpdateStream"], s["MigrationTaskName"]) for s in by_resource] == [(STREAM, name)]
            assert by_resource[0]["Status"] == "COMPLETED"
        assert reader.list_migration_tasks(ResourceName="d-server-00000000000000000")["MigrationTaskSummaryList"] == []

        for name, spec in SERVERS.items():
            # ListMigrationTaskUpdates: every notification, oldest first
            updates = reader.list_migration_task_updates(ProgressUpdateStream=STREAM, MigrationTaskName=name)
            assert "NextToken" not in updates
            history = updates["MigrationTaskUpdateList"]
            assert [
                (
                    ts(u["UpdateDateTime"]),
                    u["UpdateType"],
                    u["MigrationTaskState"]["Status"],
                    u["MigrationTaskState"]["ProgressPercent"],
                    u["MigrationTaskState"]["StatusDetail"],
                )
                for u in history
            ] == [
                (at(m).timestamp(), "MIGRATION_TASK_STATE_UPDATED", status, percent, detail)
                for m, status, percent, detail in PROGRESS
            ]

            # ListCreatedArtifacts: the AMI and the instance, by name
            artifacts = reader.list_created_artifacts(ProgressUpdateStream=STREAM, MigrationTaskName=name)
            assert artifacts["CreatedArtifactList"] == [
                {"Name": spec["ami"], "Description": "AMI created from the source"},
                {"Name": spec["instance"], "Description": "Target instance"},
            ]

            # ListDiscoveredResources
            discovered = reader.list_discovered_resources(ProgressUpdateStream=STREAM, MigrationTaskName=name)
            assert discovered["DiscoveredResourceList"] == [
                {"ConfigurationId": spec["config_id"], "Description": f"{name} in ADS"}
            ]

            # ListSourceResources: associated twice, listed once with the latest detail
            sources = reader.list_source_resources(ProgressUpdateStream=STREAM, MigrationTaskName=name)
            assert sources["SourceResourceList"] == [
                {"Name": f"vcenter-dc1/{name}", "Description": "source VM", "StatusDetail": "cut over"}
            ]

        # DescribeApplicationState and ListApplicationStates
        app = reader.describe_application_state(ApplicationId=APPLICATION)
        assert app["ApplicationStatus"] == "COMPLETED"
        assert ts(app["LastUpdatedTime"]) == at(110).timestamp()
        for kwargs in ({}, {"ApplicationIds": [APPLICATION]}):
            listed = reader.list_application_states(**kwargs)
            assert "NextToken" not in listed
            assert [
                (s["ApplicationId"], s["ApplicationStatus"], ts(s["LastUpdatedTime"]))
                for s in listed["ApplicationStateList"]
            ] == [(APPLICATION, "COMPLETED", at(110).timestamp())]
