"""The reports in the words people use: labels with the id only as a small code, open values
that say what to ask, a one-screen summary, a page small enough to open in a room."""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

import pytest
import yaml

import carepath
from carepath import report
from carepath.report.vocab import Vocab, readable_condition

ROOT = Path(__file__).resolve().parents[1]
DAY = dt.date(2026, 11, 23)
INDEX = yaml.safe_load((ROOT / "examples/care_path/index.yaml").read_text(encoding="utf-8"))["examples"]
GIRL = ROOT / "examples/care_path/girl-unsafe-family.yaml"


def assess(case: Path, pipeline: str = "intl/care_path") -> tuple[carepath.Pipeline, str]:
    pipe = carepath.load_pipeline(pipeline)
    result = pipe.assess(carepath.read_case(case), as_of=DAY)
    return pipe, report.assessment_html(result, pipe)


def words_outside_codes(page: str) -> str:
    """What a reader reads as words: the page without its codes, quotes, locators and pictures."""
    body = page[page.index("<main>") :]
    for pattern in (r"<svg.*?</svg>", r"<pre.*?</pre>", r"<code>.*?</code>", r"<q>.*?</q>"):
        body = re.sub(pattern, " ", body, flags=re.DOTALL)
    body = re.sub(r'<span class="loc">.*?</span>', " ", body, flags=re.DOTALL)
    body = re.sub(r"\b(?:intl|kh)/[a-z_]+", " ", body)  # a rule set's id, named in a question
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


@pytest.fixture(scope="module")
def girl() -> tuple[carepath.Pipeline, str]:
    return assess(GIRL)


