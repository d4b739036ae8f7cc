"""Failures of the aws-compatible CLI and the exit codes aws CLI v2 gives them.

- ``CommandLineError`` (252): the command line is wrong: unknown option, bad value,
  missing required option, bad ``--query``, client-side parameter validation.
- ``ConfigurationError`` (253): the environment is wrong: unknown profile, no region
  or credentials that can be used.
- a service error (254) is botocore's ``ClientError``, shown as the aws CLI shows it.
- anything else (255), e.g. the endpoint cannot be reached.
- 130 on Ctrl-C.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_COMMAND_LINE = 252
EXIT_CONFIGURATION = 253
EXIT_SERVICE = 254
EXIT_OTHER = 255
EXIT_INTERRUPTED = 130


class CliError(Exception):
    exit_code = EXIT_OTHER


class CommandLineError(CliError):
    """A bad command line; ``usage`` asks for the usage banner before the message."""

    exit_code = EXIT_COMMAND_LINE

    def __init__(self, message: str, usage: bool = False) -> None:
        super().__init__(message)
        self.usage = usage


class ParamError(CommandLineError):
    """A value that could not be turned into the parameter its option names."""

    def __init__(self, cli_name: str, message: str) -> None:
        super().__init__(f"Error parsing parameter '{cli_name}': {message}")


class ConfigurationError(CliError):
    exit_code = EXIT_CONFIGURATION
