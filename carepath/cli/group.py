"""The ``carepath`` command group, its shared options (``--as-of``, ``--set``) and the error
handling every command goes through.

Every :class:`CarepathError` becomes a one-line message and an exit code (1: invalid input or
rule file; 2: usage), in one place (:class:`_Main`); so does a standard output that cannot be
written (a closed pipe, a full disk). A command over many cases or rows (``assess``,
``import-submissions``) that skipped some it could not read exits :data:`SKIPPED_EXIT` (3).
Every ``-o`` / ``--save`` file is written atomically (:mod:`carepath.safeio`). Anything else is
a bug and keeps its traceback.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import sys
from typing import Any

import click

from carepath.errors import CarepathError, YamlError
from carepath.rules.answers import LAST_CASE_DATE
from carepath.rules.loader import Limits, load_yaml_text
from carepath.safeio import reason

DEFAULT_PIPELINE = "intl/care_path"
SKIPPED_EXIT = 3
"""The exit code of a command that did its work but skipped some rows or cases it could not read."""


def _date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("expected a date as YYYY-MM-DD") from None
    if day > LAST_CASE_DATE:
        raise click.BadParameter(f"a date after {LAST_CASE_DATE} is not accepted")
    return day


def _settings(_ctx: click.Context, _param: click.Parameter, value: tuple[str, ...]) -> dict[str, Any]:
    """``NAME=VALUE`` options -> settings; VALUE is read as one YAML scalar (a number, a date,
    true / false, a word), as it would be in a rule file."""
    settings: dict[str, Any] = {}
    for item in value:
        name, equals, text = item.partition("=")
        name = name.strip()
        if not equals or not name:
            raise click.BadParameter(f"{item!r}: expected NAME=VALUE")
        if name in settings:
            raise click.BadParameter(f"{name} is set twice")
        try:
            parsed = load_yaml_text(text, f"--set {name}", Limits(max_bytes=1000, max_depth=4)).data
        except YamlError as exc:
            raise click.BadParameter(f"{name}: {exc.message}") from None
        if parsed is None or isinstance(parsed, dict | list):
            raise click.BadParameter(f"{name}: the value is one number, date, true / false or word")
        settings[name] = parsed
    return settings


_OUTPUT_ERRNOS = frozenset((errno.EPIPE, errno.ENOSPC, errno.EIO, errno.EFBIG, errno.EDQUOT))


class _Main(click.Group):
    """The command group: the one place where a :class:`CarepathError` becomes one line and
    exit code 1, and where a standard output that cannot be written stops the command cleanly."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            result = super().invoke(ctx)
            sys.stdout.flush()
            return result
        except CarepathError as exc:
            raise click.ClickException(str(exc)) from None
        except OSError as exc:
            if exc.errno not in _OUTPUT_ERRNOS or exc.filename is not None:
                raise
            _drop_stdout()
            if exc.errno == errno.EPIPE:  # the reader went away (``| head``): not an error
                ctx.exit(1)
            raise click.ClickException(f"cannot write the output ({reason(exc)})") from None


def _drop_stdout() -> None:
    """Point standard output at /dev/null, so that the flush at exit cannot fail again."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError):
        pass


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="carepath")
def main() -> None:
    """carepath: anti-trafficking case-work standards as tested, explainable YAML rules.

    Outputs are recommendations with reasons; the competent authority decides.
    """
