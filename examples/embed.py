"""Embedding carepath in your own program: load a rule set, evaluate a case, read the result.

Run from the repository root:  python examples/embed.py

Outputs are recommendations with reasons, never determinations: the competent authority decides.
"""

import datetime as dt
import json
import sys
from pathlib import Path

import carepath

HERE = Path(__file__).resolve().parent

# 1. Load a rule set once: by bundled id (as here) or by a path to a YAML rule file.
#    Loading validates, merges the layers and compiles the rules; a RuleSet is then read-only,
#    so keep it and evaluate many cases with it (it is safe to share between threads).
palermo = carepath.load("intl/palermo")
print(f"Loaded {palermo!r}")

# 2. Read a case. read_case accepts YAML or JSON; a case file may wrap the answers in
#    `answers:` next to `case_id` and `description`. The result is a plain dict of answers,
#    so a case can equally come from a form, a database or a JSON request.
case = carepath.read_case(HERE / "cases" / "woman-labour-deception.yaml")

# 3. Evaluate on a fixed date. `as_of` picks the rules and parameters in force on that day;
#    without it carepath uses today, so pass it whenever results must be reproducible.
evaluation = palermo.evaluate(case, as_of=dt.date(2026, 11, 23))

# 4. Each outcome has a value and a status: "determined" when no unknown answer could change
#    it, "undetermined" while one still could (the value is then a placeholder or the part
#    that is already sure). `missing` lists the questions that could still change it.
for name, outcome in evaluation.outcomes.items():
    print(f"  {name:<20} {outcome.value!s:<28} {outcome.status}")
print(f"Questions still open: {list(evaluation.missing) or 'none'}")

# 5. JSON for storage or an API: outcomes, facts, missing questions and the full trace.
#    redact=True masks the values of inputs marked `sensitive` (here age, means, purpose and
#    consent) in the trace: in the answers and in the rule checks that read them. Outcomes and
#    facts stay, and they can say much about the answers (child: false means 18 or over).
document = evaluation.to_json(redact=True)
print(f"JSON document: {len(document):,} characters, keys {list(json.loads(document))}")
# The answers as the redacted trace records them (print `document` to see all of it):
for step in json.loads(document)["trace"]["answers"]:
    print(f"  {step['name']:<10} {step['kind']:<10} {json.dumps(step['value'])}")

# 6. Bad answers raise typed errors, all under carepath.CaseError. The message names the
#    field but never its value, because case data is about survivors: it is safe to log.
bad_case = {**case, "age": 250}
try:
    palermo.evaluate(bad_case, as_of=dt.date(2026, 11, 23))
except carepath.CaseError as error:
    print(f"Rejected case: {type(error).__name__}: {error}")
    print(f"  field: {error.field}")
    if "250" in str(error):
        sys.exit("an error message must not contain the case's value")
else:
    sys.exit("expected a CaseError for an age of 250")
