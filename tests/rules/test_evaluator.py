"""Evaluation semantics: conditions in all three truth values, hit policies, scores, exceptions,
effective dating, missing inputs, and the trace of each."""

from __future__ import annotations

import datetime as dt
import io
import re
import tokenize
from collections.abc import Callable
from pathlib import Path

import pytest

import carepath
from carepath import EvaluationError

DAY = dt.date(2026, 1, 1)

RULES = """
inputs:
  a: {type: bool, question: {en: A}}
  b: {type: bool, question: {en: B}}
  n: {type: int, min: 0, max: 100, question: {en: N}}
  colour: {type: enum, choices: [red, green, blue], question: {en: Colour}}
  tags: {type: set, choices: [x, y, z], question: {en: Tags}}
  when: {type: date, question: {en: When}}
parameters:
  limit:
    description: a dated threshold
    values:
      - {valid_from: 2000-01-01, valid_to: 2019-12-31, value: 10, source: {document: doc, locator: p1, confidence: verbatim}}
      - {valid_from: 2020-01-01, value: 20, source: {document: doc, locator: p2, confidence: verbatim}}
facts:
  both: {type: bool, default: false}
  either: {type: bool, default: false}
  neither: {type: bool, default: false}
  big: {type: bool, default: false}
  two_of: {type: bool, default: false}
  in_list: {type: bool, default: false}
  has_x: {type: bool, default: false}
  known_a: {type: bool, default: false}
  recent: {type: bool, default: false}
outcomes:
  first: {type: enum, values: [hi, mid, lo]}
  unique: {type: enum, values: [hi, mid, lo]}
  priority: {type: enum, values: [hi, mid, lo]}
  collected: {type: set, values: [p, q, r]}
  counted: {type: number}
  summed: {type: number}
  level: {type: enum, values: [low, moderate, high], undetermined_value: moderate}
  score: {type: number}
  band: {type: enum, values: [low, moderate, high]}
rules:
  - {id: r.both, title: both, when: {all: [{is_true: a}, {is_true: b}]}, then: {both: true}, source: SRC}
  - {id: r.either, title: either, when: {any: [{is_true: a}, {is_true: b}]}, then: {either: true}, source: SRC}
  - {id: r.neither, title: neither, when: {not: {any: [{is_true: a}, {is_true: b}]}}, then: {neither: true}, source: SRC}
  - {id: r.big, title: big, when: {">=": [n, {param: limit}]}, then: {big: true}, source: SRC}
  - id: r.two_of
    title: two of three
    when: {count_at_least: {n: 2, of: [{is_true: a}, {is_true: b}, {"==": [colour, red]}]}}
    then: {two_of: true}
    source: SRC
  - {id: r.in_list, title: in, when: {in: [colour, [red, blue]]}, then: {in_list: true}, source: SRC}
  - {id: r.has_x, title: contains, when: {contains: [tags, x]}, then: {has_x: true}, source: SRC}
  - {id: r.known_a, title: known, when: {is_known: a}, then: {known_a: true}, source: SRC}
  - {id: r.recent, title: recent, when: {">=": [when, 2025-01-01]}, then: {recent: true}, source: SRC}
  - id: r.first
    title: FIRST table
    source: SRC
    table:
      hit_policy: FIRST
      inputs: [colour, n]
      output: first
      rows:
        - {id: red_big, when: [red, {">": 50}], then: hi}
        - {id: any_big, when: ["-", {">": 50}], then: mid}
        - {id: rest, when: ["-", "-"], then: lo}
  - id: r.unique
    title: UNIQUE table
    source: SRC
    table:
      hit_policy: UNIQUE
      inputs: [colour]
      output: unique
      rows:
        - {when: [red], then: hi}
        - {when: [green], then: mid}
        - {when: [blue], then: lo}
  - id: r.priority
    title: PRIORITY table
    source: SRC
    table:
      hit_policy: PRIORITY
      inputs: [a, b]
      output: priority
      rows:
        - {id: a_row, when: [true, "-"], then: hi}
        - {id: b_row, when: ["-", true], then: mid}
        - {id: always, when: ["-", "-"], then: lo}
  - id: r.collect
    title: COLLECT table
    source: SRC
    table:
      hit_policy: COLLECT
      inputs: [tags]
      output: collected
      rows:
        - {when: [x], then: [p]}
        - {when: [[y, z]], then: [q]}
  - id: r.count
    title: COLLECT count
    source: SRC
    table:
      hit_policy: COLLECT
      aggregate: count
      inputs: [a, b]
      output: counted
      rows:
        - {when: [true, "-"], then: 1}
        - {when: ["-", true], then: 1}
  - id: r.sum
    title: COLLECT sum
    source: SRC
    table:
      hit_policy: COLLECT
      aggregate: sum
      inputs: [a, b]
      output: summed
      rows:
        - {when: [true, "-"], then: 2}
        - {when: ["-", true], then: 5}
  - id: r.score
    title: weighted score
    source: SRC
    score:
      target: score
      items:
        - {id: a, when: {is_true: a}, weight: 3}
        - {id: b, when: {is_true: b}, weight: 2}
        - {id: big, when: {">": [n, 50]}, weight: {param: limit}}
      bands:
        target: band
        below: low
        thresholds: [{at_least: 3, value: moderate}, {at_least: 5, value: high}]
  - {id: r.level_high, title: high, when: {is_true: a}, then: {level: high}, source: SRC}
  - {id: r.level_low, title: low, when: {not: {is_true: a}}, then: {level: low}, source: SRC}
""".replace("SRC", "{document: doc, locator: s1, confidence: verbatim}")


