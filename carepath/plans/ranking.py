"""Rank care options: those that fit and are not blocked, in the declared order of preference.

The option step's rule set concludes two sets over one vocabulary: the options that fit
(each added by a rule, its reason) and the options blocked (each by a rule, often ``hard``).
The order of the vocabulary is the order of preference, cited in the pipeline
(family first, then kinship, foster and family-like care; residential care last).

Each option ends in exactly one list:

- **ranked**: surely fits and surely not blocked, in order of preference;
- **blocked**: surely blocked, with the rules that block it;
- **pending**: may fit or may be blocked while answers are missing; never ranked, so an
  option that could still be blocked is never recommended;
- **not found**: no rule found that it fits.

While answers are missing the first choice may be open; the **provisional** first choice is
then the most preferred option that no gate surely blocks and that fits or may still fit, with
the questions that could still block it, keep it from fitting or put a preferred option before
it, and the option that would come next if it were blocked. It is always shown as
provisional: a recommendation to prepare, never to act on before those questions are answered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from carepath.plans.model import RankingSpec, shown
from carepath.rules.model import Source
from carepath.rules.result import Evaluation, Outcome, plain
from carepath.rules.ruleset import RuleSet
from carepath.rules.trace import Contribution

__all__ = ["BlockedOption", "PendingOption", "Provisional", "RankedOption", "Ranking", "Reason", "rank"]


@dataclass(frozen=True, slots=True)
class Reason:
    """A rule (or table row) that put an option where it is, with its source."""

    rule: str
    title: str
    source: Source | None
    hard: bool = False
    status: Literal["fired", "unknown"] = "fired"
    missing: tuple[str, ...] = ()
    held: tuple[str, ...] = ()
    """For a rule that fired: the conditions that decided it, as the rule file words them
    (``family_safety == unsafe``; ``not placement_excluded`` for one that held by being false).
    They name the rule's own inputs and values, never an answer's value."""

    @classmethod
    def of(cls, c: Contribution) -> Reason:
        status: Literal["fired", "unknown"] = "fired" if c.status == "fired" else "unknown"
        held: tuple[str, ...] = ()
        if status == "fired":
            checks = c.row.checks if c.row is not None else c.step.checks
            held = tuple(dict.fromkeys(_held(ch.text, ch.value) for ch in checks if ch.value is not None))
        return cls(c.ref, c.step.title, c.source, c.step.hard, status, c.step.missing, held)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"rule": self.rule, "title": self.title, "status": self.status}
        if self.hard:
            data["hard"] = True
        if self.source is not None:
            data["source"] = plain(self.source)
        if self.missing:
            data["missing"] = list(self.missing)
        if self.held:
            data["held"] = list(self.held)
        return data


def _held(text: str, value: bool) -> str:
    """A decisive check as a condition that held: its text, or its negation."""
    return text if value else f"not ({text})" if " " in text else f"not {text}"


@dataclass(frozen=True, slots=True)
class RankedOption:
    """An option that fits and is not blocked, at its place in the order of preference."""

    option: str
    label: str
    rank: int
    preference: int
    because: tuple[Reason, ...]
    above: tuple[tuple[str, str], ...]
    """The options preferred to this one and why they are not used: (option, ``blocked`` |
    ``pending`` | ``not_found``)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "option": self.option,
            "label": self.label,
            "rank": self.rank,
            "preference": self.preference,
            "because": [r.to_dict() for r in self.because],
            "above": [{"option": o, "why_not": w} for o, w in self.above],
        }


@dataclass(frozen=True, slots=True)
class BlockedOption:
    """An option that must not be recommended, and the rules that block it."""

    option: str
    label: str
    blocked_by: tuple[Reason, ...]

    @property
    def hard(self) -> bool:
        return any(r.hard for r in self.blocked_by)

    def to_dict(self) -> dict[str, Any]:
        return {
            "option": self.option,
            "label": self.label,
            "hard": self.hard,
            "blocked_by": [r.to_dict() for r in self.blocked_by],
        }


