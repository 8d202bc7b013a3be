"""Mappings of carepath's vocabularies to other systems' codes and labels, as data.

A mapping file (``rulesets/mappings/<name>.mapping.yaml``) says, for each carepath vocabulary
(care options, protection concerns, risk levels, case stages, closures), what each carepath value
is called in a target system: one or more target terms, each with its relation (``exact``,
``close``, ``broader``, ``narrower``), or ``unmapped`` with the reason. Every entry cites its
source. A target code is written only where a source gives it; otherwise the term is the
target's wording as the source gives it.

>>> from carepath.exchange.vocabulary import load_mapping
>>> mosvy = load_mapping("mosvy")
>>> mosvy.translate("care_options", "kinship_care")
['relatives (kinship)']

:meth:`Mapping.check` compares a mapping with the rule sets it names, read live: every value
mapped or explicitly unmapped, and no value carepath does not have.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from carepath.errors import CarepathError, RuleFileError, RuleSetError, RuleSetNotFoundError
from carepath.rules.loader import Limits, Located, load_yaml_file
from carepath.rules.model import Document, Source
from carepath.rules.parsing import field_path, locate, validated
from carepath.rules.registry import bundled_root

__all__ = [
    "MAPPING_SUFFIX",
    "CarepathValues",
    "Entry",
    "Mapping",
    "MappingFile",
    "Target",
    "TargetOnly",
    "Term",
    "UnmappedValueError",
    "Vocabulary",
    "VocabularyError",
    "bundled_mappings",
    "carepath_values",
    "load_mapping",
    "mappings_root",
]

MAPPING_SUFFIX = ".mapping.yaml"
Relation = Literal["exact", "close", "broader", "narrower"]


class VocabularyError(CarepathError):
    """A vocabulary or value that the mapping does not know (with a suggestion)."""

    def __init__(self, message: str, *, vocabulary: str, value: str | None = None) -> None:
        self.vocabulary = vocabulary
        self.value = value
        super().__init__(message)


class UnmappedValueError(VocabularyError):
    """The mapping says explicitly that this value has no target term; ``reason`` says why."""

    def __init__(self, message: str, *, vocabulary: str, value: str, reason: str) -> None:
        self.reason = reason
        super().__init__(message, vocabulary=vocabulary, value=value)


# -- the file's model ---------------------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Target(_Model):
    """The system mapped to."""

    name: str = Field(description="The target system, e.g. `Primero`.")
    version: str | None = Field(default=None, description="The version or snapshot of it mapped to.")
    where: str = Field(description="Where its vocabularies were read (document, repository, section).")
    note: str | None = Field(default=None, description="Caveats that hold for every entry.")


class CarepathValues(_Model):
    """The carepath vocabulary mapped: an outcome's values or an input's choices in a rule set."""

    ruleset: str = Field(description="Bundled rule-set id, such as `intl/care_options`.")
    outcome: str | None = Field(default=None, description="An `enum` or `set` outcome of the rule set.")
    input: str | None = Field(default=None, description="An `enum` or `set` input of the rule set.")

    @model_validator(mode="after")
    def _one_of(self) -> CarepathValues:
        if (self.outcome is None) == (self.input is None):
            raise ValueError("give exactly one of `outcome` and `input`")
        return self

    @property
    def described(self) -> str:
        kind, name = ("outcome", self.outcome) if self.outcome is not None else ("input", self.input)
        return f"{self.ruleset} {kind} {name}"


class Term(_Model):
    """One term of the target that a carepath value maps to."""

    label: str = Field(description="The target's wording, as the source gives it.")
    code: str | None = Field(
        default=None, description="The target's code, only where a source gives it; never guessed."
    )
    field: str | None = Field(
        default=None, description="Where in the target the term lives, if not the vocabulary's `field`."
    )
    relation: Relation = Field(
        description="`exact`: same meaning; `close`: near, not identical; `broader`: the target term "
        "covers more than the carepath value; `narrower`: it covers less (as SKOS matches)."
    )

    @property
    def key(self) -> str:
        """What :meth:`Mapping.translate` returns: the code if the source gives one, else the label."""
        return self.code if self.code is not None else self.label


class Entry(_Model):
    """What one carepath value is in the target: terms (`to`) or `unmapped` with the reason."""

    to: tuple[Term, ...] | None = Field(default=None, min_length=1, description="The target terms.")
    unmapped: str | None = Field(
        default=None,
        min_length=1,
        description="Why the value has no target term (`not in the sources`, ...).",
    )
    source: Source | None = Field(
        default=None, description="The source of the mapping, or of the reason it is unmapped."
    )
    note: str | None = Field(default=None, description="What is lost or uncertain; the nearest term.")

    @model_validator(mode="after")
    def _mapped_or_not(self) -> Entry:
        if (self.to is None) == (self.unmapped is None):
            raise ValueError("give exactly one of `to` (the target terms) and `unmapped` (the reason)")
        if self.to is not None and self.source is None:
            raise ValueError("a mapped value needs a `source` (document, locator, confidence)")
        return self


class TargetOnly(_Model):
    """A target term that no carepath value maps to."""

    label: str = Field(description="The target's wording, as the source gives it.")
    code: str | None = Field(default=None, description="The target's code, where a source gives it.")
    note: str = Field(description="Why carepath has no value for it.")


class Vocabulary(_Model):
    """One carepath vocabulary and what each of its values is in the target."""

    carepath: CarepathValues = Field(description="The carepath values mapped, read live from a rule set.")
    field: str | None = Field(default=None, description="Where in the target the terms live.")
    note: str | None = Field(default=None, description="Why this vocabulary, and caveats.")
    map: dict[str, Entry] = Field(description="Every carepath value: its target terms, or `unmapped`.")
    target_only: tuple[TargetOnly, ...] = Field(
        default=(), description="Target terms no carepath value maps to."
    )


class MappingFile(_Model):
    """A mapping of carepath's vocabularies to one target system."""

    schema_version: Literal[1] = Field(description="The mapping format version; 1.")
    target: Target = Field(description="The system mapped to.")
    sources: dict[str, Document] = Field(description="The documents entries cite, by key.")
    vocabularies: dict[str, Vocabulary] = Field(description="The vocabularies mapped, by name.")