@pytest.fixture
def rules(write_rules: Callable[..., Path]) -> carepath.RuleSet:
    return carepath.load(write_rules(RULES))


def facts(rs: carepath.RuleSet, case: dict[str, object], day: dt.date = DAY) -> dict[str, object]:
    return rs.evaluate(case, as_of=day, trace=False).facts


@pytest.mark.parametrize(
    ("a", "b", "both", "either", "neither"),
    [
        (True, True, True, True, False),
        (True, False, False, True, False),
        (True, "unknown", None, True, False),
        (False, "unknown", False, None, None),
        ("unknown", "declined", None, None, None),
        (False, False, False, False, True),
    ],
)
def test_all_any_not_in_three_values(
    rules: carepath.RuleSet, a: object, b: object, both: object, either: object, neither: object
) -> None:
    got = facts(rules, {"a": a, "b": b})
    assert (got["both"], got["either"], got["neither"]) == (both, either, neither)


def test_comparison_with_dated_parameter(rules: carepath.RuleSet) -> None:
    assert facts(rules, {"n": 15}, dt.date(2019, 6, 1))["big"] is True  # limit 10 then
    assert facts(rules, {"n": 15}, dt.date(2020, 6, 1))["big"] is False  # limit 20 from 2020
    assert facts(rules, {}, DAY)["big"] is None  # not asked is unknown, not no


def test_parameter_with_no_value_in_force_is_an_error(rules: carepath.RuleSet) -> None:
    with pytest.raises(EvaluationError, match="limit"):
        rules.evaluate({}, as_of=dt.date(1999, 1, 1))


def test_count_at_least(rules: carepath.RuleSet) -> None:
    assert facts(rules, {"a": True, "colour": "red"})["two_of"] is True
    assert facts(rules, {"a": True, "b": False})["two_of"] is None  # colour unknown could decide
    assert facts(rules, {"a": False, "b": False})["two_of"] is False


def test_membership_sets_dates_and_is_known(rules: carepath.RuleSet) -> None:
    got = facts(rules, {"colour": "blue", "tags": ["x", "y"], "when": "2025-03-01", "a": "declined"})
    assert (got["in_list"], got["has_x"], got["recent"], got["known_a"]) == (True, True, True, False)
    got = facts(rules, {"colour": "green", "tags": [], "when": "2024-12-31", "a": False})
    assert (got["in_list"], got["has_x"], got["recent"], got["known_a"]) == (False, False, False, True)


