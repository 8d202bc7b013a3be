"""The rule kinds compiled: conclusion rules, decision tables, and scores with their bands."""

from __future__ import annotations

from typing import Any

from carepath.rules import conditions as c
from carepath.rules.compiler.compiled import CompiledBands, CompiledRule, CompiledScore, CompiledTable, Row
from carepath.rules.compiler.conditions import _Conditions
from carepath.rules.layers import Origin
from carepath.rules.logic import shown
from carepath.rules.model import ConclusionRule, DecisionTable, ScoreRule
from carepath.rules.nodes import AllNode, CNode


class _RuleKinds(_Conditions):
    # -- rule kinds -----------------------------------------------------------------------
    def _conclusion(
        self, rule: ConclusionRule, origin: Origin, common: dict[str, Any]
    ) -> tuple[CompiledRule, frozenset[str], tuple[str, ...]]:
        cond = self.cond(rule.when, origin, ("when",), rule.id) if rule.when is not None else None
        then: list[tuple[str, Any]] = []
        for name, value in rule.then.items():
            spec = self._target(name, origin, ("then", name), rule.id)
            then.append((name, self._fit_output(spec, value, origin, ("then", name), rule.id)))
        reads = cond.names() if cond else frozenset()
        item = CompiledRule(
            **common,
            cond=cond,
            then=tuple(then),
            exception_to=tuple(rule.exception_to),
            exceptions=(),
            concludes=tuple((n, shown(v)) for n, v in then),
        )
        return item, reads, tuple(n for n, _ in then)

    def _table(
        self, rule: DecisionTable, origin: Origin, common: dict[str, Any]
    ) -> tuple[CompiledTable, frozenset[str], tuple[str, ...]]:
        spec = rule.table
        out = self._target(spec.output, origin, ("table", "output"), rule.id)
        for k, col in enumerate(spec.inputs):
            self._kind(col, origin, ("table", "inputs", k), rule.id)
        if spec.aggregate is not None and out.type != "number":
            raise self.fail(
                origin, ("table", "output"), "an aggregated COLLECT table needs a number output", rule.id
            )
        if spec.hit_policy == "COLLECT" and spec.aggregate is None and out.type != "set":
            raise self.fail(
                origin, ("table", "output"), "a COLLECT table needs a set output (or `aggregate`)", rule.id
            )
        if spec.hit_policy in ("UNIQUE", "FIRST") and out.type not in ("bool", "enum"):
            raise self.fail(
                origin,
                ("table", "output"),
                f"a {spec.hit_policy} table concludes one value: its output must be bool or enum "
                "(use COLLECT for a set or a sum)",
                rule.id,
            )
        if spec.hit_policy == "PRIORITY" and out.type != "enum":
            raise self.fail(
                origin,
                ("table", "output"),
                "a PRIORITY table needs an enum output whose `values` give the order",
                rule.id,
            )
        rows: list[Row] = []
        for i, row in enumerate(spec.rows):
            cells: list[CNode] = []
            for k, cell in enumerate(row.when):
                node = self._cell(spec.inputs[k], cell, origin, ("table", "rows", i, "when", k), rule.id)
                if node is not None:
                    cells.append(node)
            cond = AllNode(cells) if len(cells) > 1 else (cells[0] if cells else None)
            if spec.aggregate == "count":
                output: Any = 1
            elif spec.aggregate == "sum":
                output = self._number(row.then, origin, ("table", "rows", i, "then"), rule.id)
            else:
                output = self._fit_output(out, row.then, origin, ("table", "rows", i, "then"), rule.id)
            rows.append(Row(id=row.id or f"row{i + 1}", cond=cond, output=output, source=row.source))
        rank = {v: i for i, v in enumerate(out.values or [])}
        reads = frozenset().union(*(r.cond.names() for r in rows if r.cond))
        table = CompiledTable(
            **common,
            hit_policy=spec.hit_policy,
            output=spec.output,
            aggregate=spec.aggregate,
            rows=tuple(rows),
            rank=rank,
        )
        return table, reads, (spec.output,)

    def _score(
        self, rule: ScoreRule, origin: Origin, common: dict[str, Any]
    ) -> tuple[CompiledScore, CompiledBands | None, frozenset[str], tuple[str, ...]]:
        spec = rule.score
        target = self._target(spec.target, origin, ("score", "target"), rule.id)
        if target.type != "number":
            raise self.fail(
                origin,
                ("score", "target"),
                f"a score concludes a number; {spec.target!r} is {target.type}",
                rule.id,
            )
        items: list[Row] = []
        for i, item in enumerate(spec.items):
            cond = self.cond(item.when, origin, ("score", "items", i, "when"), rule.id)
            if isinstance(item.weight, c.ParamRef):
                self._param(item.weight.param, origin, ("score", "items", i, "weight"), rule.id, "number")
                items.append(
                    Row(id=item.id, cond=cond, output=None, source=item.source, param=item.weight.param)
                )
            else:
                items.append(Row(id=item.id, cond=cond, output=item.weight, source=item.source))
        score = CompiledScore(**common, target=spec.target, items=tuple(items))
        bands = None
        if spec.bands is not None:
            b = spec.bands
            band_spec = self._target(b.target, origin, ("score", "bands", "target"), rule.id)
            allowed = set(band_spec.values or []) if band_spec.type == "enum" else set()
            if band_spec.type != "enum":
                raise self.fail(origin, ("score", "bands", "target"), "bands conclude an enum", rule.id)
            thresholds: list[tuple[float | None, str | None, str]] = []
            for j, band in enumerate([None, *b.thresholds]):
                value = b.below if band is None else band.value
                sub = (
                    ("score", "bands", "below")
                    if band is None
                    else ("score", "bands", "thresholds", j - 1, "value")
                )
                if value not in allowed:
                    raise self.fail(
                        origin, sub, f"{value!r} is not one of the values of {b.target!r}", rule.id
                    )
                if band is not None:
                    if isinstance(band.at_least, c.ParamRef):
                        self._param(band.at_least.param, origin, (*sub[:-1], "at_least"), rule.id, "number")
                        thresholds.append((None, band.at_least.param, value))
                    else:
                        thresholds.append((band.at_least, None, value))
            numbers = [t[0] for t in thresholds if t[0] is not None]
            if numbers != sorted(numbers):
                raise self.fail(origin, ("score", "bands", "thresholds"), "thresholds must rise", rule.id)
            bands = CompiledBands(
                **{**common, "id": f"{rule.id}#bands"},
                score=spec.target,
                target=b.target,
                below=b.below,
                thresholds=tuple(thresholds),
            )
        reads = frozenset().union(*(i.cond.names() for i in items if i.cond))
        return score, bands, reads, (spec.target,)