# -- a loaded mapping ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Mapping:
    """A validated mapping file, with the marks to place later problems in it."""

    name: str
    model: MappingFile
    located: Located

    @property
    def file(self) -> str:
        return self.located.file

    @property
    def target(self) -> Target:
        return self.model.target

    @property
    def vocabularies(self) -> dict[str, Vocabulary]:
        return self.model.vocabularies

    def entry(self, vocabulary: str, value: str) -> Entry:
        """The entry for one carepath value; :class:`VocabularyError` if the mapping has none."""
        vocab = self.vocabularies.get(vocabulary)
        if vocab is None:
            raise VocabularyError(
                f"{self.target.name} mapping has no vocabulary {vocabulary!r}"
                + _hint(vocabulary, self.vocabularies),
                vocabulary=vocabulary,
            )
        found = vocab.map.get(value)
        if found is None:
            raise VocabularyError(
                f"{vocabulary}: {value!r} is not a value of {vocab.carepath.described}"
                + _hint(value, vocab.map),
                vocabulary=vocabulary,
                value=value,
            )
        return found

    def terms(self, vocabulary: str, value: str) -> tuple[Term, ...]:
        """The target terms of one carepath value; :class:`UnmappedValueError` if it has none."""
        found = self.entry(vocabulary, value)
        if found.to is None:
            reason = found.unmapped or ""
            raise UnmappedValueError(
                f"{vocabulary}: {value!r} has no {self.target.name} term: {reason}",
                vocabulary=vocabulary,
                value=value,
                reason=reason,
            )
        return found.to

    def translate(self, vocabulary: str, value: str) -> list[str]:
        """The target codes (or, where the sources give no code, labels) of one carepath value."""
        return [term.key for term in self.terms(vocabulary, value)]

    def check(self) -> list[RuleFileError]:
        """Problems against the rule sets, read live: values missing from a map, values carepath
        does not have, vocabularies that name no enum or set. An empty list: the mapping is whole."""
        problems: list[RuleFileError] = []
        for name, vocab in self.vocabularies.items():
            try:
                values = carepath_values(vocab.carepath)
            except (RuleSetError, VocabularyError) as exc:
                problems.append(self._problem(str(exc), ("vocabularies", name, "carepath")))
                continue
            missing = [v for v in values if v not in vocab.map]
            if missing:
                problems.append(
                    self._problem(
                        f"values of {vocab.carepath.described} neither mapped nor marked unmapped: "
                        + ", ".join(missing),
                        ("vocabularies", name, "map"),
                    )
                )
            for value in vocab.map:
                if value not in values:
                    problems.append(
                        self._problem(
                            f"{value!r} is not a value of {vocab.carepath.described}" + _hint(value, values),
                            ("vocabularies", name, "map", value),
                        )
                    )
        return problems

    def _problem(self, message: str, path: tuple[str | int, ...]) -> RuleFileError:
        line, column = locate(self.located, path)
        return RuleFileError(message, file=self.file, line=line, column=column, field=field_path(path))