def outcome(rs: carepath.RuleSet, case: dict[str, object], name: str) -> carepath.Outcome:
    return rs.evaluate(case, as_of=DAY)[name]


def test_first_hit_policy(rules: carepath.RuleSet) -> None:
    assert outcome(rules, {"colour": "red", "n": 60}, "first").value == "hi"
    assert outcome(rules, {"colour": "green", "n": 60}, "first").value == "mid"
    assert outcome(rules, {"colour": "green", "n": 10}, "first").value == "lo"
    # an earlier row of unknown truth keeps FIRST open, and names the input it waits on
    open_ = outcome(rules, {"colour": "unknown", "n": 60}, "first")
    assert (open_.status, set(open_.candidates), open_.missing) == (
        "undetermined",
        {"hi", "mid"},
        ("colour",),
    )


def test_unique_hit_policy(rules: carepath.RuleSet) -> None:
    assert outcome(rules, {"colour": "green"}, "unique").value == "mid"
    assert outcome(rules, {}, "unique").status == "undetermined"


def test_priority_hit_policy(rules: carepath.RuleSet) -> None:
    assert outcome(rules, {"a": True, "b": True}, "priority").value == "hi"
    assert outcome(rules, {"a": False, "b": True}, "priority").value == "mid"
    assert outcome(rules, {"a": False, "b": False}, "priority").value == "lo"
    # a higher-priority row of unknown truth keeps it open; a lower one does not matter
    assert outcome(rules, {"a": "unknown", "b": True}, "priority").status == "undetermined"
    assert outcome(rules, {"a": True, "b": "unknown"}, "priority").value == "hi"


def test_collect_hit_policy_and_aggregates(rules: carepath.RuleSet) -> None:
    ev = rules.evaluate({"tags": ["x", "z"], "a": True, "b": True}, as_of=DAY)
    assert ev["collected"].value == ["p", "q"]
    assert (ev["counted"].value, ev["summed"].value) == (2, 7)
    ev = rules.evaluate({"tags": "unknown", "a": True, "b": "unknown"}, as_of=DAY)
    assert ev["collected"].status == "undetermined"
    assert ev["counted"].status == "undetermined"
    assert (ev["summed"].status, ev["summed"].missing) == ("undetermined", ("b",))


def test_weighted_score_and_bands(rules: carepath.RuleSet) -> None:
    ev = rules.evaluate({"a": True, "b": True, "n": 10}, as_of=DAY)
    assert (ev["score"].value, ev["band"].value) == (5, "high")
    ev = rules.evaluate({"a": True, "b": False, "n": 10}, as_of=DAY)
    assert (ev["score"].value, ev["band"].value) == (3, "moderate")
    # the weight of `big` is the dated parameter: 20 from 2020
    ev = rules.evaluate({"a": False, "b": False, "n": 60}, as_of=DAY)
    assert (ev["score"].value, ev["band"].value) == (20, "high")
    # unknown items: the score is a range; the band is settled once the range sits in one band
    ev = rules.evaluate({"a": True, "b": "unknown", "n": 10}, as_of=DAY)
    assert ev["score"].status == "undetermined"
    assert ev["band"].status == "undetermined"
    assert set(ev["band"].candidates) == {"moderate", "high"}
    assert ev["band"].missing == ("b",)
    ev = rules.evaluate({"a": True, "b": True, "n": "unknown"}, as_of=DAY)
    assert (ev["band"].value, ev["band"].status) == ("high", "determined")


def test_undetermined_value_is_reported_with_its_status(rules: carepath.RuleSet) -> None:
    level = outcome(rules, {}, "level")
    assert (level.value, level.status, level.missing) == ("moderate", "undetermined", ("a",))
    assert outcome(rules, {"a": True}, "level").value == "high"


EXCEPTIONS = """
inputs:
  child: {type: bool, question: {en: Child}}
  special: {type: bool, question: {en: Special}}
facts:
  needs_means: {type: bool}
outcomes:
  result: {type: enum, values: [general, exception, deeper]}
rules:
  - {id: g.general, title: general rule, then: {needs_means: true, result: general}, source: SRC}
  - id: g.child
    title: exception for a child
    exception_to: [g.general]
    when: {is_true: child}
    then: {needs_means: false, result: exception}
    source: SRC
  - id: g.special
    title: exception to the exception
    exception_to: [g.child]
    when: {is_true: special}
    then: {needs_means: false, result: deeper}
    source: SRC
""".replace("SRC", "{document: doc, locator: s1, confidence: verbatim}")


