"""The HTML page: well formed, self-contained, every outcome with its rules and their sources,
sensitive values masked on request, case text escaped."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

import carepath
from carepath.cli import main
from carepath.report import assessment_html, evaluation_html, pictures
from carepath.rules.result import NOTICE
from carepath.rules.trace import REDACTED

ROOT = Path(__file__).resolve().parents[1]
DAY = dt.date(2026, 11, 23)
GIRL = ROOT / "examples/cases/girl-sexual-exploitation.yaml"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Page(HTMLParser):
    """Checks that every opened tag is closed, and collects the text of marked elements:
    ``data-rule`` cards, ``data-answer`` rows and ``data-option`` items."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict[str, str | None]]] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.marked: dict[str, list[str]] = {}
        self.open_marks: list[tuple[int, str, list[str]]] = []
        self.cells: dict[str, list[str]] = {}
        self.text: list[str] = []
        self.feed(text)
        self.close()
        assert not self.stack, f"not closed: {[t for t, _ in self.stack]}"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.tags.append((tag, found))
        if tag in VOID:
            return
        self.stack.append((tag, found))
        for attr in ("data-rule", "data-answer", "data-option", "data-target"):
            if found.get(attr):
                key = f"{attr}={found[attr]}"
                parts: list[str] = []
                self.marked.setdefault(key, []).append("")
                self.open_marks.append((len(self.stack), key, parts))
        if tag == "td" and found.get("class") == "answer-value":
            row = next((a.get("data-answer") for t, a in reversed(self.stack) if t == "tr"), None)
            assert row is not None
            self.open_marks.append((len(self.stack), f"cell={row}", []))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        assert self.stack, f"</{tag}> closes nothing"
        opened, _ = self.stack[-1]
        assert opened == tag, f"</{tag}> closes <{opened}>"
        while self.open_marks and self.open_marks[-1][0] == len(self.stack):
            _, key, parts = self.open_marks.pop()
            text = " ".join("".join(parts).split())
            if key.startswith("cell="):
                self.cells.setdefault(key[5:], []).append(text)
            else:
                self.marked[key][-1] = text
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        for _, _, parts in self.open_marks:
            parts.append(data)

    @property
    def plain(self) -> str:
        return " ".join("".join(self.text).split())


def well_formed(text: str) -> Page:
    page = Page(text)
    assert text.startswith("<!DOCTYPE html>")
    assert "<script" not in text.lower()
    for tag, attrs in page.tags:
        assert tag not in ("script", "iframe", "object", "embed", "link", "img")
        for name in ("src", "href", "xlink:href", "action"):
            value = (attrs.get(name) or "").strip()
            assert not re.match(r"(?i)(https?:)?//", value), f"<{tag} {name}={value}>"
            assert not value or value.startswith("#"), f"<{tag} {name}={value}>: only links inside the page"
    assert not re.search(r"(?i)url\(\s*['\"]?(https?:)?//", text)  # no fonts or images in the CSS
    assert "@import" not in text
    return page


@pytest.fixture(scope="module")
def palermo() -> carepath.RuleSet:
    return carepath.load("intl/palermo")


@pytest.fixture(scope="module")
def girl(palermo: carepath.RuleSet) -> carepath.Evaluation:
    return palermo.evaluate(carepath.read_case(GIRL), as_of=DAY)


