"""The ``survey`` and ``choices`` sheets of a rule set's form, question by question.

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
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from carepath.exchange.xlsform.texts import (
    _COMPANION_TEXT,
    _SELECT,
    ANSWERED,
    BUILTIN_TEXT,
    companion,
    language_column,
)
from carepath.exchange.xlsform.xpath import _num, _ref
from carepath.rules.model import ANSWER_WORDS, InputSpec

SENSITIVE_COLUMN = "bind::carepath:sensitive"
Sheets = dict[str, list[dict[str, Any]]]
_Items = list[tuple[str, dict[str, str]]]


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
