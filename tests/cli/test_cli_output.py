"""``--output text`` and ``--output table`` in process, against the aws CLI.

``CASES`` hold the aws CLI's own output, captured once per response shape; the property
tests compare with awscli's formatters, called as a black box, on generated responses.
"""

from __future__ import annotations

import argparse
import io
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from mighub.cli.aws.output.table import _share, render_table
from mighub.cli.aws.output.text import format_text

TITLE = "ListMigrationTasks"

# (case, response, aws --output text, aws --output table)
CASES = [
    (
        "nested lists of structures",
        {
            "MigrationTaskSummaryList": [
                {
                    "MigrationTaskName": "vm-1",
                    "Status": "IN_PROGRESS",
                    "ProgressPercent": 77,
                    "ResourceAttributeList": [
                        {"Type": "FQDN", "Value": "web01.example.com"},
                        {"Type": "IPV4_ADDRESS", "Value": "10.0.0.1"},
                    ],
                },
                {"MigrationTaskName": "vm-2", "Status": "COMPLETED"},
            ],
            "NextToken": "abc",
        },
        "abc\nMIGRATIONTASKSUMMARYLIST\tvm-1\t77\tIN_PROGRESS\nRESOURCEATTRIBUTELIST\tFQDN\tweb01.example.com\nRESOURCEATTRIBUTELIST\tIPV4_ADDRESS\t10.0.0.1\nMIGRATIONTASKSUMMARYLIST\tvm-2\t\tCOMPLETED\n",
        "-----------------------------------------------------------\n|                   ListMigrationTasks                    |\n+------------------------------------+--------------------+\n|  NextToken                         |  abc               |\n+------------------------------------+--------------------+\n||               MigrationTaskSummaryList                ||\n|+-------------------+-------------------+---------------+|\n|| MigrationTaskName |  ProgressPercent  |    Status     ||\n|+-------------------+-------------------+---------------+|\n||  vm-1             |  77               |  IN_PROGRESS  ||\n|+-------------------+-------------------+---------------+|\n|||                ResourceAttributeList                |||\n||+----------------------+------------------------------+||\n|||         Type         |            Value             |||\n||+----------------------+------------------------------+||\n|||  FQDN                |  web01.example.com           |||\n|||  IPV4_ADDRESS        |  10.0.0.1                    |||\n||+----------------------+------------------------------+||\n||               MigrationTaskSummaryList                ||\n|+---------------------+-------------------+-------------+|\n||  MigrationTaskName  |  ProgressPercent  |   Status    ||\n|+---------------------+-------------------+-------------+|\n||  vm-2               |                   |  COMPLETED  ||\n|+---------------------+-------------------+-------------+|\n",
    ),
    (
        "empty lists",
        {"ProgressUpdateStreamSummaryList": [], "HomeRegionControls": [], "Count": 0},
        "0\n",
        "--------------------\n|ListMigrationTasks|\n+-----------+------+\n|  Count    |  0   |\n+-----------+------+\n",
    ),
    (
        "unicode",
        {"StatusDetail": "Überführung 日本語 — ok", "Name": "naïve"},
        "naïve\tÜberführung 日本語 — ok\n",
        "----------------------------------------\n|          ListMigrationTasks          |\n+-------+------------------------------+\n| Name  |        StatusDetail          |\n+-------+------------------------------+\n|  naïve|  Überführung 日本語 — ok   |\n+-------+------------------------------+\n",
    ),
    (
        "quoting and tabs",
        {"StatusDetail": 'say "hi"\tand it\'s, done', "Id": "x"},
        'x\tsay "hi"\tand it\'s, done\n',
        '-----------------------------------\n|       ListMigrationTasks        |\n+----+----------------------------+\n| Id |       StatusDetail         |\n+----+----------------------------+\n|  x |  say "hi"\tand it\'s, done   |\n+----+----------------------------+\n',
    ),
    (
        "rows of lists",
        [["s1", "t1", 10], ["s2", "t2", None]],
        "s1\tt1\t10\ns2\tt2\tNone\n",
        "----------------------\n| ListMigrationTasks |\n+----+------+--------+\n|  s1|  t1  |  10    |\n|  s2|  t2  |  None  |\n+----+------+--------+\n",
    ),
    (
        "list of scalars",
        {"Names": ["a", "b", "c"]},
        "NAMES\ta\nNAMES\tb\nNAMES\tc\n",
        "--------------------\n|ListMigrationTasks|\n+------------------+\n||      Names     ||\n|+----------------+|\n||  a             ||\n||  b             ||\n||  c             ||\n|+----------------+|\n",
    ),
    (
        "wide single row",
        {
            "aaaaaaaaaaaaaaaaaaaaaaaa": "value one",
            "bbbbbbbbbbbbbbbbbbbbbbbb": "value two",
            "cccccccccccccccccccccc": "value three",
        },
        "value one\tvalue two\tvalue three\n",
        "---------------------------------------------\n|            ListMigrationTasks             |\n+---------------------------+---------------+\n|  aaaaaaaaaaaaaaaaaaaaaaaa |  value one    |\n|  bbbbbbbbbbbbbbbbbbbbbbbb |  value two    |\n|  cccccccccccccccccccccc   |  value three  |\n+---------------------------+---------------+\n",
    ),
]

