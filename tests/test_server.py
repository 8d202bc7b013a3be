"""The HTTP service, called over a real socket on localhost: the same values as the API,
typed errors as 4xx JSON, a bound on the body, and no case data in any log."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")
uvicorn = pytest.importorskip("uvicorn")

from live_server import capture_every_log, serving  # noqa: E402

import carepath  # noqa: E402
from carepath.serve import api as server  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DAY = dt.date(2026, 11, 23)
CASE = {"age": 24, "act": ["recruitment"], "purpose": ["forced_labour"], "means": "unknown"}


class Service:
    def __init__(self, base: str) -> None:
        self.base = base

    def call(self, method: str, path: str, body: Any = None, raw: bytes | None = None) -> tuple[int, Any]:
        data = raw if raw is not None else None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())


@pytest.fixture(scope="module")
def service() -> Iterator[Service]:
    # The same settings as `carepath serve`, except that logging is left to the test (propagate).
    with serving() as base:
        yield Service(base)


def test_health(service: Service) -> None:
    assert service.call("GET", "/health") == (200, {"status": "ok", "version": carepath.__version__})


def test_list_names_every_bundled_rule_set_and_pipeline(service: Service) -> None:
    status, data = service.call("GET", "/rulesets")
    assert status == 200
    assert [r["id"] for r in data["rulesets"]] == carepath.bundled_ids()
    assert [p["id"] for p in data["pipelines"]] == carepath.bundled_pipelines()
    palermo = next(r for r in data["rulesets"] if r["id"] == "intl/palermo")
    rules = carepath.load("intl/palermo")
    assert (palermo["title"], palermo["version"]) == (rules.title, rules.version)


def test_schema(service: Service) -> None:
    status, data = service.call("GET", "/rulesets/intl/palermo/schema")
    assert status == 200
    assert data == carepath.case_schema(carepath.load("intl/palermo"))


def test_evaluate_gives_the_values_of_the_api(service: Service) -> None:
    status, data = service.call("POST", f"/rulesets/intl/palermo/evaluate?as_of={DAY}", CASE)
    assert status == 200
    expected = carepath.load("intl/palermo").evaluate(CASE, as_of=DAY)
    assert data == json.loads(expected.to_json())
    assert data["outcomes"]["identification"]["value"] == "possible_victim"
    assert data["missing"][0] == "means"


def test_evaluate_takes_a_case_file_with_contacts_and_no_trace(service: Service) -> None:
    case = carepath.read_case(ROOT / "examples/cases/woman-two-contacts.yaml")
    body = {"contacts": [{"id": c.id, "date": c.date.isoformat() if c.date else None, "answers": c.answers}
                         for c in case.contacts]}  # fmt: skip
    status, data = service.call("POST", f"/rulesets/intl/palermo/evaluate?as_of={DAY}&trace=false", body)
    assert status == 200
    assert data["trace"] is None
    expected = carepath.load("intl/palermo").evaluate(case, as_of=DAY, trace=False)
    assert data == json.loads(expected.to_json())


def test_a_float_in_exponent_form_stays_a_number() -> None:
    assert server._case(b'{"x": 1e-05, "y": 2.5E+3}') == {"x": 1e-05, "y": 2500.0}


def test_explain(service: Service) -> None:
    status, data = service.call("POST", f"/rulesets/intl/palermo/explain?as_of={DAY}", CASE)
    assert status == 200
    rules = carepath.load("intl/palermo")
    evaluation = rules.evaluate(CASE, as_of=DAY)
    questions = rules.next_questions(CASE, as_of=DAY)
    assert data["markdown"] == carepath.report.markdown(evaluation, rules, questions=questions)
    assert data["text"] == carepath.report.text(evaluation, rules, questions=questions)
    assert "## Outcomes" in data["markdown"]


def test_assess_ranks_kinship_care_first(service: Service) -> None:
    text = (ROOT / "examples/care_path/girl-unsafe-family.yaml").read_text(encoding="utf-8")
    import yaml

    body = yaml.safe_load(text)
    status, data = service.call("POST", f"/assess?pipeline=intl/care_path&as_of={DAY}", body)
    assert status == 200, data
    assert data["ranking"]["ranked"][0]["option"] == "kinship_care"
    assert [b["option"] for b in data["ranking"]["blocked"]] == ["family_reunification"]
    expected = carepath.assess(carepath.read_case(ROOT / "examples/care_path/girl-unsafe-family.yaml"),
                               DAY, trace=False)  # fmt: skip
    assert data == json.loads(expected.to_json())


def test_an_unknown_field_is_422_naming_its_length_never_the_key(service: Service) -> None:
    status, data = service.call("POST", "/rulesets/intl/palermo/evaluate", {**CASE, "agee": 30})
    assert status == 422
    assert data["error"] == "UnknownFieldError"
    assert data["field"] is None  # the key is the case's own
    assert "agee" not in data["message"] and "(4 characters)" in data["message"]
    assert "did you mean 'age'" in data["message"]  # a declared name may be named


def test_a_case_that_is_not_an_object_or_not_json_is_422(service: Service) -> None:
    status, data = service.call("POST", "/rulesets/intl/palermo/evaluate", [1, 2])
    assert (status, data["error"]) == (422, "CaseFormatError")
    status, data = service.call("POST", "/rulesets/intl/palermo/evaluate", raw=b"{not json")
    assert (status, data["error"]) == (422, "CaseFormatError")
    status, data = service.call("POST", "/rulesets/intl/palermo/evaluate?as_of=23/11/2026", CASE)
    assert (status, data["error"], data["field"]) == (422, "InvalidRequest", "as_of")


def test_an_unknown_rule_set_or_pipeline_is_404(service: Service) -> None:
    status, data = service.call("POST", "/rulesets/intl/palermoo/evaluate", CASE)
    assert status == 404
    assert data["error"] == "RuleSetNotFoundError"
    assert "intl/palermo" in data["message"]  # did you mean
    assert service.call("GET", "/rulesets/intl/nothing/schema")[0] == 404
    assert service.call("POST", "/assess?pipeline=intl/nothing", CASE)[0] == 404


def test_a_path_is_never_read_from_a_request(service: Service) -> None:
    path = ROOT / "rulesets/intl/palermo.yaml"
    status, data = service.call("GET", f"/rulesets/{path}/schema")
    assert (status, data["error"]) == (404, "RuleSetNotFoundError")


def test_a_body_over_the_limit_is_413(service: Service) -> None:
    big = {"age": 30, "description": "x" * (server.MAX_BODY + 10)}
    status, data = service.call("POST", "/rulesets/intl/palermo/evaluate", big)
    assert status == 413
    assert data["error"] == "RequestTooLarge"
    assert service.call("GET", "/health")[0] == 200  # and the service carries on


def test_the_openapi_document_lists_the_paths(service: Service) -> None:
    status, data = service.call("GET", "/openapi.json")
    assert status == 200
    assert data["info"] == {**data["info"], "title": "carepath", "version": carepath.__version__}
    assert {
        "/health",
        "/rulesets",
        "/rulesets/{id}/schema",
        "/rulesets/{id}/evaluate",
        "/rulesets/{id}/explain",
        "/assess",
        "/next-questions",
        "/rulesets/{id}/next-questions",
    } <= set(data["paths"])
    assert not {"/", "/explainer"} & set(data["paths"])  # the web explainer's pages are not API
    assert "requestBody" in data["paths"]["/assess"]["post"]


def _girl() -> dict[str, Any]:
    import yaml

    data: dict[str, Any] = yaml.safe_load((ROOT / "examples/care_path/girl-unsafe-family.yaml").read_text())
    return data


def _calls() -> dict[tuple[str, str], tuple[str, Any]]:
    """One real request for each operation of the OpenAPI document, by (path, method)."""
    q = f"as_of={DAY}"
    return {
        ("/health", "get"): ("/health", None),
        ("/rulesets", "get"): ("/rulesets", None),
        ("/rulesets/{id}/schema", "get"): ("/rulesets/intl/palermo/schema", None),
        ("/rulesets/{id}/evaluate", "post"): (f"/rulesets/intl/palermo/evaluate?{q}", CASE),
        ("/rulesets/{id}/explain", "post"): (f"/rulesets/intl/palermo/explain?{q}", CASE),
        ("/rulesets/{id}/next-questions", "post"): (f"/rulesets/intl/palermo/next-questions?{q}", CASE),
        ("/next-questions", "post"): (f"/next-questions?pipeline=intl/care_path&{q}", {"age": 16}),
        ("/assess", "post"): (f"/assess?pipeline=intl/care_path&{q}&trace=true", _girl()),
    }


def _validator(doc: dict[str, Any], schema: dict[str, Any]) -> Any:
    import jsonschema

    # the answer's schema, with the document's components where its references point
    return jsonschema.Draft202012Validator({**schema, "components": doc["components"]})


def test_every_200_answer_has_a_schema_that_validates_a_real_answer(service: Service) -> None:
    import jsonschema

    status, doc = service.call("GET", "/openapi.json")
    assert status == 200
    calls = _calls()
    operations = {(path, method) for path, item in doc["paths"].items() for method in item}
    assert operations == set(calls), "a route with no real request in this test"
    for (path, method), (url, body) in calls.items():
        schema = doc["paths"][path][method]["responses"]["200"]["content"]["application/json"]["schema"]
        assert schema, f"{method.upper()} {path}: an empty schema"
        status, data = service.call(method.upper(), url, body)
        assert status == 200, (path, data)
        _validator(doc, schema).validate(data)
    evaluate = doc["paths"]["/rulesets/{id}/evaluate"]["post"]["responses"]["200"]["content"]
    assert evaluate["application/json"]["schema"] == {"$ref": "#/components/schemas/Evaluation"}
    assessment = doc["components"]["schemas"]["Assessment"]
    assert assessment["properties"]["steps"]["additionalProperties"] == {
        "$ref": "#/components/schemas/StepResult"
    }
    # the schemas are carepath's own and are not empty shells: a broken answer is refused
    status, data = service.call("POST", f"/rulesets/intl/palermo/evaluate?as_of={DAY}", CASE)
    del data["outcomes"]["identification"]["status"]
    with pytest.raises(jsonschema.ValidationError):
        _validator(doc, evaluate["application/json"]["schema"]).validate(data)
    status, data = service.call("POST", f"/assess?as_of={DAY}", _girl())
    data["ranking"]["ranked"][0]["rank"] = "first"
    with pytest.raises(jsonschema.ValidationError):
        _validator(doc, {"$ref": "#/components/schemas/Assessment"}).validate(data)


def test_next_questions_of_a_rule_set_are_those_of_the_api_with_type_and_choices(service: Service) -> None:
    status, data = service.call("POST", f"/rulesets/intl/palermo/next-questions?as_of={DAY}", CASE)
    assert status == 200
    rules = carepath.load("intl/palermo")
    expected = rules.next_questions(CASE, as_of=DAY)
    assert [q["name"] for q in data["questions"]] == [q.name for q in expected]
    means = next(q for q in data["questions"] if q["name"] == "means")
    question = next(q for q in expected if q.name == "means")
    assert isinstance(question, carepath.Question)
    assert (means["type"], tuple(means["choices"])) == (question.type, question.choices)
    assert question.type == rules.inputs["means"].type == "set"
    assert question.choices == rules.inputs["means"].choice_values and "deception" in question.choices
    assert means["settles"] == question.settles and means["outcomes"] == list(question.outcomes)


def test_next_questions_of_the_care_path_follow_the_assessment(service: Service) -> None:
    case = {"age": 16, "act": ["recruitment"]}
    status, data = service.call("POST", f"/next-questions?pipeline=intl/care_path&as_of={DAY}", case)
    assert status == 200
    pipe = carepath.load_pipeline("intl/care_path")
    order = [n for n in carepath.assess(case, DAY).next_questions if n in pipe.inputs]
    assert [q["name"] for q in data["questions"]] == order
    first = data["questions"][0]
    assert first["type"] == pipe.inputs[first["name"]].type and first["outcomes"]
    assert all(q["settles"] is None for q in data["questions"])
    status, data = service.call("POST", "/next-questions?pipeline=intl/no_such", case)
    assert status == 404 and data["error"] == "RuleSetNotFoundError"


def test_no_case_data_reaches_any_log(
    service: Service, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    capture_every_log(caplog, monkeypatch)
    secret = f"survivor-{uuid.uuid4().hex}"
    answers = {"age": 37, "act": ["recruitment"], "purpose": ["forced_labour"]}
    case = {"case_id": f"case-{secret}", "description": f"said {secret}", "answers": answers}
    query = f"as_of={DAY}"
    assert service.call("POST", f"/rulesets/intl/palermo/evaluate?{query}", case)[0] == 200
    assert service.call("POST", f"/rulesets/intl/palermo/explain?{query}", case)[0] == 200
    status, data = service.call(
        "POST", f"/assess?{query}&trace=true", {**answers, "override_reason": f"because {secret}"}
    )
    assert status == 200 and secret in json.dumps(data)  # the text answer is in the trace
    status, data = service.call(
        "POST", f"/rulesets/intl/reintegration_risk/evaluate?{query}", {"override_reason": secret}
    )
    assert status == 200
    # errors: a wrong type carrying the value, and an unexpected failure quoting it
    status, data = service.call("POST", "/rulesets/intl/palermo/evaluate", {"age": secret})
    assert status == 422 and data["field"] == "age" and secret not in json.dumps(data)

    def broken(*_args: Any, **_kwargs: Any) -> str:
        raise RuntimeError(f"failed on {secret} aged 37")

    monkeypatch.setattr(carepath.report, "text", broken)
    status, data = service.call("POST", "/rulesets/intl/palermo/explain", case)
    assert status == 500 and secret not in json.dumps(data)

    time.sleep(0.1)  # let the server thread finish its logging
    assert any(r.name == "carepath.serve.api" for r in caplog.records)  # logging was captured
    assert not any(r.name == "uvicorn.access" for r in caplog.records)
    for record in caplog.records:
        shown = record.getMessage()
        if record.exc_info:
            shown += logging.Formatter().formatException(record.exc_info)
        assert secret not in shown, record.name
        assert not re.search(r"\bage\b|\baged\b", shown), record.name


def test_serve_without_the_extra_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from click.testing import CliRunner

    from carepath.cli import main

    monkeypatch.setitem(sys.modules, "fastapi", None)
    for name in [m for m in sys.modules if m == "carepath.serve.api" or m.startswith("carepath.serve.api.")]:
        monkeypatch.delitem(sys.modules, name)  # the package and its parts, all imported afresh
    result = CliRunner().invoke(main, ["serve"])
    assert result.exit_code == 1
    assert "pip install 'carepath[server]'" in result.output