def test_one_evaluation_shows_each_outcome_and_its_rules_with_their_sources(
    palermo: carepath.RuleSet, girl: carepath.Evaluation
) -> None:
    page = well_formed(evaluation_html(girl, palermo))
    assert NOTICE in page.plain
    assert girl.trace is not None
    for name, outcome in girl.outcomes.items():
        assert f"data-target={name}" in page.marked
        assert f"{name}:" in page.plain
        assert outcome.status in page.marked[f"data-target={name}"][0]
    fired = [s for s in girl.trace.rules if s.status == "fired"]
    assert fired
    for step in fired:
        assert step.source is not None
        cards = page.marked[f"data-rule={step.rule_id}"]
        assert any(step.source.locator in card and step.source.document in card for card in cards)
        assert any("applies" in card for card in cards)
    # a rule that did not apply, with the check that failed
    step = girl.trace.rule("palermo.purpose_open_list")
    assert step.status == "not_fired"
    failing = [c.text for c in step.checks if c.value is False]
    assert failing == ["purpose includes other_exploitation"]
    cards = page.marked["data-rule=palermo.purpose_open_list"]  # under each target it concludes
    assert len(cards) == 3
    for card in cards:
        assert "does not apply" in card
        assert "purpose includes other_exploitation is false" in card
        assert step.source is not None and step.source.locator in card
    # the rules an unknown answer keeps open, folded with the question
    (card,) = page.marked["data-rule=palermo.means"]
    assert "open" in card and "Waiting on: " in card and "means" in card  # the question, its id beside
    # hard rules are marked; the answers and the sources are listed
    assert "HARD" in page.marked["data-rule=palermo.child"][0].upper()
    assert page.cells["age"] == ["16"]
    assert "Sources" in page.plain and "Protocol to Prevent, Suppress and Punish" in page.plain


def test_the_why_not_parts_are_folded(palermo: carepath.RuleSet, girl: carepath.Evaluation) -> None:
    text = evaluation_html(girl, palermo)
    assert '<details class="rule" data-rule="palermo.purpose_open_list"' in text
    assert '<div class="rule" data-rule="palermo.identified"' in text


def test_redaction_masks_every_sensitive_value(palermo: carepath.RuleSet, girl: carepath.Evaluation) -> None:
    text = evaluation_html(girl, palermo, redact=True)
    page = well_formed(text)
    assert page.cells["age"] == [REDACTED]
    assert "age = 16" not in page.plain
    assert "age = [redacted]" in page.plain
    assert "prostitution_of_others" not in page.cells["purpose"][0]
    assert "purpose = prostitution_of_others" not in page.plain
    # the outcomes stay
    assert "victim" in page.marked["data-target=identification"][0]
    # without redaction, the value is there
    assert "age = 16" in well_formed(evaluation_html(girl, palermo)).plain


def test_case_text_is_escaped_never_markup() -> None:
    risk = carepath.load("intl/reintegration_risk")
    assert risk.inputs["override_reason"].type == "text"
    case = {"override_reason": "<b>x</b>", "override_level": "high"}
    evaluation = risk.evaluate(risk.check(case), as_of=DAY)
    text = evaluation_html(evaluation, risk)
    page = well_formed(text)
    assert "<b>x</b>" not in text
    assert "&lt;b&gt;x&lt;/b&gt;" in text
    assert page.cells["override_reason"] == ["<b>x</b>"]
    assert not any(tag == "b" for tag, _ in page.tags)
    redacted = evaluation_html(evaluation, risk, redact=True)
    assert "&lt;b&gt;" not in redacted and "<b>x" not in redacted
    assert Page(redacted).cells["override_reason"] == [REDACTED]


def test_without_a_trace_the_page_still_has_the_outcomes(palermo: carepath.RuleSet) -> None:
    evaluation = palermo.evaluate(carepath.read_case(GIRL), as_of=DAY, trace=False)
    page = well_formed(evaluation_html(evaluation, palermo))
    assert "data-target=identification" in page.marked
    assert "No trace was kept" in page.plain


@pytest.fixture(scope="module")
def pipeline() -> carepath.Pipeline:
    return carepath.load_pipeline("intl/care_path")


def test_the_pipeline_page_from_the_command() -> None:
    case = ROOT / "examples/care_path/girl-unsafe-family.yaml"
    args = ["assess", str(case), "--as-of", "2026-11-23", "--format", "html"]
    done = CliRunner().invoke(main, args)
    assert done.exit_code == 0, done.output
    page = well_formed(done.output)
    assert NOTICE in page.plain
    ranked = page.marked["data-option=kinship_care"]
    assert ranked and "care_options.kinship_care" in ranked[0]
    (blocked,) = page.marked["data-option=family_reunification"]
    assert "blocked by No return to a family" in blocked  # the gate's title, its id beside
    assert "care_options.no_return_to_unsafe_family HARD" in blocked.replace("hard", "HARD")
    assert "Care plan" in page.plain and "Current stage: Assessment" in page.plain
    assert 'data-move="placement"' in done.output
    assert "Next placement review" in page.plain
    for step in ("identification", "family_safety", "care_options", "case_path"):
        assert f'<section id="step-{step.replace("_", "-")}" class="step">' in done.output
    assert '<pre class="mermaid">' in done.output or "<svg" in done.output


