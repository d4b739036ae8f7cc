"""The shorthand parser against the aws CLI's own, on the syntax its docs show."""

from __future__ import annotations

from typing import Any

import pytest
from awscli.shorthand import ShorthandParseError, ShorthandParser
from hypothesis import given, settings
from hypothesis import strategies as st

from mighub.cli.aws import coerce, shorthand

CASES = [
    "a=b",
    "a=b,c=d",
    "a=b,c",
    "a=b,c,d=e",
    'Status=IN_PROGRESS,StatusDetail="Copying image data",ProgressPercent=77',
    'a=\'single, quoted\',b="double \\" quote"',
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
    "a=[{b=c,d=[e,f]},{b=g}],h=i",
    "a=[],b={},c=[[]],d=[{}]",
    "a=[ b , 'c, d' ,\"e]\" ]",
    "a={ b = 'x y' , c = [ 1 , 2 ] }",
    "a=b\tc,d=\ne",
    "k=é,b=日本語,c=naïve text,d=[ü,{e=ß}]",
    "a='it\\'s',b=\"say \\\"hi\\\"\",c='back\\\\slash'",
    "a=x=y,b=[p=q],c={d=e=f}",
    "a=]",
    "a=,b",
    "a=b,c d,e",
    "a=\\,b\\,c",
]

BAD = ["a", "a=[b", "a={b=c", "a=b,a=c", "a=[b,c", "a=b,c='d", "a=b,", "a=x]", "a={b}", 'a="x"y', " a=b", "a=[b]]"]


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


_ALPHABET = st.sampled_from([*"ab=,[]{}'\" \\.-_x1@\té", "\\,", "\\'", "a=", "b=[", "c={"])


@settings(max_examples=400, deadline=None)
@given(st.lists(_ALPHABET, min_size=1, max_size=14).map("".join))
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
    parsed = coerce.apply_model(shorthand.parse("Status=IN_PROGRESS,ProgressPercent=50"), task)
    assert parsed == {"Status": "IN_PROGRESS", "ProgressPercent": 50}


def test_duplicate_key_points_at_the_key() -> None:
    with pytest.raises(shorthand.ShorthandError) as error:
        shorthand.parse("Status=FAILED,\n  Status=COMPLETED")
    assert str(error.value) == (
        'Second instance of key "Status" encountered for input:\n'
        "Status=FAILED,\n  Status=COMPLETED\n  ^\n"
        'This is often because there is a preceding "," instead of a space.'
    )


def test_characters_beyond_the_basic_plane() -> None:
    # The aws CLI refuses them in bare words (a gap in its character classes); they are
    # ordinary text here, as they already are inside quotes.
    assert shorthand.parse("Status=IN_PROGRESS,StatusDetail=copying 🚚") == {
        "Status": "IN_PROGRESS",
        "StatusDetail": "copying 🚚",
    }


def test_at_equals_reads_files(tmp_path: Any) -> None:
    from mighub.cli.aws import paramfile

    path = tmp_path / "detail.txt"
    path.write_text("from a file")
    uri = f"file://{path}"
    for text in (
        f"a@={uri}",
        f"a@={uri},{uri}",
        f"a @ = [{uri}]",
        f"a@='{uri}'",
        f"a={uri}",
        f"a@={{b={uri}}}",
        f"a@={{b@={uri}}}",
        f"a@=x,b={uri}",
    ):
        assert shorthand.parse(text, paramfile.load) == ShorthandParser().parse(text), text
    # "@" belongs to its key: a nested key without it does not turn it off for the rest.
    assert shorthand.parse(f"a@=[{{b={uri}}},{uri}]", paramfile.load) == {"a": [{"b": uri}, "from a file"]}