def test_exception_overrides_the_general_rule_and_the_trace_shows_the_winner(
    write_rules: Callable[..., Path],
) -> None:
    rs = carepath.load(write_rules(EXCEPTIONS))
    ev = rs.evaluate({"child": True, "special": False}, as_of=DAY)
    assert (ev.facts["needs_means"], ev["result"].value) == (False, "exception")
    assert ev["result"].decided_by == ("g.child",)
    assert ev.trace is not None
    general = ev.trace.rule("g.general")
    assert (general.status, general.overridden_by) == ("overridden", ("g.child",))
    assert ev.trace.rule("g.child").status == "fired"


def test_exception_of_an_exception(write_rules: Callable[..., Path]) -> None:
    rs = carepath.load(write_rules(EXCEPTIONS))
    ev = rs.evaluate({"child": True, "special": True}, as_of=DAY)
    assert ev["result"].value == "deeper"
    assert ev.trace is not None and ev.trace.rule("g.child").status == "overridden"


def test_an_unknown_exception_keeps_the_general_rule_open(write_rules: Callable[..., Path]) -> None:
    rs = carepath.load(write_rules(EXCEPTIONS))
    ev = rs.evaluate({"child": "unknown", "special": False}, as_of=DAY)
    assert ev["result"].status == "undetermined"
    assert set(ev["result"].candidates) == {"general", "exception"}
    assert ev["result"].missing == ("child",)
    assert rs.evaluate({"child": False, "special": False}, as_of=DAY)["result"].value == "general"
    # Catala semantics: an exception to the exception applies on its own, so it stays open
    assert rs.evaluate({"child": False}, as_of=DAY)["result"].missing == ("special",)


def test_conflicting_rules_are_reported_not_hidden(write_rules: Callable[..., Path]) -> None:
    src = "{document: doc, locator: s1, confidence: verbatim}"
    rs = carepath.load(
        write_rules(
            f"""
            inputs:
              a: {{type: bool, question: {{en: A}}}}
            outcomes:
              o: {{type: enum, values: [x, y]}}
            rules:
              - {{id: c.one, title: one, when: {{is_true: a}}, then: {{o: x}}, source: {src}}}
              - {{id: c.two, title: two, when: {{is_true: a}}, then: {{o: y}}, source: {src}}}
            """
        )
    )
    o = rs.evaluate({"a": True}, as_of=DAY)["o"]
    assert (o.status, o.value, o.conflict) == ("undetermined", None, ("c.one", "c.two"))


def test_rule_effective_dates(write_rules: Callable[..., Path]) -> None:
    src = "{document: doc, locator: s1, confidence: verbatim}"
    rs = carepath.load(
        write_rules(
            f"""
            inputs:
              a: {{type: bool, question: {{en: A}}}}
            outcomes:
              o: {{type: enum, values: [old, new], default: old}}
            rules:
              - {{id: d.new, title: new law, valid_from: 2020-01-01, when: {{is_true: a}},
                  then: {{o: new}}, source: {src}}}
            """
        )
    )
    assert rs.evaluate({"a": True}, as_of=dt.date(2019, 12, 31))["o"].value == "old"
    ev = rs.evaluate({"a": True}, as_of=dt.date(2020, 1, 1))
    assert ev["o"].value == "new"
    before = rs.evaluate({"a": True}, as_of=dt.date(2019, 12, 31))
    assert before.trace is not None and before.trace.rule("d.new").status == "not_in_force"


def test_ruleset_in_force_dates(write_rules: Callable[..., Path]) -> None:
    rs = carepath.load(write_rules("in_force: {valid_from: 2008-02-17}\n"))
    with pytest.raises(EvaluationError, match="in force"):
        rs.evaluate({}, as_of=dt.date(2007, 1, 1))
    assert rs.evaluate({}, as_of=dt.date(2009, 1, 1)).outcomes == {}


