"""The web explainer driven end to end in a real headless browser: Debian's Chromium
(``apt-get install chromium``) driven by Playwright, against a real uvicorn server on a free
localhost port. A failing test saves a screenshot of the page in tests/artifacts/.

Set ``CAREPATH_SCREENSHOTS=docs/screenshots`` to write the explainer's screenshots for the docs.
Where Chromium or Playwright is missing the tests are skipped, except in CI (``CI=true``), where
they fail: CI installs both.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")

import yaml

import carepath
from carepath.plans.path import stages_before

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
DAY = dt.date(2026, 11, 23)
GIRL = yaml.safe_load((ROOT / "examples/care_path/girl-unsafe-family.yaml").read_text(encoding="utf-8"))


def _missing(why: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{why}: CI installs it (see docs/web-explainer.md)")
    pytest.skip(why)


try:
    from playwright.sync_api import Browser, Page, sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    _missing("playwright is not installed (pip install -e '.[test]')")
if not (Path(CHROMIUM).is_file() or shutil.which("chromium")):
    _missing("Chromium is not installed (apt-get install -y chromium)")

from live_server import serving  # noqa: E402


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    with serving() as address:
        yield address


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield launched
        finally:
            launched.close()


@contextmanager
def watched(browser: Browser, base: str, name: str, javascript: bool = True) -> Iterator[Page]:
    """A page; on failure a screenshot in tests/artifacts/; no console error, no request that
    failed and none that left the server, whatever happens."""
    context = browser.new_context(java_script_enabled=javascript, viewport={"width": 1400, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on(
        "console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None
    )
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
    page.on("request", lambda r: None if r.url.startswith(base) else problems.append(f"outside: {r.url}"))
    try:
        yield page
        assert not problems, problems
    except BaseException:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        raise
    finally:
        context.close()


def shoot(page: Page, name: str, selector: str | None = None) -> None:
    """A screenshot for the docs, when asked for (CAREPATH_SCREENSHOTS=folder)."""
    folder = os.environ.get("CAREPATH_SCREENSHOTS")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    path = str(Path(folder) / f"explainer-{name}.png")
    if selector is None:
        page.screenshot(path=path)
    else:
        page.locator(selector).screenshot(path=path)


def start(page: Page, base: str, subject: str) -> None:
    page.goto(base + "/")
    page.select_option("#subject", subject)
    page.fill("#as_of", DAY.isoformat())
    with page.expect_navigation():
        page.click("button[value=start]")


def current_question(page: Page) -> str | None:
    found = page.locator("#question")
    return found.get_attribute("data-question") if found.count() else None


def answer(page: Page, value: Any) -> None:
    """Fill in the current question as a person would, and send it."""
    form = page.locator("#question")
    if value is None:  # the example case does not say
        form.locator("input[name=word][value=unknown]").check()
    elif isinstance(value, bool):
        form.locator(f"input[name=answer][value={'yes' if value else 'no'}]").check()
    elif isinstance(value, list):
        for item in value:
            form.locator(f"input[name=answer][value={item}]").check()
    elif form.locator("input[type=radio][name=answer]").count():
        form.locator(f"input[name=answer][value={value}]").check()
    else:
        form.locator("input[name=answer]").fill(str(value))
    with page.expect_navigation():
        page.click("#answer")
    assert page.locator("#error").count() == 0, page.locator("#error").inner_text()


def answers_so_far(page: Page) -> dict[str, Any]:
    """The answers the page carries, read back as the API reads them."""
    pipe = carepath.load_pipeline("intl/care_path")
    from carepath.cli.interview import parse_answer

    found: dict[str, Any] = {}
    for field in page.locator("input[type=hidden][name^='a:']").all():
        name = (field.get_attribute("name") or "")[2:]
        found[name] = parse_answer(pipe.inputs[name], field.get_attribute("value") or "")
    return found


def test_a_trainer_demonstrates_the_example_girl_from_the_first_question_to_the_care_plan(
    browser: Browser, base: str
) -> None:
    case = GIRL["answers"]
    with watched(browser, base, "care-path") as page:
        start(page, base, "pipeline:intl/care_path")
        assert page.locator("h1").inner_text() == carepath.load_pipeline("intl/care_path").title
        first = page.locator("#first-choice")
        assert "provisional" in (first.get_attribute("class") or "")
        assert first.locator(".badge").inner_text() == "provisional"
        assert page.locator("#save").is_hidden()  # nothing answered yet: nothing to save
        shoot(page, "start")
        asked: list[str] = []
        while (name := current_question(page)) is not None:
            assert name not in asked and len(asked) < 200
            asked.append(name)
            answer(page, case.get(name))
            if len(asked) == 1:  # the script runs: the answers can be saved as a case file
                assert page.locator("#save").is_visible()
            if len(asked) == 10:
                check_midway(page)
                page.locator("h1").scroll_into_view_if_needed()
                shoot(page, "midway")
        assert page.locator("#done").is_visible()
        expected = carepath.assess(answers_so_far(page), DAY)
        assert expected.ranking is not None and expected.ranking.top is not None
        assert expected.ranking.top.option == "kinship_care"
        first = page.locator("#first-choice")
        assert "determined" in (first.get_attribute("class") or "")
        assert first.locator(".badge").inner_text() == "determined"
        assert "kinship_care" in first.locator("h2").inner_text()
        blocked = first.locator(".blocked").inner_text()
        assert [b.option for b in expected.ranking.blocked] == ["family_reunification"]
        assert expected.ranking.blocked[0].label in blocked
        assert expected.ranking.blocked[0].blocked_by[0].title in blocked
        assert expected.plan is not None and expected.plan.stage == "assessment"
        picture = page.locator("#path")
        assert picture.get_attribute("data-current") == expected.plan.stage_label
        here = picture.locator("ol.stages .stage.current")
        assert here.count() == 1 and here.get_attribute("data-stage") == "assessment"
        spec = carepath.load_pipeline("intl/care_path").model.path
        assert spec is not None
        passed = picture.locator("ol.stages .stage.passed").all()
        assert {p.get_attribute("data-stage") for p in passed} == set(stages_before(spec, "assessment"))
        for move in expected.plan.moves:
            row = page.locator("#plan tr.move", has_text=move.label)
            assert row.count() >= 1 and move.status in row.first.inner_text()
        shoot(page, "care-plan")

        # a policy author's what-if: the age from which a child's views weigh, raised
        page.fill("#set", "readiness.child_views_weight_age=17")
        with page.expect_navigation():
            page.click("#run-whatif")
        moved = page.locator("#whatif-table tr.moved[data-what='readiness.readiness'] td")
        assert moved.all_inner_texts()[1:] == ["not_ready", "ready_with_support"]
        assert page.locator("#whatif-table tr.same[data-what='identification.identification']").count() == 1
        assert page.locator("#whatif-rules").count() == 1
        page.locator("#whatif").scroll_into_view_if_needed()
        shoot(page, "what-if", "#whatif")
        # and an overlay: the same answers through the Cambodian care path
        page.fill("#set", "")
        page.select_option("#compare", "pipeline:kh/care_path")
        with page.expect_navigation():
            page.click("#run-whatif")
        notes = page.locator("#whatif-table tr.moved[data-what='identification.notes'] td").all_inner_texts()
        assert notes and "kh_refer_formal_identification" in notes[2]


def check_midway(page: Page) -> None:
    """After ten answers: the outcomes so far, and a rule's why-not with its source and quote."""
    expected = carepath.assess(answers_so_far(page), DAY)
    evaluation = expected["identification"]
    for name, outcome in evaluation.outcomes.items():
        row = page.locator(f"tr.outcome[data-outcome='identification.{name}']")
        assert ("determined" if outcome.determined else "open") in (row.get_attribute("class") or "")
    step, rule = next(
        (step, r)
        for step, ev in expected.steps.items()
        for r in (ev.trace.rules if ev.trace is not None else ())
        if r.status == "not_fired" and r.source and r.source.quote and any(c.value is False for c in r.checks)
    )
    section = page.locator(f"#step-{step}")
    item = section.locator(f"li.rule[data-rule='{rule.rule_id}']")
    assert not item.is_visible()  # folded until opened
    section.locator("summary").click()
    assert item.is_visible() and item.get_attribute("data-status") == "not_fired"
    shown = item.inner_text()
    assert rule.source is not None and rule.source.quote is not None
    assert f"{rule.source.document}, {rule.source.locator}" in shown
    assert re.sub(r"\s+", " ", rule.source.quote) in re.sub(r"\s+", " ", shown)
    assert any(f"not met: {c.text}" in shown for c in rule.checks if c.value is False)


def test_the_basic_flow_works_without_javascript(browser: Browser, base: str) -> None:
    case = GIRL["answers"]
    with watched(browser, base, "no-javascript", javascript=False) as page:
        start(page, base, "pipeline:intl/care_path")
        first_question = current_question(page)
        for _ in range(5):
            answer(page, case.get(current_question(page) or ""))
        assert page.locator("#answered li").count() == 5
        assert page.locator("#save").is_hidden()  # the script's button stays hidden without it
        assert page.locator("#first-choice .badge").inner_text() in ("provisional", "determined")
        assert page.locator("#path ol.stages .stage").count() >= 3
        with page.expect_navigation():
            page.click("#back")
        assert page.locator("#answered li").count() == 4
        with page.expect_navigation():
            page.click("#restart")
        assert current_question(page) == first_question
        assert page.locator("#answered li").count() == 0
