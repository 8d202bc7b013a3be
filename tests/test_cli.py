"""The command line, driven as a user would: assess, validate, schema, list."""

from __future__ import annotations

import datetime as dt
import json
import types
from pathlib import Path

import jsonschema
import yaml
from click.testing import CliRunner

import carepath
from carepath.cli import main

ROOT = Path(__file__).resolve().parent.parent
GIRL = str(ROOT / "examples/cases/girl-sexual-exploitation.yaml")
MAN = str(ROOT / "examples/cases/man-labour-means-unknown.yaml")


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_assess_text_explains_why_and_cites_art_3() -> None:
    code, out = run("assess", GIRL, "--ruleset", "intl/palermo", "--as-of", "2026-11-23")
    assert code == 0
    # labels first, the id beside them
    assert "- Identification (recommendation) (identification): Meets the legal test" in out
    assert "(palermo.child_no_means): applies [hard]" in out
    assert "source: palermo, Art. 3(c)" in out
    assert "overridden by the exception palermo.child_no_means" in out


def test_assess_lists_the_questions_that_remain() -> None:
    code, out = run("assess", MAN, "-r", "intl/palermo", "--as-of", "2026-11-23", "--format", "markdown")
    assert code == 0
    assert "(`identification`): Possible victim - questions remain (not final: not yet known - ask:" in out
    assert "## Questions that could still change an outcome\n\nBest first:" in out
    assert "1. Which means were used against the person?" in out and "(`means`)" in out


def test_assess_json_redacts_sensitive_values() -> None:
    code, out = run(
        "assess", GIRL, "-r", "intl/palermo", "--as-of", "2026-11-23", "--format", "json", "--redact"
    )
    assert code == 0
    data = json.loads(out)
    assert data["outcomes"]["identification"]["value"] == "victim"
    answers = {a["name"]: a for a in data["trace"]["answers"]}
    assert answers["age"]["value"] == "[redacted]"
    assert '"age", 16' not in out and "= 16" not in out
    child = next(r for r in data["trace"]["rules"] if r["rule_id"] == "palermo.child")
    assert child["checks"][0]["reads"][0] == ["age", "[redacted]"]


def test_assess_with_an_unknown_ruleset_names_it() -> None:
    code, out = run("assess", GIRL, "-r", "intl/palermoo")
    assert code == 1
    assert "no rule set 'intl/palermoo'" in out and "did you mean 'intl/palermo'" in out


def test_validate_the_bundled_rulesets() -> None:
    code, out = run("validate", str(ROOT / "rulesets"))
    assert code == 0
    assert "ok " in out and "0 invalid" in out


def test_schema_of_rule_files_validates_the_bundled_rule_file() -> None:
    code, out = run("schema")
    assert code == 0
    schema = json.loads(out)
    located = carepath.rules.loader.load_yaml_file(ROOT / "rulesets/intl/palermo.yaml")
    data = json.loads(json.dumps(located.data, default=str))
    jsonschema.validate(data, schema)
    broken = {**data, "rules": [{"id": "x.y", "title": "no kind"}]}
    try:
        jsonschema.validate(broken, schema)
    except jsonschema.ValidationError:
        pass
    else:
        raise AssertionError("a rule with no then/table/score must fail the schema")


def test_case_schema_accepts_the_examples_and_refuses_a_bad_case() -> None:
    expected = yaml.safe_load((ROOT / "examples/cases/expected.yaml").read_text(encoding="utf-8"))
    schemas: dict[str, dict[str, object]] = {}
    for name, entry in expected.items():
        rid = entry.get("ruleset", "intl/palermo")
        if rid not in schemas:
            code, out = run("schema", "--ruleset", rid)
            assert code == 0
            schemas[rid] = json.loads(out)
        jsonschema.validate(dict(carepath.read_case(ROOT / "examples/cases" / name)), schemas[rid])
    schema = schemas["intl/palermo"]
    for bad in ({"age": 130}, {"agee": 3}, {"act": ["walking"]}, {"consent": "maybe"}):
        try:
            jsonschema.validate(bad, schema)
        except jsonschema.ValidationError:
            continue
        raise AssertionError(f"{bad} should fail the case schema")


def test_list_shows_the_bundled_rulesets() -> None:
    code, out = run("list")
    assert code == 0
    assert "intl/palermo\t1.0.0\tPalermo Protocol legal test (international baseline)" in out.splitlines()


def test_public_api_is_exported_and_sorted() -> None:
    names = [n for n in vars(carepath) if not n.startswith("_") or n == "__version__"]
    exported = set(carepath.__all__)
    assert sorted(carepath.__all__) == carepath.__all__
    public = {n for n in names if not isinstance(getattr(carepath, n), types.ModuleType) or n in exported}
    assert public <= exported


def test_the_result_schema_validates_every_example_result_with_and_without_trace() -> None:
    code, out = run("schema", "--output")
    assert code == 0
    schema = json.loads(out)
    assert schema["$id"] == "urn:carepath:result:v1"
    expected = yaml.safe_load((ROOT / "examples/cases/expected.yaml").read_text(encoding="utf-8"))
    checked = 0
    for name, entry in expected.items():
        rules = carepath.load(entry.get("ruleset", "intl/palermo"))
        case = carepath.read_case(ROOT / "examples/cases" / name)
        for trace in (True, False):
            result = rules.evaluate(case, as_of=dt.date(2026, 11, 23), trace=trace)
            jsonschema.validate(json.loads(result.to_json(redact=True)), schema)
            checked += 1
    assert checked == 2 * len(expected)
    broken = json.loads(carepath.load("intl/palermo").evaluate({}, as_of=dt.date(2026, 11, 23)).to_json())
    del broken["outcomes"]["identification"]["status"]
    try:
        jsonschema.validate(broken, schema)
    except jsonschema.ValidationError:
        return
    raise AssertionError("a result without an outcome status must fail the schema")
