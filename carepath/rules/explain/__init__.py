"""Stage 5: explain a finished evaluation, step by step: why each rule did or did not apply.

Reads the values of a :class:`Run` of the traced values pass (every condition node's truth,
in ``Run.nodes``, and the supports of what stayed open) and builds the :class:`RuleStep` and
:class:`TargetStep` records of the trace. It evaluates no condition: a leaf's check shows the
truth the pass computed and the values it read. Per rule set and date a :class:`Plan` holds a
builder generated once (like the values pass: straight-line code, every constant passed by
name, no rule-file text in the code), and where each step's truths are, so that
:func:`contributing_steps` builds only the steps that may conclude one target. The steps are
those re-running every condition gives (``replay.replayed_steps``, the reference, tested in
``tests/rules/test_trace_from_pass.py``).
"""

from carepath.rules.explain.builder import Plan, trace_steps
from carepath.rules.explain.reading import contributing_steps
from carepath.rules.explain.records import answer_step

__all__ = ["Plan", "answer_step", "contributing_steps", "trace_steps"]
