"""A rule set's inputs as an XLSForm (ODK, KoboToolbox, SurveyCTO), with skip logic from the rules.

The form has the three sheets of the XLSForm layout:

- ``survey``: one question per input, in declaration order. ``bool`` becomes ``select_one`` of
  yes / no (plus ``unknown`` and ``declined`` where the input accepts them: one choice list per
  combination, e.g. ``yes_no_unknown_declined``); ``enum`` ``select_one <input>_choices``; ``set``
  ``select_multiple <input>_choices``; ``int`` / ``number`` ``integer`` / ``decimal`` with a
  ``constraint`` from ``min`` / ``max``; ``date`` and ``text`` as themselves. No question is
  required: an empty answer means *not asked*, which carepath reads as unknown.
- A number, date or text input that accepts ``unknown`` and/or ``declined`` cannot hold those
  words in its own question, so a **companion** ``select_one`` question ``<input>__answer``
  comes just before it, with the choices ``answered`` plus the accepted words (one choice list
  per combination: ``answered_unknown_declined``, ``answered_unknown``, ``answered_declined``;
  "Answered", "Does not know", "Declined to answer"). The companion has the input's label,
  hint and sensitivity, and carries its skip logic; the value question is asked only when the
  companion is ``answered``. An empty
  companion, or ``answered`` with an empty value, means *not asked*. An input that accepts
  neither word has no companion.
- ``choices``: ``list_name``, ``name`` and a label per language.
- ``settings``: ``form_title``, ``form_id``, ``version``, ``default_language``.

A ``set`` question also offers ``unknown`` and ``declined`` (where accepted), and ``none``
("none of these"), since an empty multiple choice cannot tell *none* from *not asked*. Picking
one of these together with another choice is contradictory: the question's ``constraint``
forbids it. Labels and hints come per language as ``label::English (en)``; a missing
translation leaves the cell empty and is listed by :func:`missing_labels`. Sensitive inputs
are marked in the ``bind::carepath:sensitive`` column (an attribute of the XForm bind, in the
namespace the settings declare), so a server can treat them with care.

**Skip logic** (``relevant``). A question X is worth asking only while some rule that reads it
could still apply. For each rule, decision-table row or score item whose condition reads X, the
condition is translated into an XPath 1.0 expression that is an over-approximation of "the
condition may hold (true or unknown)" given the other answers: a test on another input holds
when it is true *or* that input is empty, ``unknown`` or ``declined`` (unknown is never read as
"no"; for an input with a companion, "unknown or declined" is read from the companion: anything
but ``answered``), and a test on a derived fact holds when any rule concluding that fact may
apply (the fact's own rules, translated the same way). Anything that cannot be translated
(dates, elapsed time, references between inputs, scores, tests on X itself) is taken as "may
hold", and a condition's negation uses the dual under-approximation ("surely holds"), so the
result never skips a question whose answer could change an outcome. X's ``relevant`` is the ``or`` over its
readers; it is left empty (always asked) when one reader may always apply. Where X has a
companion, that expression goes on the companion, and X's own is ``${X__answer} = 'answered'``
(and the companion's). Only questions *before* X are referenced: the form never depends on what
is asked later, and relevance cannot run in a cycle.

The expressions use portable XPath 1.0 only (``${a} = 'v'``, ``${n} >= 18``,
``contains(concat(' ', ${s}, ' '), ' v ')``, ``string-length(${a}) = 0``, ``not``, ``and``,
``or``, ``number``), so they can be checked outside a form engine.

:mod:`carepath.exchange.submissions` reads the form's submissions back into carepath cases.
"""

from __future__ import annotations

import gc
import hashlib
import io
import json
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from carepath.errors import OutputError
from carepath.rules import conditions as c
from carepath.rules.layers import MergedRuleSet
from carepath.rules.logic import COMPARE
from carepath.rules.model import ANSWER_WORDS, ConclusionRule, DecisionTable, InputSpec, ScoreRule
from carepath.rules.ruleset import RuleSet

__all__ = [
    "ANSWERED",
    "BUILTIN_TEXT",
    "COMPANION_SUFFIX",
    "DRAFT_LANGUAGES",
    "LANGUAGE_NAMES",
    "SENSITIVE_COLUMN",
    "add_draft_note",
    "companion",
    "language_column",
    "missing_labels",
    "relevance",
    "write_sheets",
    "write_xlsform",
    "xlsform_rows",
]

LANGUAGE_NAMES: dict[str, str] = {
    "en": "English",
    "km": "Khmer",
    "th": "Thai",
    "vi": "Vietnamese",
    "lo": "Lao",
    "my": "Burmese",
    "zh": "Chinese",
    "id": "Indonesian",
    "ms": "Malay",
    "tl": "Tagalog",
    "ne": "Nepali",
    "bn": "Bengali",
    "hi": "Hindi",
    "ar": "Arabic",
    "fr": "French",
    "es": "Spanish",
    "pt": "Portuguese",
    "ru": "Russian",
    "sw": "Swahili",
}
"""English names of language codes, for the ``label::Name (code)`` columns (else the code)."""