def test_no_raw_id_where_a_label_exists(girl: tuple[carepath.Pipeline, str]) -> None:
    pipe, page = girl
    labelled: set[str] = set()
    for rs in pipe.rulesets.values():
        for name, spec in {**rs.merged.outcomes, **rs.merged.facts}.items():
            if spec.label.get("en"):
                labelled.add(name)
            labelled.update(v for v, text in spec.value_labels.items() if text.get("en") and "_" in v)
    labelled = {name for name in labelled if "_" in name}  # a one-word id reads as a word
    assert {"consent_irrelevant_child", "not_ready", "family_safety"} <= labelled
    words = set(re.findall(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b", words_outside_codes(page)))
    assert not words & labelled, sorted(words & labelled)
    assert "<code>consent_irrelevant_child</code>" in page  # the id is still there, as a code


def test_values_read_as_a_person_writes_them(girl: tuple[carepath.Pipeline, str]) -> None:
    _, page = girl
    words = words_outside_codes(page)
    assert "no value" not in words
    assert not re.search(r"\b(True|False)\b", words)
    assert "['" not in html.unescape(page) and "&#39;, &#39;" not in page  # no Python lists
    assert "Meets the legal test of a victim of trafficking" in words  # the value's label


def test_an_open_set_is_never_none(girl: tuple[carepath.Pipeline, str]) -> None:
    _, page = girl
    pipe = carepath.load_pipeline("intl/care_path")
    result = pipe.assess(carepath.read_case(GIRL), as_of=DAY)
    open_empty = [
        (step, name)
        for step in result.order
        for name, o in result.steps[step].outcomes.items()
        if not o.determined and o.value in ([], ())
    ]
    assert open_empty  # the girl's protective actions are still open
    for step, name in open_empty:
        anchor = f'<div id="step-{step.replace("_", "-")}-{name.replace("_", "-")}">'
        block = page[page.index(anchor) :].split("</h4>", 1)[0]
        value = re.search(r'<span class="value">(.*?)</span>', block, flags=re.DOTALL)
        assert value is not None
        assert value.group(1).startswith("not yet known - ask: "), (step, name, value.group(1))
        assert "none" not in value.group(1).split(" - ask")[0]


def test_the_summary_comes_first_and_holds_the_care_path(girl: tuple[carepath.Pipeline, str]) -> None:
    _, page = girl
    glance = page[page.index('<section id="at-a-glance"') :].split("</section>", 1)[0]
    assert page.index('id="at-a-glance"') < page.index('id="care-options"') < page.index('id="step-')
    text = words_outside_codes("<main>" + glance)
    for heading in ("What the assessments found", "First choice", "Blocked options", "Next questions"):
        assert heading in text
    assert "Kinship care with a vetted relative" in text  # the first choice, and why
    assert "No return to a family assessed unsafe or complicit in the trafficking (hard gate)" in text
    assert glance.count("<li>", glance.index("Next questions")) >= 3
    assert "Next placement review" in text
    assert "Actions to confirm" in text


def test_a_provisional_first_choice_is_marked() -> None:
    _, page = assess(ROOT / "examples/care_path/kh-girl-form6-closure.yaml", "kh/care_path")
    glance = page[page.index('<section id="at-a-glance"') :].split("</section>", 1)[0]
    assert "Provisional first choice" in glance and "not yet a recommendation" in glance


@pytest.mark.parametrize("entry", INDEX, ids=[e["case"] for e in INDEX])
def test_the_care_path_page_of_each_example_is_under_150_kb(entry: dict[str, str]) -> None:
    _, page = assess(
        ROOT / "examples/care_path" / f"{entry['case']}.yaml", entry.get("pipeline", "intl/care_path")
    )
    size = len(page.encode("utf-8"))
    assert size < 150_000, f"{entry['case']}: {size} bytes"
    assert page.count("<details") <= 3


def test_the_picture_on_the_page_has_a_legend(girl: tuple[carepath.Pipeline, str]) -> None:
    _, page = girl
    figure = page[page.index('<figure class="picture">') :].split("</figure>", 1)[0]
    assert "Legend" in figure and "current stage" in figure


def test_the_text_reports_use_labels_and_open_values() -> None:
    pipe = carepath.load_pipeline("intl/care_path")
    result = pipe.assess(carepath.read_case(GIRL), as_of=DAY)
    for text in (report.assessment_text(result, pipe), report.assessment_markdown(result, pipe)):
        assert "no value" not in text and "['" not in text
        assert "Family safety (recommendation) (" in text  # the label, the id beside it
        assert "Protective actions the safety plan must contain (" in text
        line = next(x for x in text.splitlines() if "Protective actions the safety plan must contain" in x)
        assert "not yet known - ask: " in line and ": none" not in line


def test_vocab_spells_values_and_conditions() -> None:
    palermo = carepath.load("intl/palermo")
    v = Vocab(palermo.inputs, {**palermo.merged.facts, **palermo.merged.outcomes})
    assert v.value("child", True) == "yes"
    assert v.value("notes", [], determined=True) == "none"
    assert v.value("notes", [], determined=False, missing=["means"]).startswith(
        "not yet known - ask: Which means"
    )
    assert v.value("identification", None, determined=False) == "not yet known"
    assert v.value("x_y", "some_thing") == "some thing"
    assert readable_condition("purpose in ['a', 'b', 'c']") == "purpose in a, b or c"
    assert readable_condition("child == True") == "child == yes"


@pytest.mark.parametrize("pipeline", ["intl/care_path", "kh/care_path"])
def test_the_text_report_asks_an_earlier_steps_question_in_its_words(pipeline: str) -> None:
    """An open outcome may wait on a question another step declares: the text report asks it
    with that step's question, never as the field's id spelt out."""
    pipe = carepath.load_pipeline(pipeline)
    result = pipe.assess(carepath.read_case(GIRL), as_of=DAY)
    text = report.assessment_text(result, pipe)
    waited_on = {
        name
        for step, evaluation in result.steps.items()
        for outcome in evaluation.outcomes.values()
        for name in outcome.missing
        if name in pipe.inputs and name not in pipe.rulesets[step].inputs
    }
    assert waited_on, "the girl's first contact leaves an outcome waiting on an earlier step's question"
    vocab = Vocab(pipe.inputs, {})
    asked = re.findall(r"ask: (.+?)(?: \(and \d+ more questions?\))?$", text, flags=re.MULTILINE)
    for name in waited_on:
        question = vocab.ask(name)
        assert question != name.replace("_", " ")
        assert not any(line.startswith(name.replace("_", " ")) for line in asked), name
