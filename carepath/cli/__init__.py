"""The ``carepath`` command: parse arguments -> call the API -> render.

The parts: :mod:`~carepath.cli.group` (the command group, the shared options and the error
handling every command goes through), and the commands by whom they serve:
:mod:`~carepath.cli.assess` (assess, picture), :mod:`~carepath.cli.authoring` (validate, schema,
test, check, lint, diff, synth, list), :mod:`~carepath.cli.exchange` (labels, export,
import-submissions), :mod:`~carepath.cli.followup` (caseload, followup) and
:mod:`~carepath.cli.serve` (interview, serve); :mod:`~carepath.cli.interview` is the terminal
interview itself.
"""

from __future__ import annotations

from carepath.cli import assess, authoring, exchange, followup, serve  # noqa: F401  (registers the commands)
from carepath.cli.group import SKIPPED_EXIT, main

__all__ = ["SKIPPED_EXIT", "main"]
