"""The shorthand parser against the aws CLI's own, on the syntax its docs show."""

from __future__ import annotations

from typing import Any

import pytest
from awscli.shorthand import ShorthandParseError, ShorthandParser
from hypothesis import given, settings
from hypothesis import strategies as st

from mighub.cli.aws import shorthand

CASES = [
    "a=b",
    "a=b,c=d",
    "a=b,c",
    "a=b,c,d=e",
    "Status=IN_PROGRESS,StatusDetail=\"Copying image data\",ProgressPercent=77",
    "a='single, quoted',b=\"double \\\" quote\"",
    "a=[b,c],d={e=f,g=[h,i]}",
    "a = b , c = d",
    "a=",
    "a=b\\,c",
    "a=b,c=[]",
    "k.dot#hash/slash:colon=v",
    "a={b={c=d}}",
    "a=foo bar,b=baz",
    "a=1,2,3,b=x",
    "a=b,,c=d",
    "a=b c=d",
]

BAD = ["a", "a=[b", "a={b=c", "a=b,a=c", "a=[b,c", "a=b,c='d"]


@pytest.mark.parametrize("text", CASES)
def test_same_as_aws(text: str) -> None:
    assert shorthand.parse(text) == ShorthandParser().parse(text)


@pytest.mark.parametrize("text", BAD)
def test_errors_where_aws_errors(text: str) -> None:
    with pytest.raises(ShorthandParseError) as theirs:
        ShorthandParser().parse(text)
    with pytest.raises(shorthand.ShorthandError) as ours:
        shorthand.parse(text)
    assert str(ours.value) == str(theirs.value)


_ALPHABET = st.sampled_from(list("ab=,[]{}'\" \\.-_x1"))


@settings(max_examples=400, deadline=None)
@given(st.text(_ALPHABET, min_size=1, max_size=14))
def test_any_input_same_outcome(text: str) -> None:
    def run(parse: Any, errors: type[Exception]) -> Any:
        try:
            return ("ok", parse(text))
        except errors as e:
            return ("error", str(e))
        except (IndexError, TypeError) as e:  # awscli's own crashes on some inputs
            return ("crash", type(e).__name__)

    theirs = run(ShorthandParser().parse, ShorthandParseError)
    if theirs[0] == "crash":
        return
    ours = run(shorthand.parse, shorthand.ShorthandError)
    assert ours[0] == theirs[0], (text, ours, theirs)
    if ours[0] == "ok":
        assert ours == theirs, text


def test_coerce_uses_the_model() -> None:
    import botocore.session

    model = botocore.session.get_session().get_service_model("mgh")
    task = model.operation_model("NotifyMigrationTaskState").input_shape.members["Task"]
    parsed = shorthand.coerce(shorthand.parse("Status=IN_PROGRESS,ProgressPercent=50"), task)
    assert parsed == {"Status": "IN_PROGRESS", "ProgressPercent": 50}
