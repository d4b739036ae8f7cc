"""Which action and resource a call is authorised against.

As the Migration Hub permissions reference defines them: the action is
``mgh:<Operation>`` for both services; operations on a stream name the stream's
ARN, operations on a task name the task's ARN (so ``.../progressUpdateStream/S/*``
covers every task of stream S), and the account-wide operations name ``*``.
"""

from __future__ import annotations

from typing import Any

# Operations the permissions reference lists with resource "*".
ACCOUNT_WIDE = frozenset(
    {
        "ListMigrationTasks",
        "ListProgressUpdateStreams",
        "NotifyApplicationState",
        "DescribeApplicationState",
        "ListApplicationStates",
        "CreateHomeRegionControl",
        "DeleteHomeRegionControl",
        "DescribeHomeRegionControls",
        "GetHomeRegion",
    }
)


# The hub's own actions, for what AWS lacks (on resource "*"). ``mgh:*`` does not
# match them: a policy written for the AWS API grants nothing more on this hub.
HUB_ACTIONS = (
    "mighub:ListEvents",  # read the event log: /_mighub/api/events, /_mighub/events
    "mighub:ManageWebhooks",  # /_mighub/api/webhooks: endpoints that receive the account's events
    "mighub:GetMetrics",  # scrape /_mighub/metrics
)


def stream_arn(region: str, account_id: str, stream: str) -> str:
    return f"arn:aws:mgh:{region}:{account_id}:progressUpdateStream/{stream}"


def task_arn(region: str, account_id: str, stream: str, task: str) -> str:
    return f"{stream_arn(region, account_id, stream)}/migrationTask/{task}"


def action(operation: str) -> str:
    return f"mgh:{operation}"


def resource(operation: str, params: dict[str, Any], region: str, account_id: str) -> str:
    if operation in ACCOUNT_WIDE:
        return "*"
    if "ProgressUpdateStreamName" in params:  # create / delete a stream
        return stream_arn(region, account_id, params["ProgressUpdateStreamName"])
    return task_arn(region, account_id, params["ProgressUpdateStream"], params["MigrationTaskName"])
