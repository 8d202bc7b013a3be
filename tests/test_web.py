"""The web explainer over a real socket, as a browser without JavaScript uses it: plain form
posts whose hidden fields carry the whole state; what the page shows after each answer; the
what-if; typed errors that name the field, never the value; no case data in any log."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")

import yaml
from live_server import capture_every_log, serving

import carepath

ROOT = Path(__file__).resolve().parent.parent
DAY = "2026-11-23"
DATE = dt.date(2026, 11, 23)
GIRL = yaml.safe_load((ROOT / "examples/care_path/girl-unsafe-family.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    with serving() as address:
        yield address


def post(base: str, fields: list[tuple[str, str]] | dict[str, Any]) -> tuple[int, str, dict[str, str]]:
    data = urllib.parse.urlencode(fields, doseq=True).encode()
    request = urllib.request.Request(base + "/explainer", data=data, method="POST")
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, answer.read().decode(), dict(answer.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(), dict(exc.headers)


def hidden(page: str) -> list[tuple[str, str]]:
    """The state the page carries to the next request."""
    found = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page)
    return [(html.unescape(k), html.unescape(v)) for k, v in found if k != "q"]


def question(page: str) -> str | None:
    found = re.search(r'data-question="([^"]+)"', page)
    return found.group(1) if found else None


def reply(value: Any) -> dict[str, Any]:
    """The form fields a person fills in for one of the example case's answers."""
    if value is None:
        return {"word": "unknown"}  # the case does not say: the question is answered "unknown"
    if isinstance(value, bool):
        return {"answer": "yes" if value else "no"}
    if isinstance(value, list):
        return {"answer": value}
    return {"answer": str(value)}


def answer(base: str, page: str, value: Any) -> str:
    fields = [*hidden(page), ("q", question(page) or ""), ("do", "answer")]
    for key, item in reply(value).items():
        fields += [(key, v) for v in (item if isinstance(item, list) else [item])]
    status, page, _ = post(base, fields)
    assert status == 200
    return page


def test_the_first_page_offers_the_care_paths_and_every_rule_set(base: str) -> None:
    with urllib.request.urlopen(base + "/", timeout=30) as answer:
        page = answer.read().decode()
        assert answer.headers["Cache-Control"] == "no-store"
        assert "default-src 'none'" in answer.headers["Content-Security-Policy"]
    options = re.findall(r'<option value="([^"]+)"', page)
    assert options[:2] == ["pipeline:intl/care_path", "pipeline:kh/care_path"] or {
        "pipeline:intl/care_path",
        "pipeline:kh/care_path",
    } <= set(options)
    assert {f"ruleset:{i}" for i in carepath.bundled_ids()} <= set(options)
    assert 'method="post" action="/explainer"' in page


def test_the_page_loads_nothing_from_outside_the_package(base: str) -> None:
    _, page, _ = post(base, {"subject": "pipeline:intl/care_path", "as_of": DAY, "do": "start"})
    links = re.findall(r'(?:src|href|action)="([^"]*)"', page)
    assert links and all(link.startswith(("/", "#")) or link == "data:," for link in links), links
    for name in ("explainer.css", "explainer.js"):
        with urllib.request.urlopen(f"{base}/explainer/static/{name}", timeout=30) as answer:
            assert answer.status == 200 and len(answer.read()) > 200


def test_a_rule_set_interview_asks_in_the_api_order_and_explains_each_answer(base: str) -> None:
    rules = carepath.load("intl/palermo")
    _, page, _ = post(base, {"subject": "ruleset:intl/palermo", "as_of": DAY, "do": "start"})
    first = rules.next_questions({}, as_of=DATE)[0].name
    assert question(page) == first
    case = {"age": 24, "act": ["recruitment"], "purpose": ["forced_labour"]}
    answers: dict[str, Any] = {}
    while (name := question(page)) is not None and name in case:
        page = answer(base, page, case[name])
        answers[name] = case[name]
    expected = rules.evaluate(answers, as_of=DATE)
    assert expected["identification"].value == "possible_victim"
    row = re.search(
        r'data-outcome="identification">\s*<td>identification</td><td class="value">([^<]*)<', page
    )
    assert row is not None and "possible_victim" in row.group(1) and "not yet known" in row.group(1)
    # a rule that does not apply says why not, with its source and quote
    assert expected.trace is not None
    rule = next(r for r in expected.trace.rules if r.status == "not_fired" and r.source and r.source.quote)
    assert rule.source is not None and rule.source.quote is not None
    start = page.index(f'<li class="rule" data-rule="{rule.rule_id}" data-status="not_fired">')
    shown = html.unescape(page[start : page.index("</li>\n", page.index('<div class="source">', start))])
    failed = [c.text for c in rule.checks if c.value is False]
    assert failed and all(f"not met: {text}" in shown for text in failed)
    assert f"{rule.source.document}, {rule.source.locator} ({rule.source.confidence})" in shown
    assert rule.source.quote in shown


