"""``file://`` and ``fileb://`` parameter values, read the way the aws CLI reads them."""

from __future__ import annotations

import os

from .errors import CommandLineError

__all__ = ["load", "load_or_none"]


def _read(path: str, binary: bool) -> str | bytes:
    file_path = os.path.expandvars(os.path.expanduser(path))
    try:
        if binary:
            with open(file_path, "rb") as fb:
                return fb.read()
        with open(file_path, encoding="utf-8") as f:
            return f.read()
    except UnicodeDecodeError:
        raise CommandLineError(
            f"Unable to load paramfile ({file_path}), text contents could not be decoded.  "
            "If this is a binary file, please use the fileb:// prefix instead of the file:// prefix."
        ) from None
    except OSError as e:
        raise CommandLineError(f"Unable to load paramfile {path}: {e}") from None


def load_or_none(value: object) -> str | bytes | None:
    """The file's contents when ``value`` is a ``file://``/``fileb://`` URI, else None."""
    if isinstance(value, str):
        if value.startswith("fileb://"):
            return _read(value[len("fileb://") :], binary=True)
        if value.startswith("file://"):
            return _read(value[len("file://") :], binary=False)
    return None


def load(value: object) -> object:
    """The file's contents for a file URI, the value itself otherwise."""
    loaded = load_or_none(value)
    return value if loaded is None else loaded
