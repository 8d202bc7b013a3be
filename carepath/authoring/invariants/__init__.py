"""Invariants declared in YAML beside the rule sets, checked over generated cases.

The parts: :mod:`~carepath.authoring.invariants.model` (the invariants file, its format
described there), :mod:`~carepath.authoring.invariants.reading` (reading a file and what it
checks), :mod:`~carepath.authoring.invariants.given_cases` (the cases a ``given`` restricts),
:mod:`~carepath.authoring.invariants.references` (a case's outcomes as invariants refer to
them), :mod:`~carepath.authoring.invariants.violations` (whether a case breaks an invariant) and
:mod:`~carepath.authoring.invariants.results` (running a file: :func:`check_file`,
:func:`tally_file`).

``carepath check`` and the test suite run them with hypothesis (reproducibly, no database);
a failure shows the smallest case found. :func:`check_file` takes the number of cases.
"""

from __future__ import annotations

from carepath.authoring.invariants.model import DAY as DAY
from carepath.authoring.invariants.model import DERIVED as DERIVED
from carepath.authoring.invariants.model import PLAN as PLAN
from carepath.authoring.invariants.model import Check as Check
from carepath.authoring.invariants.model import Derived as Derived
from carepath.authoring.invariants.model import DerivedCase as DerivedCase
from carepath.authoring.invariants.model import Invariant, InvariantFile
from carepath.authoring.invariants.model import Monotone as Monotone
from carepath.authoring.invariants.model import Reason as Reason
from carepath.authoring.invariants.model import WorstValue as WorstValue
from carepath.authoring.invariants.reading import invariant_files, read_invariant_file
from carepath.authoring.invariants.references import Found as Found
from carepath.authoring.invariants.references import assess as assess
from carepath.authoring.invariants.references import assessment_refs as assessment_refs
from carepath.authoring.invariants.references import outcomes as outcomes
from carepath.authoring.invariants.references import truth as truth
from carepath.authoring.invariants.results import (
    InvariantResult,
    Tally,
    check_file,
    check_paths,
    tally_file,
)
from carepath.authoring.invariants.results import seed_of as seed_of
from carepath.authoring.invariants.violations import violation as violation
from carepath.rules.registry import INVARIANT_SUFFIX

__all__ = [
    "INVARIANT_SUFFIX",
    "Tally",
    "Invariant",
    "InvariantFile",
    "InvariantResult",
    "check_file",
    "check_paths",
    "invariant_files",
    "read_invariant_file",
    "tally_file",
]
