"""The policy wildcard matcher (``*`` and ``?``), as pure functions.

Its meaning is the one the hub had with a translated regex (``*`` → ``.*``,
``?`` → ``.``, the rest literal, whole value): compared here on random patterns
and values with that regex and with ``fnmatch``, then on the inputs that made
the regex backtrack for seconds.
"""

from __future__ import annotations

import fnmatch
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from mighub.auth.wildcard import Wildcard


def regex_reference(pattern: str, value: str, ignore_case: bool = False) -> bool:
    translated = "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.fullmatch(translated, value, flags) is not None


# Small alphabets, so that matches (and near misses) are common.
patterns = st.text(alphabet="ab:/*?", max_size=12)
values = st.text(alphabet="ab:/*?\n", max_size=16)


@settings(max_examples=1000)
@given(pattern=patterns, value=values)
def test_matches_as_the_translated_regex_did(pattern: str, value: str) -> None:
    assert Wildcard(pattern).matches(value) == regex_reference(pattern, value)


@settings(max_examples=500)
@given(pattern=st.text(alphabet="ab:*?", max_size=10), value=st.text(alphabet="ab:", max_size=14))
def test_matches_as_fnmatch_does(pattern: str, value: str) -> None:
    # fnmatch knows [...] too; without brackets its semantics are IAM's.
    assert Wildcard(pattern).matches(value) == fnmatch.fnmatchcase(value, pattern)


@settings(max_examples=500)
@given(pattern=st.text(alphabet="aAbB:*?", max_size=10), value=st.text(alphabet="aAbB:", max_size=14))
def test_ignore_case(pattern: str, value: str) -> None:
    assert Wildcard(pattern, ignore_case=True).matches(value) == regex_reference(pattern, value, ignore_case=True)
    assert Wildcard(pattern).matches(value) == regex_reference(pattern, value)


def test_examples() -> None:
    stream = "arn:aws:mgh:us-east-1:111122223333:progressUpdateStream/Prod"
    assert Wildcard("arn:aws:mgh:us-east-1:111122223333:progressUpdateStream/Prod/*").matches(
        stream + "/migrationTask/t1"
    )
    assert not Wildcard("arn:aws:mgh:us-east-1:111122223333:progressUpdateStream/Prod/*").matches(stream)
    assert Wildcard("arn:aws:mgh:*:*:progressUpdateStream/Prod").matches(stream)
    assert Wildcard("arn:aws:mgh:us-?ast-1:*").matches(stream)
    assert not Wildcard("arn:aws:mgh:us-?ast-1:*").matches("arn:aws:mgh:us-ast-1:x")
    assert Wildcard("mgh:Describe?igrationTask", ignore_case=True).matches("MGH:DESCRIBEMIGRATIONTASK")
    assert not Wildcard("mgh:Describe?igrationTask").matches("mgh:describemigrationtask")
    assert Wildcard("*").matches("") and Wildcard("**").matches("x")
    assert not Wildcard("a*a").matches("a")  # the head and tail may not share a character
    assert Wildcard("a*?*b").matches("axb") and not Wildcard("a*?*b").matches("ab")


def test_the_inputs_that_made_the_regex_backtrack() -> None:
    """Many stars against a long value that almost matches: the old regex took
    time polynomial in the value (degree = number of stars); this is a few finds."""
    colons = ":" * 40_000
    arn = f"arn:aws:mgh:{colons}:111122223333:progressUpdateStream/s/migrationTask/t"
    assert not Wildcard("arn:aws:mgh:*:*:progressUpdateStream/Prod*/*").matches(arn)
    assert Wildcard("arn:aws:mgh:*:*:progressUpdateStream/*/*").matches(arn)
    assert not Wildcard("*:*:*:*:*:x").matches(colons)
    assert not Wildcard("*a?a*a?a*a?a*b").matches("a" * 40_000)
    assert not Wildcard("*?a?a?a?a?ab*").matches("a" * 40_000)


def test_policies_written_alike_compare_equal() -> None:
    """What a reload compares to tell which principals' policies changed."""
    from mighub.auth.policy import parse_policy

    document = {
        "Statement": [{"Effect": "Allow", "Action": "mgh:List*", "Resource": "arn:aws:mgh:*:1:progressUpdateStream/A*"}]
    }
    assert parse_policy(document) == parse_policy(document)
    other = {
        "Statement": [{"Effect": "Allow", "Action": "mgh:List*", "Resource": "arn:aws:mgh:*:1:progressUpdateStream/B*"}]
    }
    assert parse_policy(document) != parse_policy(other)
