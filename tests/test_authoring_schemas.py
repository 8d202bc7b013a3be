"""Every kind of file has its JSON Schema, its generated reference page, and located errors that
name the closest field of a misspelt one."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from carepath.authoring.validate import validate
from carepath.cli import main
from carepath.errors import RuleSetError
from carepath.exchange.docgen import PAGES, file_format_markdown
from carepath.rules.loader import load_yaml_file

ROOT = Path(__file__).resolve().parent.parent

# kind -> a bundled file of it, a top-level key, and a misspelling of that key
BUNDLED = {
    "test": ("rulesets/intl/palermo.test.yaml", "tests", "tets"),
    "invariants": ("rulesets/intl/care_path.invariants.yaml", "examples", "exampels"),
    "population": ("rulesets/intl/palermo.population.yaml", "description", "descripton"),
    "mapping": ("rulesets/mappings/mosvy.mapping.yaml", "vocabularies", "vocabularys"),
    "pipeline": ("rulesets/intl/care_path.pipeline.yaml", "steps", "stpes"),
}


def schema_of(kind: str) -> dict[str, object]:
    result = CliRunner().invoke(main, ["schema", f"--{kind}-file"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert isinstance(data, dict)
    return data


@pytest.mark.parametrize("kind", sorted(BUNDLED))
def test_each_kinds_schema_accepts_its_bundled_file_and_refuses_a_misspelt_key(kind: str) -> None:
    schema = schema_of(kind)
    assert str(schema["$id"]).startswith(f"urn:carepath:{kind}-file:v")
    file, key, wrong = BUNDLED[kind]
    data = json.loads(json.dumps(load_yaml_file(ROOT / file).data, default=str))
    jsonschema.validate(data, schema)
    broken = {(wrong if k == key else k): v for k, v in data.items()}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


@pytest.mark.parametrize("kind", sorted(BUNDLED))
def test_each_kinds_reference_page_is_the_one_generated(kind: str) -> None:
    page = (ROOT / "docs" / "reference" / PAGES[kind]).read_text(encoding="utf-8")
    assert page == file_format_markdown(kind), (
        f"run: carepath schema --{kind}-file --format markdown > docs/reference/{PAGES[kind]}"
    )
    result = CliRunner().invoke(main, ["schema", f"--{kind}-file", "--format", "markdown"])
    assert result.output == page


@pytest.mark.parametrize("kind", sorted(BUNDLED))
def test_a_misspelt_key_is_placed_and_the_closest_field_named(kind: str, tmp_path: Path) -> None:
    file, key, wrong = BUNDLED[kind]
    source = ROOT / file
    text = source.read_text(encoding="utf-8")
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines, 1) if line.startswith(f"{key}:"))
    copy = tmp_path / source.name  # the format is checked before any path it names is read
    copy.write_text(text.replace(f"\n{key}:", f"\n{wrong}:", 1), encoding="utf-8")
    errors = validate([copy])[copy]
    extra = [e for e in errors if e.field == wrong]
    assert extra, [str(e) for e in errors]
    value_at = at if lines[at - 1].split(":", 1)[1].strip() else at + 1  # where its value starts
    assert isinstance(extra[0], RuleSetError) and extra[0].line == value_at
    assert extra[0].message == f"not a field here (misspelt? did you mean {key!r}?)"


def test_validate_reports_a_test_files_error_on_the_command_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.test.yaml"
    path.write_text(
        "ruleset: intl/palermo\ntests:\n  - name: a test\n    sorce: {document: palermo, locator: x}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 1
    assert (
        f"{path}:4:12: tests[0].sorce: not a field here (misspelt? did you mean 'source'?)" in result.output
    )
    assert "Extra inputs are not permitted" not in result.output
    run = CliRunner().invoke(main, ["test", str(path)])
    assert run.exit_code == 1 and "Traceback" not in run.output  # the first error, on one line
    assert f"Error: {path}:3:5: tests[0].source: Field required" in run.output