COLOUR_RESPONSE = {"MigrationTask": {"Name": "vm-1", "Task": {"Status": "FAILED"}}}
COLOUR_TABLE = "--------------------------\n|   ListMigrationTasks   |\n+------------------------+\n\x1b[2m\x1b[33m|\x1b[0m|     MigrationTask    |\x1b[2m\x1b[33m|\x1b[0m\n\x1b[2m\x1b[33m|\x1b[0m+----------+-----------+\x1b[2m\x1b[33m|\x1b[0m\n\x1b[2m\x1b[33m|\x1b[0m|  \x1b[1m\x1b[34mName\x1b[0m    |  \x1b[1m\x1b[34mvm-1\x1b[0m     |\x1b[2m\x1b[33m|\x1b[0m\n\x1b[2m\x1b[33m|\x1b[0m+----------+-----------+\x1b[2m\x1b[33m|\x1b[0m\n\x1b[2m\x1b[33m|\x1b[0m\x1b[2m\x1b[33m|\x1b[0m|        Task        |\x1b[2m\x1b[33m|\x1b[0m\x1b[2m\x1b[33m|\x1b[0m\n\x1b[2m\x1b[33m|\x1b[0m\x1b[2m\x1b[33m|\x1b[0m+---------+----------+\x1b[2m\x1b[33m|\x1b[0m\x1b[2m\x1b[33m|\x1b[0m\n\x1b[2m\x1b[33m|\x1b[0m\x1b[2m\x1b[33m|\x1b[0m|  \x1b[1m\x1b[34mStatus\x1b[0m |  \x1b[1m\x1b[34mFAILED\x1b[0m  |\x1b[2m\x1b[33m|\x1b[0m\x1b[2m\x1b[33m|\x1b[0m\n\x1b[2m\x1b[33m|\x1b[0m\x1b[2m\x1b[33m|\x1b[0m+---------+----------+\x1b[2m\x1b[33m|\x1b[0m\x1b[2m\x1b[33m|\x1b[0m\n"


def _text(data: Any) -> str:
    out = io.StringIO()
    format_text(data, out)
    return out.getvalue()


def _table(data: Any, color: bool = False) -> str:
    out = io.StringIO()
    render_table(TITLE, data, out, color)
    return out.getvalue()


@pytest.mark.parametrize(("case", "data", "text", "table"), CASES, ids=[c[0] for c in CASES])
def test_text_as_aws_prints_it(case: str, data: Any, text: str, table: str) -> None:
    assert _text(data) == text


@pytest.mark.parametrize(("case", "data", "text", "table"), CASES, ids=[c[0] for c in CASES])
def test_table_as_aws_draws_it(case: str, data: Any, text: str, table: str) -> None:
    assert _table(data) == table


def test_table_colour_as_aws_draws_it() -> None:
    assert _table(COLOUR_RESPONSE, color=True) == COLOUR_TABLE


def test_ragged_rows_are_padded() -> None:
    # The aws CLI stops with "Row should have 2 elements"; the short row gets empty cells.
    assert _table([["a", "b"], ["c"]]).splitlines()[4] == "|  c     |         |"


_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 10**6),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.text(st.sampled_from(list("ab xZ-é日\t,'\"")), max_size=12),
)
_KEYS = st.sampled_from(["Name", "Status", "Id", "a", "B", "LongerMemberName", "Task"])


def _containers(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    objects = st.dictionaries(_KEYS, children, max_size=4)
    # Lists as responses and queries make them: of objects, of scalars, or of rows.
    return st.one_of(
        objects,
        st.lists(objects, max_size=3),
        st.lists(_SCALARS, max_size=3),
        st.lists(st.lists(_SCALARS, min_size=2, max_size=2), max_size=3),
    )


_RESPONSES = st.recursive(_SCALARS, _containers, max_leaves=12)
_DOCUMENTS = _RESPONSES.filter(lambda d: isinstance(d, (dict, list)))


@settings(max_examples=300, deadline=None)
@given(_RESPONSES)
def test_text_same_as_aws(data: Any) -> None:
    from awscli.text import format_text as aws_format_text

    theirs = io.StringIO()
    aws_format_text(data, theirs)
    assert _text(data) == theirs.getvalue()


def test_shares_round_like_aws() -> None:
    # 14 * (58 / 56) lands just above 14.5 in floats and rounds up; the excess comes off
    # the first column, which ends up narrower than its need.
    assert _share([8, 20, 14, 14], 58) == [7, 21, 15, 15]
    # 16 * (66 / 64) is exactly 16.5 and rounds to even; the shortfall goes to the last.
    assert _share([10, 16, 16, 14, 8], 66) == [10, 16, 16, 15, 9]


def test_column_squeezed_below_its_need_drops_the_lead() -> None:
    lines = _table({"Id": None, "Name": "ZZZZZZZZZZ", "LongerMemberName": None, "Status": "ZZZZZZZZZZ"})
    assert lines.splitlines()[2] == "+-----+--------------------+--------------+--------------+"
    assert lines.splitlines()[5].startswith("|None |")


@settings(max_examples=300, deadline=None)
@given(_DOCUMENTS)
# Widths where a share falls on a half: the float scale decides which way it rounds.
@example({"Id": None, "Name": "ZZZZZZZZZZ", "LongerMemberName": None, "Status": "ZZZZZZZZZZ"})
@example({"Name": None, "Status": None, "Id": 0, "a": None})
@example({"Id": None, "Name": "ZZZZZZéé", "LongerMemberName": None, "Status": "ZZZZZZéé"})
@example({"aaaaaa": None, "bbbbbbbbbbbb": None, "cccccccccccc": None, "dddddddddd": None, "eeee": None})
@example(
    {"MigrationTaskSummaryList": [{"aaaaaaaaaaaa": None, "bbbbbbbbbb": "x", "ccccccccccccc": None, "ddddd": 7}] * 2}
)
def test_table_same_as_aws(data: Any) -> None:
    from awscli.formatter import TableFormatter

    theirs = io.StringIO()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("COLUMNS", "80")  # the width mighub assumes when not on a terminal
        TableFormatter(argparse.Namespace(color="off", query=None))(TITLE, data, theirs)
    assert _table(data) == theirs.getvalue()
