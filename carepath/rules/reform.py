"""Parameter settings without an overlay file, as OpenFisca's reforms: one layer more, in memory.

``with_parameters(palermo, {"child_age_limit": 21})`` (:func:`carepath.rules.ruleset.with_parameters`,
built on :func:`reformed` here) writes no file: it puts one synthetic layer,
read as the file ``<settings>``, on top of the rule set's own layers, then merges and compiles the
stack again. Every rule of layering applies unchanged: a hard parameter moves only in its
``may`` direction (:class:`LayerError`), a parameter of words keeps its choices, and an error
names the parameter (``<settings>: parameters.child_age_limit: ...``). The result is a new
:class:`RuleSet` with the id ``<id>+settings``; the original is untouched, so both live side by
side. The values set are local settings (no source: set for this run).
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Mapping
from typing import Any

from carepath.errors import RuleFileError, RuleSetError
from carepath.rules.compiler import CompiledRuleSet, compile_ruleset
from carepath.rules.layers import Layer, MergedRuleSet
from carepath.rules.loader import Located
from carepath.rules.logic import literal
from carepath.rules.model import Parameter
from carepath.rules.overlays import merge_checked
from carepath.rules.parsing import parse_rule_file

__all__ = [
    "SETTINGS_FILE",
    "SETTINGS_SUFFIX",
    "ParameterTypeError",
    "SettingError",
    "UnknownParameterError",
    "reformed",
    "settings_text",
]

SETTINGS_FILE = "<settings>"
SETTINGS_SUFFIX = "+settings"
NOTE = "set for this run"


class SettingError(RuleFileError):
    """A parameter setting that cannot be applied (see its subclasses)."""


class UnknownParameterError(SettingError):
    """A setting names a parameter the rule set does not have; ``suggestion`` is the closest name."""

    suggestion: str | None = None


class ParameterTypeError(SettingError):
    """A setting's value is not of the type of the parameter's own values."""


def reformed(
    merged: MergedRuleSet, settings: Mapping[str, Any], *, valid_from: dt.date | None = None
) -> CompiledRuleSet:
    """The rule set compiled again with each parameter of ``settings`` taking its value from
    ``valid_from`` (at least one setting).

    ``valid_from`` defaults to the start of the rule set's in-force period, or else to the first
    date of the parameter's values; before it, the parameter keeps its values. No settings: the
    Raises :class:`UnknownParameterError`, :class:`ParameterTypeError`, or what an overlay
    would raise (:class:`LayerError` for a hard parameter moved against ``may``).
    """
    parameters: dict[str, Any] = {}
    problems: list[SettingError] = []
    for name, value in settings.items():
        base = merged.parameters.get(name)
        if base is None:
            problems.append(_unknown(name, merged))
            continue
        value = list(value) if isinstance(value, tuple) else value
        wrong = _wrong_type(value, base)
        if wrong is not None:
            problems.append(ParameterTypeError(wrong, file=SETTINGS_FILE, field=f"parameters.{name}"))
            continue
        start = valid_from or merged.in_force.valid_from or min(v.valid_from for v in base.values)
        parameters[name] = _setting(base, value, start)
    if problems:
        first = problems[0]
        first.errors = list(problems)
        raise first
    new_id = merged.id if merged.id.endswith(SETTINGS_SUFFIX) else merged.id + SETTINGS_SUFFIX
    data: dict[str, Any] = {
        "schema_version": 1,
        "id": new_id,
        "title": merged.title,
        "version": merged.version,
        "jurisdiction": merged.jurisdiction,
        "in_force": merged.in_force.model_dump(exclude_none=True),
        "languages": list(merged.languages),
        "parameters": parameters,
    }
    if merged.description is not None:
        data["description"] = merged.description
    try:
        layer = Layer(id=new_id, parsed=parse_rule_file(Located(data=data, file=SETTINGS_FILE)))
        stacked = merge_checked([*merged.layers, layer])
    except RuleSetError as exc:
        raise _named(exc) from None
    try:
        compiled = compile_ruleset(stacked)
    except RuleSetError as exc:  # it compiled before: a rule cannot read a value set (a whole number)
        name = next((n for n in settings if repr(n) in exc.message), next(iter(settings)))
        where = f"{exc.location}: {exc.field}" if exc.field else exc.location
        raise ParameterTypeError(
            f"{exc.message} ({where})", file=SETTINGS_FILE, field=f"parameters.{name}", rule_id=exc.rule_id
        ) from None
    return compiled


def settings_text(settings: Mapping[str, Any]) -> str:
    """``name=value, ...`` as a report shows the settings used."""
    return ", ".join(f"{name}={literal(value)}" for name, value in settings.items())


def _unknown(name: str, merged: MergedRuleSet) -> UnknownParameterError:
    close = difflib.get_close_matches(str(name), list(merged.parameters), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    error = UnknownParameterError(
        f"{merged.id} has no parameter {name!r}{hint}", file=SETTINGS_FILE, field=f"parameters.{name}"
    )
    error.suggestion = close[0] if close else None
    return error


def _kind(value: Any) -> str:
    """The kind of a parameter value, as a message names it."""
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, dt.datetime):
        return "a date and time"
    if isinstance(value, dt.date):
        return "a date"
    if isinstance(value, str):
        return "a word or text"
    if isinstance(value, list):
        return "a list"
    return "nothing" if value is None else f"a {type(value).__name__}"


def _wrong_type(value: Any, base: Parameter) -> str | None:
    """Why ``value`` does not fit the parameter's own values, or None if it does."""
    kinds = sorted({_kind(v.value) for v in base.values})
    if _kind(value) not in kinds:
        return f"the value is {_kind(value)}; the parameter's values are {' or '.join(kinds)}"
    if isinstance(value, list):
        items = sorted({_kind(i) for v in base.values if isinstance(v.value, list) for i in v.value})
        wrong = [i for i in value if items and _kind(i) not in items]
        if wrong:
            return f"the list holds {_kind(wrong[0])}; the parameter's lists hold {' or '.join(items)}"
    return None


def _setting(base: Parameter, value: Any, start: dt.date) -> dict[str, Any]:
    """The parameter as the synthetic layer declares it: the values before ``start``, then ``value``."""
    values: list[dict[str, Any]] = []
    for item in sorted(base.values, key=lambda v: v.valid_from):
        if item.valid_from >= start:
            continue
        kept = item.model_dump(exclude_none=True)
        if item.valid_to is None or item.valid_to >= start:
            kept["valid_to"] = start - dt.timedelta(days=1)
        values.append(kept)
    values.append({"valid_from": start, "value": value, "local_setting": True})
    declared = base.model_dump(exclude_none=True)
    declared.pop("choices", None)  # the words allowed stay as merged below; merge checks the value
    declared["description"] = f"{base.description} ({NOTE} from {start.isoformat()})"
    declared["values"] = values
    return declared


def _named(exc: RuleSetError) -> RuleSetError:
    """An error in the synthetic layer, placed at the parameter set (``parameters.NAME``)."""
    field = exc.field or ""
    plain = type(exc).__init__ is RuleSetError.__init__  # not CycleError's own signature
    if exc.file != SETTINGS_FILE or not field.startswith("parameters.") or not plain:
        return exc
    name = field.split(".")[1].split("[")[0]
    named = type(exc)(exc.message, file=SETTINGS_FILE, field=f"parameters.{name}", rule_id=exc.rule_id)
    named.errors = [named, *exc.errors[1:]]
    return named
