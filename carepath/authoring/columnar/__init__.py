"""Whole populations at once: a rule set's leaf tests as column expressions over a table of cases.

Needs the optional extra ``columnar`` (polars, pyarrow). See :mod:`carepath.authoring.columnar.engine`.
"""

from __future__ import annotations

from carepath.authoring.columnar.refusal import NotColumnar

__all__ = ["NotColumnar"]