BUILTIN_TEXT: dict[str, dict[str, str]] = {
    "yes": {"en": "Yes", "km": "បាទ/ចាស"},
    "no": {"en": "No", "km": "ទេ"},
    "unknown": {"en": "Unknown", "km": "មិនដឹង"},
    "declined": {"en": "Declined to answer", "km": "បដិសេធមិនឆ្លើយ"},
    "none": {"en": "None of these", "km": "មិនមានណាមួយទេ"},
    "answered": {"en": "Answered", "km": "បានឆ្លើយ"},
    "does_not_know": {"en": "Does not know", "km": "គាត់មិនដឹង"},
    "answer_known": {"en": "Is the answer known?", "km": "តើដឹងចម្លើយដែរឬទេ?"},
    "required": {"en": "An answer is needed here.", "km": "ត្រូវការចម្លើយនៅទីនេះ។"},
    "required_unknown": {
        "en": 'An answer is needed: if it is not known, choose "Unknown".',
        "km": "ត្រូវការចម្លើយ៖ បើមិនដឹង សូមជ្រើស «មិនដឹង»។",
    },
    "required_does_not_know": {
        "en": 'An answer is needed: if it is not known, choose "Does not know".',
        "km": "ត្រូវការចម្លើយ៖ បើមិនដឹង សូមជ្រើស «គាត់មិនដឹង»។",
    },
    "constraint_between": {"en": "A number from {min} to {max}.", "km": "លេខពី {min} ដល់ {max}។"},
    "constraint_at_least": {"en": "A number of at least {min}.", "km": "លេខយ៉ាងហោចណាស់ {min}។"},
    "constraint_at_most": {"en": "A number of at most {max}.", "km": "លេខយ៉ាងច្រើន {max}។"},
    "constraint_alone": {
        "en": "These choices are picked only on their own: {words}.",
        "km": "ជម្រើសទាំងនេះត្រូវជ្រើសតែឯកឯង៖ {words}។",
    },
}
"""The form's own words (yes/no, the answer words, a companion's choices), per language. The
Khmer ones are draft translations, not yet reviewed by a person (:data:`DRAFT_LANGUAGES`)."""

DRAFT_LANGUAGES: frozenset[str] = frozenset({"km"})
"""Languages in which the form's own words are drafts: a form in them says so in its first note."""

ANSWERED = "answered"
"""The companion's choice that says the value question holds the answer."""
COMPANION_SUFFIX = "__answer"
"""A companion question is named ``<input>__answer``."""
_COMPANION_TEXT = {ANSWERED: "answered", "unknown": "does_not_know", "declined": "declined"}

SENSITIVE_COLUMN = "bind::carepath:sensitive"
NAMESPACE = 'carepath="https://carepath.invalid/xforms"'
MAX_RELEVANT = 4000
"""A longer expression is left out (the question is always asked): a form must stay readable."""

_SELECT = ("bool", "enum", "set")
_CONDITION: TypeAdapter[c.Condition] = TypeAdapter(c.Condition)
Sheets = dict[str, list[dict[str, Any]]]
_Items = list[tuple[str, dict[str, str]]]


# -- public API -----------------------------------------------------------------------------------


def companion(name: str, spec: InputSpec) -> str | None:
    """The name of the input's companion question (``<name>__answer``), or None if it has none:
    only number, date and text inputs that accept ``unknown`` or ``declined`` have one."""
    return name + COMPANION_SUFFIX if spec.type not in _SELECT and spec.accepts else None


def language_column(lang: str) -> str:
    """``English (en)``: how XLSForm names a language in ``label::...`` columns."""
    return f"{LANGUAGE_NAMES.get(lang, lang)} ({lang})"


def xlsform_rows(ruleset: RuleSet, languages: Sequence[str] | None = None) -> Sheets:
    """The ``survey``, ``choices`` and ``settings`` sheets as lists of rows (column -> value)."""
    return _ruleset_sheets(ruleset.merged, _languages(ruleset, languages))[1]


def missing_labels(ruleset: RuleSet, lang: str) -> list[str]:
    """Every label and hint of the form with no text in ``lang``, as ``survey.NAME.label``,
    ``survey.NAME.hint`` or ``choices.LIST.NAME``."""
    return _ruleset_sheets(ruleset.merged, [lang])[0].missing[lang]


def relevance(ruleset: RuleSet) -> dict[str, str]:
    """The ``relevant`` expression of each input that has one (the others are always asked).

    For an input with a companion question it is the companion's; the value question adds
    ``${<input>__answer} = 'answered'``."""
    skip = _SkipLogic(ruleset.merged)
    found = {name: skip.relevant(name) for name in ruleset.merged.inputs}
    return {name: expr for name, expr in found.items() if expr is not None}