def test_state_round_trips_in_the_form_and_back_undoes(base: str) -> None:
    _, page, _ = post(base, {"subject": "ruleset:intl/palermo", "as_of": DAY, "do": "start"})
    first = question(page)
    page = answer(base, page, 16 if first == "age" else None)
    state = hidden(page)
    assert ("a:" + str(first), "16" if first == "age" else "unknown") in state
    again = post(base, [*state, ("do", "refresh")])[1]
    assert hidden(again) == state and question(again) == question(page)  # nothing kept between requests
    _, undone, _ = post(base, [*state, ("do", "back")])
    assert question(undone) == first and not [k for k, _ in hidden(undone) if k.startswith("a:")]


def test_a_wrong_answer_is_told_by_its_field_never_its_value(base: str) -> None:
    secret = f"x{uuid.uuid4().hex[:8]}"
    start = {"subject": "ruleset:intl/palermo", "as_of": DAY}
    status, page, _ = post(base, {**start, "do": "answer", "q": "age", "answer": secret})
    assert status == 200 and 'id="error"' in page and "age: answer a whole number" in page
    assert secret not in page
    status, page, _ = post(base, {**start, "do": "answer", "q": "age", "answer": "987654"})
    assert 'id="error"' in page and "987654" not in page.split('id="error"')[1].split("</p>")[0]
    status, page, _ = post(base, {**start, "a:no_such_question_" + secret: "1", "do": "refresh"})
    assert status == 422 and secret not in page and "does not ask" in page
    status, page, _ = post(base, {"subject": "ruleset:intl/nothing", "do": "start"})
    assert status == 422 and "no rule set 'intl/nothing'" in html.unescape(page)


def test_a_form_posts_only_to_the_explainer(base: str) -> None:
    data = urllib.parse.urlencode({"age": 16}).encode()
    request = urllib.request.Request(base + "/assess", data=data, method="POST")
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 415


def test_the_example_girl_reaches_her_care_plan_and_a_what_if_moves_readiness(base: str) -> None:
    case = GIRL["answers"]
    _, page, _ = post(base, {"subject": "pipeline:intl/care_path", "as_of": DAY, "do": "start"})
    assert 'id="first-choice" class="card provisional"' in page  # nothing answered: provisional
    for _ in range(200):
        if question(page) is None:
            break
        page = answer(base, page, case.get(question(page)))
    assert question(page) is None and 'id="done"' in page
    expected = carepath.assess({k: v for k, v in case.items()}, DATE)
    assert expected.ranking is not None and expected.ranking.top is not None
    assert 'id="first-choice" class="card determined"' in page
    assert f"<code>{expected.ranking.top.option}</code>" in page
    assert expected.plan is not None and f'data-current="{expected.plan.stage_label}"' in page
    assert re.search(r'<li class="stage current" data-stage="assessment">', page)
    fields = [*hidden(page), ("set", "readiness.child_views_weight_age=17"), ("do", "whatif")]
    _, page, _ = post(base, fields)
    moved = dict(re.findall(r'<tr class="moved" data-what="([^"]+)"><td>[^<]*</td><td>([^<]*)</td>', page))
    assert moved.get("readiness.readiness") == "not_ready", moved
    same = re.findall(r'<tr class="same" data-what="identification.identification">', page)
    assert same


def test_no_case_data_reaches_any_log(
    base: str, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    capture_every_log(caplog, monkeypatch)
    secret = f"survivor-{uuid.uuid4().hex}"
    start = {"subject": "ruleset:intl/reintegration_risk", "as_of": DAY}
    status, page, _ = post(base, {**start, "do": "answer", "q": "override_reason", "answer": secret})
    assert status == 200 and secret in page  # the answer is shown back to the person who gave it
    status, page, _ = post(base, {**start, "a:override_reason": secret, "do": "whatif", "set": "nope=1"})
    assert status == 200 and 'id="whatif-error"' in page
    post(base, {**start, "a:override_reason": secret, "a:age": secret})  # a wrong type
    time.sleep(0.1)
    assert any(r.name == "carepath.serve.api" for r in caplog.records)  # logging was captured
    assert not any(r.name == "uvicorn.access" for r in caplog.records)
    for record in caplog.records:
        assert secret not in record.getMessage(), record.name
    assert json.dumps(start)  # the start fields themselves are no case data
