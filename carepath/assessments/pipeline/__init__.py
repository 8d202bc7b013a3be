"""Load a pipeline file, check it against its rule sets, and run a case through it.

Its parts: :mod:`~carepath.assessments.pipeline.loading` (the file, its ``extends`` and its steps'
rule sets), :mod:`~carepath.assessments.pipeline.checks` (ranking, order and feeds checked),
:mod:`~carepath.assessments.pipeline.running` (:class:`Pipeline`: running a case),
:mod:`~carepath.assessments.pipeline.feeding` (outcomes fed into later steps) and
:mod:`~carepath.assessments.pipeline.where` (where each part was declared, for errors).
"""

from __future__ import annotations

from carepath.assessments.pipeline.feeding import RANKING
from carepath.assessments.pipeline.loading import load_pipeline
from carepath.assessments.pipeline.running import Pipeline
from carepath.assessments.pipeline.running import ranking_outcomes as ranking_outcomes

__all__ = ["RANKING", "Pipeline", "load_pipeline"]