def write_xlsform(ruleset: RuleSet, path: str | Path, languages: Sequence[str] | None = None) -> Path:
    """Write the form as an ``.xlsx`` workbook (needs openpyxl); returns the path. The file is
    written whole or not at all (:func:`carepath.safeio.atomic_write`)."""
    return write_sheets(xlsform_rows(ruleset, languages), path)


def write_sheets(sheets: Sheets, path: str | Path) -> Path:
    """Write the sheets as an ``.xlsx`` workbook (needs openpyxl), whole or not at all."""
    from openpyxl import Workbook

    from carepath.safeio import atomic_write, reason

    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        header = list(dict.fromkeys(key for row in rows for key in row))
        sheet.append(header)
        for row in rows:
            sheet.append([row.get(key) for key in header])
    target = Path(path)
    data = io.BytesIO()
    failed: str | None = None
    try:
        book.save(data)  # rendered whole first: openpyxl's own temporary files may fail too
    except OSError as exc:
        failed = reason(exc)
    if failed is not None:  # outside the handler: its traceback no longer holds the writers
        _release_half_written()
        raise OutputError(f"cannot write ({failed}); nothing was written", file=str(target))
    atomic_write(target, data.getvalue())
    return target


def _release_half_written() -> None:
    """Collect openpyxl's half-closed writers now, without the "Exception ignored" noise their
    finalizers print when the file under them failed."""
    hook = sys.unraisablehook
    sys.unraisablehook = lambda _unraisable: None
    try:
        gc.collect()
    finally:
        sys.unraisablehook = hook


def _languages(ruleset: RuleSet, languages: Sequence[str] | None) -> list[str]:
    chosen = list(languages) if languages else list(ruleset.merged.languages)
    return list(dict.fromkeys(chosen)) or ["en"]


# -- sheets ---------------------------------------------------------------------------------------