@dataclass(frozen=True, slots=True)
class PendingOption:
    """An option that may fit or may be blocked: the answers that would settle it."""

    option: str
    label: str
    may_fit: tuple[Reason, ...]
    may_block: tuple[Reason, ...]
    fits: bool
    missing: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "option": self.option,
            "label": self.label,
            "fits": self.fits,
            "may_fit": [r.to_dict() for r in self.may_fit],
            "may_block": [r.to_dict() for r in self.may_block],
            "missing": list(self.missing),
        }


@dataclass(frozen=True, slots=True)
class Provisional:
    """The first choice if the open answers do not block it: never a determined recommendation."""

    option: str
    label: str
    because: tuple[Reason, ...]
    open: tuple[str, ...]
    """The questions that could still block it, or put a preferred option before it."""
    may_block: tuple[Reason, ...]
    next_if_blocked: str | None
    """The option that would come next (provisionally too) if this one were blocked."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "option": self.option,
            "label": self.label,
            "provisional": True,
            "because": [r.to_dict() for r in self.because],
            "may_block": [r.to_dict() for r in self.may_block],
            "open": list(self.open),
            "next_if_blocked": self.next_if_blocked,
        }


@dataclass(frozen=True)
class Ranking:
    """The options of one case: ranked, blocked, pending and not found."""

    step: str
    ranked: tuple[RankedOption, ...]
    blocked: tuple[BlockedOption, ...]
    pending: tuple[PendingOption, ...]
    not_found: tuple[str, ...]
    order: tuple[str, ...]
    order_source: Source
    fit_reasons: dict[str, tuple[Reason, ...]] = field(default_factory=dict, compare=False, repr=False)
    """Per option, every rule that fits it (fired or open), for the provisional choice."""

    @property
    def top(self) -> RankedOption | None:
        """The first ranked option, if no pending option is preferred to it."""
        if not self.ranked:
            return None
        first = self.ranked[0]
        if any(self.order.index(p.option) < self.order.index(first.option) for p in self.pending):
            return None
        return first

    @property
    def first_choice(self) -> tuple[str, Literal["determined", "provisional"]] | None:
        """The first option and whether it is determined or provisional, or None when none fits."""
        if (top := self.top) is not None:
            return top.option, "determined"
        if (provisional := self.provisional) is not None:
            return provisional.option, "provisional"
        return None

    @property
    def provisional(self) -> Provisional | None:
        """While the first choice is open: the most preferred option not surely blocked that
        fits or may fit. ``None`` when the first choice is settled (see :attr:`top`)."""
        if self.top is not None:
            return None
        fitting: list[tuple[str, str, tuple[Reason, ...]]] = [(o.option, o.label, ()) for o in self.ranked]
        fitting += [(p.option, p.label, p.may_block) for p in self.pending]
        if not fitting:
            return None
        fitting.sort(key=lambda f: self.order.index(f[0]))
        option, label, may_block = fitting[0]
        pending = next((p for p in self.pending if p.option == option), None)
        open_ = pending.missing if pending is not None else ()
        fits = self.fit_reasons.get(option, ())
        because = tuple(r for r in fits if r.status == "fired") or fits
        nxt = fitting[1][0] if len(fitting) > 1 else None
        return Provisional(option, label, because, open_, may_block, nxt)

    def top_candidates(self) -> tuple[tuple[str, ...], bool]:
        """The options that may still come first, and whether none at all may."""
        first = self.ranked[0] if self.ranked else None
        place = self.order.index(first.option) if first is not None else len(self.order)
        found = [p.option for p in self.pending if self.order.index(p.option) < place]
        if first is not None:
            found.append(first.option)
        return tuple(found), first is None

    def outcomes(self) -> dict[str, Outcome]:
        """``ranked`` and ``top_option`` as outcomes, so that later steps can be fed them."""
        missing = tuple(dict.fromkeys(m for p in self.pending for m in p.missing))
        names = tuple(r.option for r in self.ranked)
        settled = not self.pending
        ranked = Outcome(
            "ranked",
            list(names),
            "determined" if settled else "undetermined",
            candidates=tuple(p.option for p in self.pending),
            missing=() if settled else missing,
        )
        top = self.top
        if top is not None:
            top_option = Outcome("top_option", top.option, "determined", (top.because[0].rule,))
        elif not self.ranked and not self.pending:
            top_option = Outcome("top_option", None, "determined")
        else:
            top_option = Outcome(
                "top_option", None, "undetermined", candidates=self.top_candidates()[0], missing=missing
            )
        return {"ranked": ranked, "top_option": top_option}

    def to_dict(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "ranked": [r.to_dict() for r in self.ranked],
            "blocked": [b.to_dict() for b in self.blocked],
            "pending": [p.to_dict() for p in self.pending],
            "not_found": list(self.not_found),
            "order": list(self.order),
            "order_source": plain(self.order_source),
            "provisional": provisional.to_dict() if (provisional := self.provisional) is not None else None,
        }


def rank(
    spec: RankingSpec,
    ruleset: RuleSet,
    evaluation: Evaluation,
    ask: Callable[[tuple[str, ...]], tuple[str, ...]] | None = None,
) -> Ranking:
    """Rank the options of ``evaluation`` (which must carry its trace). ``ask`` turns a rule's
    missing inputs into the questions to ask (a pipeline replaces fed inputs by the upstream
    questions)."""
    trace = evaluation.trace
    if trace is None:
        raise ValueError("ranking reads the trace of the option step: evaluate it with trace=True")
    target = ruleset.merged.outcomes[spec.options]
    order = tuple(target.values or ())
    labels = {v: shown(target.value_labels.get(v) or {}, v.replace("_", " ")) for v in order}
    fits_by = trace.contributions(spec.options)
    blocks_by = trace.contributions(spec.blocked)
    fits_sure, fits_maybe = _split(evaluation[spec.options])
    blocked_sure, blocked_maybe = _split(evaluation[spec.blocked])

    ranked: list[RankedOption] = []
    blocked: list[BlockedOption] = []
    pending: list[PendingOption] = []
    not_found: list[str] = []
    above: list[tuple[str, str]] = []
    all_fits: dict[str, tuple[Reason, ...]] = {}
    for position, option in enumerate(order, start=1):
        fit_reasons = tuple(Reason.of(c) for c in fits_by.get(option, ()))
        all_fits[option] = fit_reasons
        block_reasons = tuple(Reason.of(c) for c in blocks_by.get(option, ()))
        if option in blocked_sure:
            sure = tuple(r for r in block_reasons if r.status == "fired")
            blocked.append(BlockedOption(option, labels[option], sure))
            above.append((option, "blocked"))
        elif option in fits_sure and option not in blocked_maybe:
            because = tuple(r for r in fit_reasons if r.status == "fired")
            ranked.append(
                RankedOption(option, labels[option], len(ranked) + 1, position, because, tuple(above))
            )
        elif option in fits_sure or option in fits_maybe:
            may_fit = tuple(r for r in fit_reasons if r.status == "unknown")
            may_block = tuple(r for r in block_reasons if r.status == "unknown")
            missing = tuple(dict.fromkeys(m for r in (*may_fit, *may_block) for m in r.missing))
            missing = ask(missing) if ask is not None else missing
            pending.append(
                PendingOption(option, labels[option], may_fit, may_block, option in fits_sure, missing)
            )
            above.append((option, "pending"))
        else:
            not_found.append(option)
            above.append((option, "not_found"))
    return Ranking(
        step=spec.step,
        ranked=tuple(ranked),
        blocked=tuple(blocked),
        pending=tuple(pending),
        not_found=tuple(not_found),
        order=order,
        order_source=spec.order_source,
        fit_reasons=all_fits,
    )


def _split(outcome: Outcome) -> tuple[set[Any], set[Any]]:
    """What is surely in a set outcome, and what may still be."""
    surely = set(outcome.value or ())
    maybe = set() if outcome.determined else set(outcome.candidates)
    return surely, maybe - surely