def test_trace_says_why_not_with_the_values_read(rules: carepath.RuleSet) -> None:
    ev = rules.evaluate({"a": True, "b": False}, as_of=DAY)
    assert ev.trace is not None
    step = ev.trace.rule("r.both")
    assert step.status == "not_fired"
    assert [(c.text, c.value, c.reads) for c in step.checks] == [("b", False, (("b", False),))]
    assert step.source is not None and step.source.locator == "s1"


def test_fast_and_traced_runs_agree(rules: carepath.RuleSet) -> None:
    for case in ({}, {"a": True, "b": "unknown", "n": 70, "colour": "red"}, {"tags": ["y"], "a": False}):
        fast = rules.evaluate(case, as_of=DAY, trace=False)
        traced = rules.evaluate(case, as_of=DAY, trace=True)
        assert fast.outcomes == traced.outcomes
        assert fast.facts == traced.facts
        assert fast.missing == traced.missing


def test_two_versions_live_side_by_side(write_rules: Callable[..., Path]) -> None:
    src = "{document: doc, locator: s1, confidence: verbatim}"
    body = """
        inputs:
          n: {{type: int, question: {{en: N}}}}
        outcomes:
          o: {{type: bool, default: false}}
        rules:
          - {{id: v.rule, title: r, when: {{">=": [n, {limit}]}}, then: {{o: true}}, source: {src}}}
        """
    old = carepath.load(write_rules(body.format(limit=10, src=src), name="old"))
    new = carepath.load(write_rules(body.format(limit=20, src=src), name="new"))
    assert old.evaluate({"n": 15}, as_of=DAY)["o"].value is True
    assert new.evaluate({"n": 15}, as_of=DAY)["o"].value is False
    assert old.evaluate({"n": 15}, as_of=DAY)["o"].value is True


def test_an_open_score_is_explained_as_a_range(rules: carepath.RuleSet) -> None:
    ev = rules.evaluate({"a": True, "b": "unknown", "n": 10}, as_of=DAY)
    text = carepath.report.text(ev, rules)
    assert "- score (score): not yet known - ask: B (undetermined)" in text
    assert "  - score = between 3 and 5\n" in text
    assert "- band (band): not yet known - ask: B (undetermined)" in text
    assert "could still be: moderate or high" in text or "could still be: Moderate or High" in text
    assert ev.trace is not None and ev.trace.rule("r.score").missing == ("b",)


DATED = """
inputs:
  a: {type: bool, question: {en: A}}
  b: {type: bool, question: {en: B}}
outcomes:
  o: {type: enum, values: [general, special], default: general}
  t: {type: enum, values: [yes, no], default: no}
  s: {type: number}
rules:
  - {id: x.general, title: general, when: {is_true: a}, then: {o: general}, source: SRC}
  - {id: x.special, title: special from 2020, valid_from: 2020-01-01, exception_to: [x.general],
     when: {is_true: b}, then: {o: special}, source: SRC}
  - id: x.table
    title: a table until 2019
    valid_to: 2019-12-31
    source: SRC
    table: {hit_policy: FIRST, inputs: [a], output: t, rows: [{when: [true], then: "yes"}]}
  - id: x.score
    title: a score until 2019
    valid_to: 2019-12-31
    source: SRC
    score: {target: s, items: [{id: a, when: {is_true: a}, weight: 4}]}
""".replace("SRC", "{document: doc, locator: s1, confidence: verbatim}")