@dataclass
class _Builder:
    """Accumulates the ``survey`` and ``choices`` sheets, question by question."""

    languages: list[str]
    missing: dict[str, list[str]] = field(default_factory=dict)
    survey: list[dict[str, Any]] = field(default_factory=list)
    choices: list[dict[str, Any]] = field(default_factory=list)
    lists: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.missing = {lang: [] for lang in self.languages}

    def sheets(self, settings: dict[str, Any]) -> Sheets:
        """The three sheets; ``settings`` gets its ``version`` from the form's content."""
        content = json.dumps([self.survey, self.choices], sort_keys=True, ensure_ascii=False, default=str)
        digest = hashlib.sha256(content.encode("utf-8")).hexdigest()[:8]
        settings = {**settings, "version": f"{settings['version']}+{digest}"}
        return {"survey": self.survey, "choices": self.choices, "settings": [settings]}

    def add_input(self, name: str, spec: InputSpec, relevant: str | None, decides: bool) -> None:
        """The input's question (and its companion, just before it).

        ``decides``: some rule reads the answer. Such a question is ``required`` where the form
        offers "Does not know" (an honest answer is always at hand); never where it does not,
        since required would then force a guess."""
        can_say_unknown = "unknown" in spec.accepts
        status = companion(name, spec)
        if status is not None:
            list_name, items = self._companion_list(spec)
            row = self._question(status, spec, f"select_one {list_name}", relevant)
            row.update(self._texts(f"survey.{status}.label", "label", [BUILTIN_TEXT["answer_known"]]))
            # the question it is about, and its help (which often says when to answer unknown)
            row.update(self._texts(f"survey.{status}.hint", "hint", [spec.question, spec.help]))
            self._required(row, decides and can_say_unknown, "required_does_not_know")
            self.survey.append(row)
            self._add_choices(list_name, items)
            relevant = f"{_ref(status)} = '{ANSWERED}'" + (f" and ({relevant})" if relevant else "")
        row = self._question(name, spec, None, relevant)
        if spec.type in _SELECT:
            list_name, items = self._choice_list(name, spec)
            row["type"] = f"{_QUESTION_TYPE[spec.type]} {list_name}"
            self._add_choices(list_name, items)
            if spec.type == "set":
                alone = [(v, label) for v, label in items if v in _SET_WORDS]
                row["constraint"] = _alone(v for v, _ in alone)
                if row["constraint"]:
                    row.update(self._alone_message([label for _, label in alone]))
            self._required(row, decides and can_say_unknown, "required_unknown")
        else:
            row["type"] = _QUESTION_TYPE[spec.type]
            bounds = [f". >= {_num(spec.min)}"] if spec.min is not None else []
            bounds += [f". <= {_num(spec.max)}"] if spec.max is not None else []
            row["constraint"] = " and ".join(bounds) or None
            if spec.min is not None and spec.max is not None:
                row.update(self._message("between", min=_num(spec.min), max=_num(spec.max)))
            elif spec.min is not None:
                row.update(self._message("at_least", min=_num(spec.min)))
            elif spec.max is not None:
                row.update(self._message("at_most", max=_num(spec.max)))
            # asked only once its companion says "answered": then a value is due
            self._required(row, decides and (status is not None or can_say_unknown), "required")
        self.survey.append(row)

    def add_row(self, row: dict[str, Any], texts: Mapping[str, dict[str, str]]) -> None:
        """Any other row (metadata, case id, group, note); ``texts``: column -> text per language."""
        for column, text in texts.items():
            row.update(self._texts(f"survey.{row['name']}.{column}", column, [text]))
        self.survey.append(row)

    def _required(self, row: dict[str, Any], required: bool, message: str) -> None:
        row["required"] = "yes" if required else None
        if required:
            key = f"survey.{row['name']}.required_message"
            row.update(self._texts(key, "required_message", [BUILTIN_TEXT[message]]))

    def _message(self, kind: str, **values: str) -> dict[str, Any]:
        template = BUILTIN_TEXT[f"constraint_{kind}"]
        text = {lang: words.format(**values) for lang, words in template.items()}
        return self._texts(f"constraint.{kind}", "constraint_message", [text])

    def _alone_message(self, labels: list[dict[str, str]]) -> dict[str, Any]:
        """ "These choices are picked only on their own: None of these, Unknown." per language."""
        template = BUILTIN_TEXT["constraint_alone"]
        text = {
            lang: words.format(words=", ".join(label[lang] for label in labels))
            for lang, words in template.items()
            if all(lang in label for label in labels)
        }
        return self._texts("constraint.alone", "constraint_message", [text])

    def _question(self, name: str, spec: InputSpec, kind: str | None, relevant: str | None) -> dict[str, Any]:
        """A survey row: the input's question and help, skip logic and sensitivity."""
        row: dict[str, Any] = {"type": kind, "name": name}
        row.update(self._texts(f"survey.{name}.label", "label", [spec.question]))
        row.update(self._texts(f"survey.{name}.hint", "hint", [spec.help]))
        row["relevant"] = relevant
        row["constraint"] = None
        row[SENSITIVE_COLUMN] = "true" if spec.sensitive else None
        return row

    def _add_choices(self, list_name: str, items: _Items) -> None:
        """Add a choice list to the ``choices`` sheet, once."""
        if list_name in self.lists:
            return
        self.lists.add(list_name)
        for value, label in items:
            choice: dict[str, Any] = {"list_name": list_name, "name": value}
            choice.update(self._texts(f"choices.{list_name}.{value}", "label", [label]))
            self.choices.append(choice)

    def _texts(self, key: str, column: str, parts: Sequence[dict[str, str] | None]) -> dict[str, Any]:
        cells: dict[str, Any] = {}
        given = [p for p in parts if p]
        for lang in self.languages:
            found = [p[lang] for p in given if lang in p]
            if len(found) < len(given):
                if key not in self.missing[lang]:
                    self.missing[lang].append(key)
                # never a blank cell: the English text stands in, marked, and the gap is reported
                found = [p.get(lang) or f"[en] {p.get('en', '')}".rstrip() for p in given]
            cells[f"{column}::{language_column(lang)}"] = " ".join(found) or None
        return cells

    def _companion_list(self, spec: InputSpec) -> tuple[str, _Items]:
        """``answered`` and the accepted words: one list per combination."""
        values = [ANSWERED, *(w for w in ANSWER_WORDS if w in spec.accepts)]
        return "_".join(values), [(v, BUILTIN_TEXT[_COMPANION_TEXT[v]]) for v in values]

    def _choice_list(self, name: str, spec: InputSpec) -> tuple[str, _Items]:
        words = [w for w in ANSWER_WORDS if w in spec.accepts]
        if spec.type == "bool":
            list_name = "_".join(["yes_no", *words])
            return list_name, [(w, BUILTIN_TEXT[w]) for w in ("yes", "no", *words)]
        items = [(ch.value, ch.label) for ch in spec.choices or ()]
        if spec.type == "set" and "none" not in spec.choice_values:
            items.append(("none", BUILTIN_TEXT["none"]))
        items += [(w, BUILTIN_TEXT[w]) for w in words]
        return f"{name}_choices", items


def add_draft_note(builder: _Builder, merged: Sequence[MergedRuleSet]) -> None:
    """A first note saying which of the form's languages hold draft translations (texts of the
    rule sets marked draft, or the form's own words in :data:`DRAFT_LANGUAGES`), if any."""
    from carepath.rules.drafts import draft_count, draft_note

    label: dict[str, str] = {}
    for lang in builder.languages:
        if lang == "en":
            continue
        count = draft_count(merged, lang) + (len(BUILTIN_TEXT) if lang in DRAFT_LANGUAGES else 0)
        note = draft_note(count, lang)
        if note is not None:
            label[lang] = note
    if label:
        langs = ", ".join(LANGUAGE_NAMES.get(lang, lang) for lang in label)
        label["en"] = f"Draft translations: the {langs} texts of this form are not yet reviewed by a person."
        builder.add_row({"type": "note", "name": "draft_translation"}, {"label": label})