def test_one_rule_set_from_the_command() -> None:
    args = [
        "assess",
        str(GIRL),
        "-r",
        "intl/palermo",
        "--as-of",
        "2026-11-23",
        "--format",
        "html",
        "--redact",
    ]
    done = CliRunner().invoke(main, args)
    assert done.exit_code == 0, done.output
    page = well_formed(done.output)
    assert page.cells["age"] == [REDACTED]


def test_redacted_pipeline_masks_the_answers_and_the_dates(pipeline: carepath.Pipeline) -> None:
    case = carepath.read_case(ROOT / "examples/care_path/girl-unsafe-family.yaml")
    plain = assessment_html(pipeline.assess(case, as_of=DAY), pipeline)
    assert "age = 16" in Page(plain).plain
    case = dict(case)
    case.update({"current_placement": "kinship_care", "placement_start": "2026-05-01"})
    result = pipeline.assess(case, as_of=DAY)
    assert result.plan is not None and any(d.due is not None for d in result.plan.due)
    shown = Page(assessment_html(result, pipeline))
    assert any(re.fullmatch(r"\d{4}-\d\d-\d\d", d) for d in _due_cells(assessment_html(result, pipeline)))
    text = assessment_html(result, pipeline, redact=True)
    page = well_formed(text)
    assert "age = 16" not in page.plain and "age = [redacted]" in page.plain
    assert page.cells["age"] and set(page.cells["age"]) == {REDACTED}
    assert "2026-05-01" not in text
    dues = _due_cells(text)
    assert dues and all(d == REDACTED or d.startswith("not known") for d in dues)
    assert shown.cells["age"] and set(shown.cells["age"]) == {"16"}


def _due_cells(text: str) -> list[str]:
    return re.findall(r'<td class="due-date">([^<]*)</td>', text)


def test_the_path_is_inline_svg_when_graphviz_draws_it(
    pipeline: carepath.Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn = (
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
        '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN"\n "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n'
        "<!-- Generated by graphviz -->\n"
        '<svg width="80pt" height="40pt" viewBox="0 0 80 40" xmlns="http://www.w3.org/2000/svg" '
        'xmlns:xlink="http://www.w3.org/1999/xlink">\n<g id="graph0" class="graph"><title>care_path</title>\n'
        '<polygon fill="white" points="0,0 80,0 80,40"/>\n<text x="4" y="20">Assessment</text>\n</g>\n</svg>\n'
    )
    monkeypatch.setattr(pictures, "svg", lambda dot: drawn)
    case = carepath.read_case(ROOT / "examples/care_path/girl-unsafe-family.yaml")
    text = assessment_html(pipeline.assess(case, as_of=DAY), pipeline)
    well_formed(text)
    assert '<svg width="80pt"' in text and "<?xml" not in text and "DOCTYPE svg" not in text
    assert '<pre class="mermaid">' not in text
    # an SVG that would run anything or fetch anything is not inlined: the Mermaid text is
    monkeypatch.setattr(pictures, "svg", lambda dot: drawn.replace("<g ", '<g onload="x()" '))
    text = assessment_html(pipeline.assess(case, as_of=DAY), pipeline)
    assert "onload" not in text and '<pre class="mermaid">' in text


def test_the_templates_ship_with_the_package() -> None:
    from importlib import resources

    folder = resources.files("carepath.report") / "templates"
    names = {p.name for p in folder.iterdir()}
    assert {"base.html.j2", "evaluation.html.j2", "assessment.html.j2", "macros.html.j2", "page.css"} <= names