def test_exceptions_tables_and_scores_follow_their_dates(write_rules: Callable[..., Path]) -> None:
    rs = carepath.load(write_rules(DATED))
    case = {"a": True, "b": True}
    old = rs.evaluate(case, as_of=dt.date(2019, 6, 1))
    new = rs.evaluate(case, as_of=dt.date(2021, 6, 1))
    # the exception is not yet in force in 2019: the general rule applies
    assert (old["o"].value, old["o"].decided_by) == ("general", ("x.general",))
    assert (new["o"].value, new["o"].decided_by) == ("special", ("x.special",))
    # the table and the score end in 2019: afterwards their outputs fall back to the defaults
    assert (old["t"].value, old["s"].value) == ("yes", 4)
    assert (new["t"].value, new["s"].value) == ("no", 0)
    assert new.trace is not None
    assert [new.trace.rule(r).status for r in ("x.table", "x.score")] == ["not_in_force", "not_in_force"]
    # an exception not in force never keeps the general rule open
    assert rs.evaluate({"a": True, "b": "unknown"}, as_of=dt.date(2019, 6, 1))["o"].status == "determined"
    assert rs.evaluate({"a": True, "b": "unknown"}, as_of=dt.date(2021, 6, 1))["o"].status == "undetermined"


def test_the_generated_values_pass_holds_no_rule_file_text(rules: carepath.RuleSet) -> None:
    _, values = rules._day(DAY)
    source = values.__doc__ or ""
    assert source.startswith("def values(env):")
    # no string literal at all, and no name or number but those of the fixed templates: ids,
    # names and values are read from the constants k0, k1... and closures f0, f1...
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    assert not [t for t in tokens if t.type == tokenize.STRING]
    assert {t.string for t in tokens if t.type == tokenize.NUMBER} <= {"0", "1", "2"}
    names = {t.string for t in tokens if t.type == tokenize.NAME}
    generated = {n for n in names if re.fullmatch(r"[kfapcsuvwyrto][0-9]+", n)}
    assert {n[0] for n in generated} >= {"k", "f", "a", "c", "s", "u", "w", "y", "r", "t"}
    assert names - generated <= TEMPLATE_WORDS


TEMPLATE_WORDS = {
    *("def", "values", "env", "if", "elif", "else", "not", "is", "in", "or", "and", "return"),
    *("None", "True", "False", "U", "b", "tt", "kE", "len", "union", "append", "isdisjoint", "get"),
    *("Run", "Settled", "new", "count3", "h"),
}
"""Every name the code generator's templates may write, beside the numbered ones."""


def test_a_parameter_setting_chooses_between_two_readings(write_rules: Callable[..., Path]) -> None:
    body = """
        inputs:
          act: {{type: bool, question: {{en: Act}}}}
          recruited: {{type: bool, question: {{en: Recruited}}}}
        parameters:
          reading:
            description: which reading of the child rule
            local_setting: true
            values: [{{valid_from: 2000-01-01, value: {reading}}}]
        outcomes:
          met: {{type: bool, default: false}}
        rules:
          - id: p.met
            title: act counts only in the wide reading
            local_setting: true
            when:
              any:
                - {{is_true: recruited}}
                - all: [{{"==": [{{param: reading}}, wide]}}, {{is_true: act}}]
            then: {{met: true}}
        """
    case = {"act": True, "recruited": False}
    wide = carepath.load(write_rules(body.format(reading="wide"), name="wide"))
    narrow = carepath.load(write_rules(body.format(reading="narrow"), name="narrow"))
    assert wide.evaluate(case, as_of=DAY)["met"].value is True
    assert narrow.evaluate(case, as_of=DAY)["met"].value is False
    check = wide.evaluate(case, as_of=DAY).trace.rule("p.met").checks  # type: ignore[union-attr]
    assert ("reading == wide", True, (("reading", "wide"),)) in [(c.text, c.value, c.reads) for c in check]
    with pytest.raises(carepath.RuleFileError, match="not of one type"):
        carepath.load(write_rules(body.format(reading="wide").replace("wide]}", "3]}"), name="bad"))


TEXT = """
inputs:
  level: {type: enum, choices: [low, high], question: {en: Level}}
  reason: {type: text, sensitive: true, question: {en: Why override}}
outcomes:
  overridden: {type: bool, default: false}
rules:
  - {id: t.override, title: an override needs a reason, when: {all: [{is_known: level}, {is_known: reason}]},
     then: {overridden: true}, local_setting: true}
"""