def _ruleset_sheets(merged: MergedRuleSet, languages: list[str]) -> tuple[_Builder, Sheets]:
    builder = _Builder(languages)
    add_draft_note(builder, [merged])
    skip = _SkipLogic(merged)
    for name, spec in merged.inputs.items():
        builder.add_input(name, spec, skip.relevant(name), decides=bool(skip.readers[name]))
    settings = {
        "form_title": merged.title,
        "form_id": merged.id.replace("/", "_"),
        "version": merged.version,
        "default_language": language_column(languages[0]),
        "namespaces": NAMESPACE,
    }
    return builder, builder.sheets(settings)


_QUESTION_TYPE = {
    "bool": "select_one",
    "enum": "select_one",
    "set": "select_multiple",
    "int": "integer",
    "number": "decimal",
    "date": "date",
    "text": "text",
}
_SET_WORDS = ("none", *ANSWER_WORDS)


def _alone(words: Iterable[str]) -> str | None:
    """A select_multiple constraint: each of ``words`` is picked only on its own."""
    parts = [f"(not(contains(concat(' ', ., ' '), ' {w} ')) or normalize-space(.) = '{w}')" for w in words]
    return " and ".join(parts) or None


def _num(value: float | int) -> str:
    if isinstance(value, bool):
        raise TypeError("a yes/no is not a number")
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    text = format(Decimal(repr(value)), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


# -- XPath expressions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _X:
    """An XPath expression and how tightly it binds (0: or, 1: and, 2: a term); an ``or`` or an
    ``and`` keeps its operands, so that ``a or (a and b)`` can shrink to ``a``."""

    text: str
    prec: int = 2
    parts: tuple[_X, ...] = field(default=(), compare=False, repr=False)

    def operands(self, prec: int) -> tuple[_X, ...]:
        """The operands of an ``or`` (prec 0) or ``and`` (prec 1), or the expression itself."""
        return self.parts if self.prec == prec and self.parts else (self,)


TRUE = _X("true()")
FALSE = _X("false()")


def _join(parts: Iterable[_X], prec: int) -> _X:
    """``and`` (prec 1) or ``or`` (prec 0) of the parts: flattened, constants folded, repeats
    and absorbed operands (``a or (a and b)`` -> ``a``) dropped."""
    unit, zero = (TRUE, FALSE) if prec == 1 else (FALSE, TRUE)
    kept: dict[str, _X] = {}
    for part in parts:
        for item in part.operands(prec):
            if item == zero:
                return zero
            if item != unit:
                kept.setdefault(item.text, item)
    inner = 1 - prec  # the other operator
    for text, part in list(kept.items()):
        others = set(kept) - {text}
        # an operand of the other operator one of whose operands the rest already implies
        # (``(a or b) and a`` -> ``a``; ``(a and b) or a or b`` -> ``a or b``) is dropped
        if part.prec == inner and any(
            {x.text for x in sub.operands(prec)} <= others for sub in part.operands(inner)
        ):
            del kept[text]
    final = list(kept.values())
    if not final:
        return unit
    if len(final) == 1:
        return final[0]
    word = " and " if prec == 1 else " or "
    text = word.join(f"({p.text})" if p.prec == inner else p.text for p in final)
    return _X(text, prec, tuple(final))


def _and(parts: Iterable[_X]) -> _X:
    return _join(parts, 1)


def _or(parts: Iterable[_X]) -> _X:
    return _join(parts, 0)


def _not(part: _X) -> _X:
    if part == TRUE:
        return FALSE
    if part == FALSE:
        return TRUE
    return _X(f"not({part.text})")


def _at_least(n: int, parts: list[_X]) -> _X:
    """At least ``n`` of the parts hold."""
    sure = sum(1 for p in parts if p == TRUE)
    rest = [p for p in parts if p not in (TRUE, FALSE)]
    need = n - sure
    if need <= 0:
        return TRUE
    if need > len(rest):
        return FALSE
    if need == 1:
        return _or(rest)
    if need == len(rest):
        return _and(rest)
    return _X(" + ".join(f"number({p.text})" for p in rest) + f" >= {need}", 1)


def _choice(value: Any) -> str:
    """A value as the form's choice name: yes / no for a bool."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _lit(value: str) -> str:
    return f'"{value}"' if "'" in value else f"'{value}'"


def _ref(name: str) -> str:
    return "${" + name + "}"


# -- skip logic -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Opaque:
    """A condition that cannot be translated; it reads ``names``."""

    names: frozenset[str]


def names(cond: Any) -> frozenset[str]:
    """The inputs, facts and outcomes a condition reads."""
    if isinstance(cond, _Opaque):
        return cond.names
    if isinstance(cond, c.All):
        return frozenset().union(*(names(x) for x in cond.all))
    if isinstance(cond, c.Any_):
        return frozenset().union(*(names(x) for x in cond.any))
    if isinstance(cond, c.Not):
        return names(cond.not_)
    if isinstance(cond, c.CountAtLeast):
        return frozenset().union(*(names(x) for x in cond.count_at_least.of))
    if isinstance(cond, c.IsTrue):
        return frozenset((cond.is_true,))
    if isinstance(cond, c.IsKnown):
        return frozenset((cond.is_known,))
    if isinstance(cond, c.IsDeclined):
        return frozenset((cond.is_declined,))
    if isinstance(cond, c.In):
        return frozenset((cond.in_[0],))
    if isinstance(cond, c.Intersects):
        return frozenset((cond.intersects[0],))
    if isinstance(cond, c.Contains):
        name, operand = cond.contains
        return frozenset((name, operand.ref) if isinstance(operand, c.Ref) else (name,))
    if isinstance(cond, c.Elapsed):
        return frozenset((cond.elapsed.since,))
    if isinstance(cond, c.Compare):
        left, operand = cond.args
        found = set() if isinstance(left, c.ParamRef) else {left}
        if isinstance(operand, c.Ref):
            found.add(operand.ref)
        return frozenset(found)
    return frozenset()


class _SkipLogic:
    """Translates rule conditions into ``relevant`` expressions (see the module docstring)."""

    def __init__(
        self, merged: MergedRuleSet, order: Sequence[str] | None = None, hidden: Iterable[str] = ()
    ) -> None:
        """``order``: the form's questions in order (default: the inputs as declared); an input
        not in it, or in ``hidden`` (fed by a pipeline, or asked differently), is never read."""
        self.m = merged
        self.inputs = merged.inputs
        self.targets = merged.targets
        self.order = {name: i for i, name in enumerate(merged.inputs if order is None else order)}
        self.hidden = frozenset(hidden)
        self.readers: dict[str, list[Any]] = {name: [] for name in merged.inputs}
        self.contributors: dict[str, list[tuple[Any, Any]]] = {name: [] for name in self.targets}
        self.opaque: set[str] = set()
        for rule in merged.rules.values():
            if isinstance(rule, ConclusionRule):
                self._read(rule.when)
                for target, value in rule.then.items():
                    self.contributors[target].append((rule.when, value))
            elif isinstance(rule, DecisionTable):
                spec = rule.table
                if spec.aggregate is not None:
                    self.opaque.add(spec.output)
                for row in spec.rows:
                    cells = [self._cell(col, cell) for col, cell in zip(spec.inputs, row.when, strict=True)]
                    kept = [x for x in cells if x is not None]
                    cond: Any = None if not kept else kept[0] if len(kept) == 1 else c.All(all=kept)
                    self._read(cond)
                    self.contributors[spec.output].append((cond, row.then))
            elif isinstance(rule, ScoreRule):
                self.opaque.add(rule.score.target)
                for item in rule.score.items:
                    self._read(item.when)
                if rule.score.bands is not None:
                    self.opaque.add(rule.score.bands.target)
        self.x = ""  # the input whose relevance is being derived
        self.memo: dict[tuple[str, str, Any], _X] = {}
        self.busy: set[tuple[str, Any]] = set()

    def _read(self, cond: Any) -> None:
        if cond is None:
            return
        for name in names(cond):
            if name in self.readers:
                self.readers[name].append(cond)

    def _cell(self, column: str, cell: Any) -> Any:
        """A decision-table cell as a condition on its column (as the compiler reads it)."""
        if cell == "-":
            return None
        spec = self.inputs.get(column) or self.targets.get(column)
        is_set = spec is not None and spec.type == "set"
        try:
            if isinstance(cell, dict):
                ((op, value),) = cell.items()
                if op in ("is_known", "is_declined"):
                    data: Any = {op: column}
                    if value is False:
                        data = {"not": data}
                else:
                    data = {op: [column, value]}
            elif isinstance(cell, list):
                data = {"intersects" if is_set else "in": [column, cell]}
            else:
                data = {"contains": [column, cell]} if is_set else {"==": [column, cell]}
            return _CONDITION.validate_python(data)
        except (ValidationError, ValueError):
            return _Opaque(frozenset((column,)))

    # -- relevance --------------------------------------------------------------------------------
    def relevant(self, name: str) -> str | None:
        """X's ``relevant``: may any rule reading X still apply? ``None``: always asked."""
        expr = self.may_apply(name)
        if expr is None or expr == TRUE or len(expr.text) > MAX_RELEVANT:
            return None
        return expr.text

    def may_apply(self, name: str) -> _X | None:
        """May any rule reading X still apply? ``None`` where no rule reads X."""
        readers = self.readers[name]
        if not readers:
            return None
        self.x = name
        return _or(self.may(cond) for cond in readers)

    def _asked_before(self, name: str) -> bool:
        if name in self.hidden or name not in self.order or self.x not in self.order:
            return False
        return self.order[name] < self.order[self.x]

    # -- may hold (over) and surely holds (under) -------------------------------------------------
    def may(self, cond: Any) -> _X:
        """True wherever the condition may be true or unknown (an over-approximation)."""
        return self._node(cond, True)

    def must(self, cond: Any) -> _X:
        """True only where the condition is surely true (an under-approximation)."""
        return self._node(cond, False)

    def _node(self, cond: Any, may: bool) -> _X:
        if cond is None:
            return TRUE
        if isinstance(cond, c.All):
            return _and(self._node(x, may) for x in cond.all)
        if isinstance(cond, c.Any_):
            return _or(self._node(x, may) for x in cond.any)
        if isinstance(cond, c.Not):
            return _not(self._node(cond.not_, not may))
        if isinstance(cond, c.CountAtLeast):
            spec = cond.count_at_least
            counts = self._param_numbers(spec.n) if isinstance(spec.n, c.ParamRef) else [spec.n]
            if not counts:
                return TRUE if may else FALSE
            n = int(min(counts) if may else max(counts))
            return _at_least(n, [self._node(x, may) for x in spec.of])
        if isinstance(cond, c.Compare) and isinstance(cond.args[0], c.ParamRef):
            return self._setting(cond, may)
        read = names(cond)
        if isinstance(cond, _Opaque | c.Elapsed) or len(read) != 1:
            return TRUE if may else FALSE
        (name,) = read
        if name in self.inputs:
            if not self._asked_before(name):
                return TRUE if may else FALSE
            return self._input(name, self.inputs[name], cond, may)
        if name in self.targets and may:
            return self._target(name, cond)
        return TRUE if may else FALSE

    def _setting(self, cond: c.Compare, may: bool) -> _X:
        """``{param: P} op VALUE``: the same for every case; over all of P's dated values."""
        param, operand = cond.args
        assert isinstance(param, c.ParamRef)
        fn = COMPARE[cond.op]
        values = [v.value for v in self.m.parameters[param.param].values]
        if isinstance(operand, c.ParamRef | c.Ref | list):  # the compiler refuses these
            return TRUE if may else FALSE
        try:
            held = [fn(v, operand) for v in values]
        except TypeError:
            return TRUE if may else FALSE
        return TRUE if (any(held) if may else all(held)) else FALSE

    def _param_numbers(self, ref: c.ParamRef) -> list[float]:
        values = [v.value for v in self.m.parameters[ref.param].values]
        if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            return [float(v) for v in values]  # type: ignore[arg-type]
        return []

    def _operands(self, operand: Any) -> list[Any] | None:
        """The literal values an operand may take: itself, or every dated value of a parameter."""
        if isinstance(operand, c.Ref | list):
            return None
        if isinstance(operand, c.ParamRef):
            values = [v.value for v in self.m.parameters[operand.param].values]
            return None if any(isinstance(v, list) for v in values) else values
        return [operand]

    # -- tests on an input ------------------------------------------------------------------------
    def _input(self, name: str, spec: InputSpec, cond: Any, may: bool) -> _X:
        ref = _ref(name)
        empty = _X(f"string-length({ref}) = 0")
        words = [w for w in ANSWER_WORDS if w in spec.accepts] if spec.type in _SELECT else []
        said_declined = FALSE  # where the form records a refusal
        status = companion(name, spec)
        if status is not None:  # the companion says answered, unknown or declined
            said = _ref(status)
            answered = _X(f"{said} = '{ANSWERED}'")
            empty = _or([_X(f"string-length({said}) = 0"), _and([answered, empty])])
            open_ = _or([_X(f"{said} != '{ANSWERED}'"), _X(f"string-length({ref}) = 0")])
            known = _and([answered, _X(f"string-length({ref}) > 0")])
            said_declined = _X(f"{said} = 'declined'")
        else:
            open_ = _or([empty, *(_X(f"{ref} = '{w}'") for w in words)])
            known = _and([_X(f"string-length({ref}) > 0"), *(_X(f"{ref} != '{w}'") for w in words)])
            if "declined" in words:
                said_declined = _X(f"{ref} = 'declined'")

        def answer(test: _X) -> _X:
            """A test on a real answer: with ``may``, also true while there is none."""
            return _or([open_, test]) if may else test

        def has(value: Any) -> _X:
            return _X(f"contains(concat(' ', {ref}, ' '), {_lit(' ' + str(value) + ' ')})")

        unknown = TRUE if may else FALSE
        if isinstance(cond, c.IsTrue):
            return _X(f"{ref} != 'no'") if may else _X(f"{ref} = 'yes'")
        if isinstance(cond, c.IsKnown):
            return TRUE if may else known
        if isinstance(cond, c.IsDeclined):
            if "declined" not in spec.accepts:
                return FALSE
            return _or([empty, said_declined]) if may else said_declined
        if isinstance(cond, c.In):
            if may and spec.type in ("bool", "enum"):  # shorter as "none of the other choices"
                listed = (True, False) if spec.type == "bool" else spec.choice_values
                other = [v for v in listed if v not in cond.in_[1]]
                if spec.type == "bool" or len(other) <= len(cond.in_[1]) + len(words):
                    return _and(_X(f"{ref} != {_lit(_choice(v))}") for v in other)
            tests = [self._equal(ref, spec, v) for v in cond.in_[1]]
            if any(t is None for t in tests):
                return unknown
            return answer(_or(t for t in tests if t is not None))
        if isinstance(cond, c.Intersects) and spec.type == "set":
            if set(spec.choice_values) <= set(cond.intersects[1]):  # any choice at all
                if "none" in spec.choice_values:  # an empty list cannot be told from not asked
                    return unknown
                return _X(f"{ref} != 'none'") if may else _and([known, _X(f"{ref} != 'none'")])
            return answer(_or(has(v) for v in cond.intersects[1]))
        if isinstance(cond, c.Contains) and spec.type == "set":
            values = self._operands(cond.contains[1])
            if values is None:
                return unknown
            each = [answer(has(v)) for v in values]
            return _or(each) if may else _and(each)
        if isinstance(cond, c.Compare):
            values = self._operands(cond.args[1])
            if values is None:
                return unknown
            tests = [self._compare(ref, spec, cond.op, v, may, open_, known) for v in values]
            kept = [t for t in tests if t is not None]
            if len(kept) < len(tests):
                return unknown
            return _or(kept) if may else _and(kept)
        return unknown

    def _equal(self, ref: str, spec: InputSpec, value: Any) -> _X | None:
        if spec.type == "bool" and isinstance(value, bool):
            return _X(f"{ref} = '{'yes' if value else 'no'}'")
        if spec.type == "enum" and isinstance(value, str):
            return _X(f"{ref} = {_lit(value)}")
        if spec.type in ("int", "number") and isinstance(value, int | float) and not isinstance(value, bool):
            return _X(f"{ref} = {_num(value)}")
        return None

    def _compare(
        self, ref: str, spec: InputSpec, op: str, value: Any, may: bool, open_: _X, known: _X
    ) -> _X | None:
        """``NAME op VALUE`` on an input: with ``may``, also true while there is no answer."""
        if spec.type in ("int", "number"):
            if isinstance(value, bool) or not isinstance(value, int | float):
                return None
            test = _X(f"{ref} {'=' if op == '==' else op} {_num(value)}")
            return _or([open_, test]) if may else _and([known, test])
        equal = self._equal(ref, spec, value)
        if equal is None or op not in ("==", "!="):
            return None
        if op == "==":
            if may and spec.type == "enum" and len(spec.choice_values) <= 2 + len(open_.operands(0)):
                return _and(_X(f"{ref} != {_lit(v)}") for v in spec.choice_values if v != value)
            return _or([open_, equal]) if may else equal
        differs = _X(f"{ref} != {equal.text.split(' = ', 1)[1]}")  # also true while unanswered
        return differs if may else _and([known, differs])

    # -- tests on a fact or outcome (may only) ----------------------------------------------------
    def _target(self, name: str, cond: Any) -> _X:
        spec = self.targets[name]
        if name in self.opaque or spec.type == "number" or isinstance(cond, c.IsKnown):
            return TRUE
        if spec.type == "set":
            if isinstance(cond, c.Intersects):
                wanted: list[Any] | None = list(cond.intersects[1])
            elif isinstance(cond, c.Contains):
                wanted = self._operands(cond.contains[1])
            else:
                wanted = None
            if wanted is None:
                return TRUE
            key: Any = frozenset(map(str, wanted))
            pick = [
                cond_
                for cond_, value in self.contributors[name]
                if {str(v) for v in (value if isinstance(value, list) else [value])} & key
            ]
            return self._contributors(name, key, pick)
        test = self._value_test(cond)
        if test is None or spec.default is None or test(spec.default):
            return TRUE
        return self._contributors(name, None, [cond_ for cond_, _ in self.contributors[name]])

    def _value_test(self, cond: Any) -> Callable[[Any], bool] | None:
        """Whether a one-value fact's value passes the test; None if it cannot be told."""
        if isinstance(cond, c.IsTrue):
            return lambda v: v is True
        if isinstance(cond, c.In):
            allowed = list(cond.in_[1])
            return lambda v: v in allowed
        if isinstance(cond, c.Compare):
            values = self._operands(cond.args[1])
            if values is None:
                return None
            fn = COMPARE[cond.op]

            def passes(v: Any) -> bool:
                try:
                    return any(fn(v, x) for x in values)
                except TypeError:
                    return True

            return passes
        return None

    def _contributors(self, name: str, key: Any, conds: list[Any]) -> _X:
        """May any of these rules (concluding ``name``) apply?"""
        memo = (self.x, name, key)
        if memo in self.memo:
            return self.memo[memo]
        if (name, key) in self.busy:  # the compiler refuses cycles; be safe anyway
            return TRUE
        self.busy.add((name, key))
        try:
            expr = _or(self.may(cond) for cond in conds)
        finally:
            self.busy.discard((name, key))
        self.memo[memo] = expr
        return expr