def carepath_values(spec: CarepathValues) -> tuple[str, ...]:
    """The values of an outcome, or the choices of an input, of a bundled rule set, in order."""
    from carepath.rules.ruleset import load  # rule sets load only when a mapping is checked

    ruleset = load(spec.ruleset)
    if spec.outcome is not None:
        outcome = ruleset.merged.outcomes.get(spec.outcome)
        if outcome is None or outcome.type not in ("enum", "set"):
            raise VocabularyError(
                f"{spec.ruleset} has no enum or set outcome {spec.outcome!r}"
                + _hint(spec.outcome, ruleset.merged.outcomes),
                vocabulary=spec.outcome,
            )
        return tuple(outcome.values or ())
    assert spec.input is not None
    spec_input = ruleset.inputs.get(spec.input)
    if spec_input is None or spec_input.type not in ("enum", "set"):
        raise VocabularyError(
            f"{spec.ruleset} has no enum or set input {spec.input!r}" + _hint(spec.input, ruleset.inputs),
            vocabulary=spec.input,
        )
    return spec_input.choice_values


# -- loading ------------------------------------------------------------------------------------


def mappings_root() -> Path:
    """The folder that holds the bundled mappings."""
    return bundled_root() / "mappings"


def bundled_mappings() -> list[str]:
    """The names of the bundled mappings (``primero`` for ``primero.mapping.yaml``), sorted."""
    root = mappings_root()
    if not root.is_dir():
        return []
    return sorted(p.name[: -len(MAPPING_SUFFIX)] for p in root.glob(f"*{MAPPING_SUFFIX}") if p.is_file())


def load_mapping(name_or_path: str | Path, limits: Limits | None = None) -> Mapping:
    """Load a mapping by bundled name (``primero``, ``mosvy``) or path, validated; errors at file:line."""
    path = _resolve(name_or_path)
    located = load_yaml_file(path, limits)
    model = validated(
        located, MappingFile, "mapping file is a mapping (schema_version, target, sources, vocabularies)"
    )
    mapping = Mapping(name=_name(path), model=model, located=located)
    _check_documents(mapping)
    return mapping


def _resolve(name_or_path: str | Path) -> Path:
    text = str(name_or_path)
    if text.endswith((".yaml", ".yml")):
        path = Path(text)
        if path.is_file():
            return path
    else:
        path = mappings_root() / f"{text}{MAPPING_SUFFIX}"
        if path.is_file():
            return path
    raise RuleSetNotFoundError(
        f"no mapping {text!r} (neither a bundled name nor a file)" + _hint(text, bundled_mappings()),
        file=text,
    )


def _name(path: Path) -> str:
    name = path.name
    return name[: -len(MAPPING_SUFFIX)] if name.endswith(MAPPING_SUFFIX) else path.stem


def _check_documents(mapping: Mapping) -> None:
    """Every entry's source names a document declared in `sources`."""
    problems: list[RuleSetError] = []
    known = mapping.model.sources
    for name, vocab in mapping.vocabularies.items():
        for value, found in vocab.map.items():
            if found.source is not None and found.source.document not in known:
                problems.append(
                    mapping._problem(
                        f"source document {found.source.document!r} is not declared in `sources`"
                        + _hint(found.source.document, known),
                        ("vocabularies", name, "map", value, "source", "document"),
                    )
                )
    if problems:
        first = problems[0]
        first.errors = problems
        raise first


def _hint(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
