"""The aws-compatible command line: ``mighub mgh ...`` and ``mighub migrationhub-config ...``.

Everything (commands, options, skeletons, help) is generated from botocore's service
models; a command line from the aws CLI docs works with ``aws`` replaced by ``mighub``.
``main`` takes the argv after ``mighub`` and returns the aws CLI v2 exit code.
"""

from __future__ import annotations

import sys

from .errors import EXIT_COMMAND_LINE, EXIT_INTERRUPTED, EXIT_OTHER, CliError, CommandLineError

__all__ = ["is_aws_command", "main"]

# Global options that take a value: the word after them is not the command.
_VALUED_GLOBALS = frozenset(
    {
        "--endpoint-url",
        "--ca-bundle",
        "--output",
        "--query",
        "--profile",
        "--region",
        "--color",
        "--cli-read-timeout",
        "--cli-connect-timeout",
        "--cli-binary-format",
    }
)


def is_aws_command(argv: list[str]) -> bool:
    """Whether ``argv`` (after ``mighub``) is an aws-style command: its first word that is
    neither a global option nor an option's value is a service name or ``help``."""
    skip = False
    for word in argv:
        if skip:
            skip = False
            continue
        if word.startswith("-"):
            skip = word in _VALUED_GLOBALS
            continue
        return word in ("mgh", "migrationhub-config", "help")
    return False


def _invalid_choice(value: str, choices: list[str]) -> CommandLineError:
    from difflib import get_close_matches

    lines = ["argument command: Invalid choice, valid choices are:\n"]
    for i in range(0, len(choices), 2):
        lines.append(" | ".join(f"{c:<40}" for c in choices[i : i + 2]))
    close = get_close_matches(value, choices, cutoff=0.8)
    if close:
        lines.append(f"\n\nInvalid choice: {value!r}, maybe you meant:\n")
        lines.extend(f"  * {c}" for c in close)
    return CommandLineError("\n".join(lines), usage=True)


def _dispatch(argv: list[str]) -> int:
    from . import commands
    from .globals import parse_globals

    opts, rest = parse_globals(argv)
    if opts.version:
        from mighub import __version__

        sys.stdout.write(f"mighub/{__version__} Python/{sys.version.split()[0]}\n")
        return 0
    if not rest:
        raise CommandLineError("the following arguments are required: command", usage=True)
    if rest[0] == "help":
        from . import help

        help.top_help(sys.stdout)
        return 0
    service = rest[0]
    if service not in commands.SERVICES:
        raise _invalid_choice(service, list(commands.SERVICES))
    if len(rest) == 1:
        raise CommandLineError("the following arguments are required: operation", usage=True)
    if rest[1] in ("help", "--help", "-h"):
        from . import help

        help.service_help(service, sys.stdout)
        return 0
    operation = commands.operation_for(service, rest[1])
    if operation is None:
        raise _invalid_choice(rest[1], list(commands.operation_names(service)))
    args = rest[2:]
    if args == ["help"] or "--help" in args or "-h" in args:
        from . import help

        help.operation_help(service, rest[1], operation, sys.stdout)
        return 0
    from .invoke import run_operation

    return run_operation(service, operation, args, opts)


def main(argv: list[str]) -> int:
    """Run one aws-style command; return its exit code (252 command line, 253 configuration,
    254 service error, 255 anything else, 130 interrupted)."""
    try:
        return _dispatch(argv)
    except KeyboardInterrupt:
        sys.stderr.write("\n")
        return EXIT_INTERRUPTED
    except CommandLineError as e:
        if e.usage:
            from .help import USAGE

            sys.stderr.write(f"{USAGE}\nmighub: error: {e}\n")
        else:
            sys.stderr.write(f"\n{e}\n")
        return e.exit_code
    except CliError as e:
        sys.stderr.write(f"\n{e}\n")
        return e.exit_code
    except BrokenPipeError:
        return EXIT_OTHER
    except Exception as e:  # botocore's errors, classified as the aws CLI v2 does
        return _report(e)


def _report(error: Exception) -> int:
    from botocore.exceptions import (
        ClientError,
        NoCredentialsError,
        NoRegionError,
        PaginationError,
        ParamValidationError,
        ProfileNotFound,
    )

    from .errors import EXIT_CONFIGURATION, EXIT_SERVICE

    sys.stderr.write(f"\n{error}\n")
    if isinstance(error, ClientError):
        return EXIT_SERVICE
    if isinstance(error, (ParamValidationError, PaginationError)):
        return EXIT_COMMAND_LINE
    if isinstance(error, (NoCredentialsError, NoRegionError, ProfileNotFound)):
        return EXIT_CONFIGURATION
    return EXIT_OTHER