def test_free_text_is_read_bounded_and_only_tested_for_an_answer(write_rules: Callable[..., Path]) -> None:
    rs = carepath.load(write_rules(TEXT))
    assert (
        rs.evaluate({"level": "high", "reason": "new threat reported"}, as_of=DAY)["overridden"].value is True
    )
    assert rs.evaluate({"level": "high"}, as_of=DAY)["overridden"].missing == ()  # is_known never unknown
    with pytest.raises(carepath.OutOfRangeError, match="longer than 2000") as info:
        rs.evaluate({"reason": "x" * 2001}, as_of=DAY)
    assert "xxx" not in str(info.value)
    with pytest.raises(carepath.FieldTypeError, match="expected text"):
        rs.evaluate({"reason": 3}, as_of=DAY)
    compared = TEXT.replace("{is_known: reason}", '{"==": [reason, fear]}')
    with pytest.raises(carepath.RuleFileError, match="free text: test it only with is_known"):
        carepath.load(write_rules(compared, name="compared"))
    public = TEXT.replace("type: text, sensitive: true", "type: text")
    with pytest.raises(carepath.RuleFileError, match="mark a text input `sensitive: true`"):
        carepath.load(write_rules(public, name="public"))


def test_an_optional_input_left_out_is_never_missing(write_rules: Callable[..., Path]) -> None:
    body = """
        inputs:
          level: {type: enum, choices: [low, high], optional: true, question: {en: Override}}
          sign: {type: bool, question: {en: Sign}}
        outcomes:
          risk: {type: enum, values: [low, high], default: low}
        rules:
          - {id: o.sign, title: a sign, when: {is_true: sign}, then: {risk: high}, local_setting: true}
          - {id: o.override, title: an override, exception_to: [o.sign], then: {risk: low}, local_setting: true,
             when: {all: [{is_known: level}, {"==": [level, low]}]}}
        """
    rs = carepath.load(write_rules(body))
    ev = rs.evaluate({"sign": "unknown"}, as_of=DAY)
    assert (ev["risk"].status, ev["risk"].missing, ev.missing) == ("undetermined", ("sign",), ("sign",))
    assert rs.evaluate({"sign": True}, as_of=DAY)["risk"].value == "high"
    assert rs.evaluate({"sign": True, "level": "low"}, as_of=DAY)["risk"].value == "low"
    assert [q.name for q in rs.next_questions({"sign": "unknown"}, as_of=DAY)] == ["sign"]


CHOICES = """
inputs:
  act: {type: bool, question: {en: Act}}
parameters:
  reading:
    description: which reading applies
    local_setting: true
    choices: [narrow, wide]
    values: [{valid_from: 2000-01-01, value: VALUE}]
outcomes:
  met: {type: bool, default: false}
rules:
  - {id: p.met, title: wide reading, local_setting: true,
     when: {all: [{"==": [{param: reading}, WORD]}, {is_true: act}]}, then: {met: true}}
"""


def test_a_setting_of_words_takes_only_its_choices(write_rules: Callable[..., Path]) -> None:
    """A misspelt setting, in a value or in a rule, is refused at its line, not read as another."""
    ok = carepath.load(write_rules(CHOICES.replace("VALUE", "wide").replace("WORD", "wide"), name="ok"))
    assert ok.evaluate({"act": True}, as_of=DAY)["met"].value is True
    bad_value = write_rules(CHOICES.replace("VALUE", "wdie").replace("WORD", "wide"), name="v")
    with pytest.raises(
        carepath.RuleFileError, match=r"value 'wdie' from 2000-01-01 is not one of the choices"
    ) as v:
        carepath.load(bad_value)
    assert (v.value.line, v.value.field) == (
        _line_of(bad_value, "description: which reading"),
        "parameters.reading",
    )
    bad_rule = write_rules(CHOICES.replace("VALUE", "wide").replace("WORD", "wdie"), name="r")
    with pytest.raises(carepath.RuleFileError, match=r"'wdie' is not one of parameter 'reading'") as r:
        carepath.load(bad_rule)
    assert "did you mean 'wide'" in str(r.value) and r.value.line == _line_of(bad_rule, "when: {all")


def _line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)
