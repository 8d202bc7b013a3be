"""The whole rule set compiled: exceptions linked to the rules they beat, the dependency graph
(a cycle is a :class:`CycleError`) and the evaluation order."""

from __future__ import annotations

from dataclasses import replace

import networkx as nx

from carepath.errors import CycleError
from carepath.rules.compiler.compiled import (
    CompiledBands,
    CompiledRule,
    CompiledRuleSet,
    CompiledScore,
    CompiledTable,
    CompiledTarget,
    Step,
)
from carepath.rules.compiler.rules import _RuleKinds
from carepath.rules.layers import MergedRuleSet
from carepath.rules.model import ConclusionRule, DecisionTable


def compile_ruleset(merged: MergedRuleSet) -> CompiledRuleSet:
    """Check names and types, order the steps, and build the closures."""
    compiler = _Compiler(merged)
    return compiler.run()


class _Compiler(_RuleKinds):
    # -- the whole rule set ---------------------------------------------------------------
    def run(self) -> CompiledRuleSet:
        compiled: dict[str, CompiledRule | CompiledTable | CompiledScore | CompiledBands] = {}
        reads: dict[str, frozenset[str]] = {}
        writes: dict[str, tuple[str, ...]] = {}
        for rid, rule in self.m.rules.items():
            origin = self.m.origin("rules", rid)
            common = dict(
                id=rid,
                title=rule.title,
                source=rule.source,
                layer=self.layer_of[rid],
                hard=rule.hard,
                local_setting=rule.local_setting,
                valid_from=rule.valid_from,
                valid_to=rule.valid_to,
            )
            if isinstance(rule, ConclusionRule):
                item, r, w = self._conclusion(rule, origin, common)
                compiled[rid] = item
            elif isinstance(rule, DecisionTable):
                table, r, w = self._table(rule, origin, common)
                compiled[rid] = table
            else:
                score, bands, r, w = self._score(rule, origin, common)
                compiled[rid] = score
                if bands is not None:
                    compiled[bands.id] = bands
                    reads[bands.id] = frozenset((bands.score,))
                    writes[bands.id] = (bands.target,)
            reads[rid], writes[rid] = r, w
        compiled = self._link_exceptions(compiled)
        graph = self._graph(compiled, reads, writes)
        steps = self._order(graph, compiled)
        thresholds = {name: tuple(dict.fromkeys(found)) for name, found in self.thresholds.items()}
        optional = frozenset(n for n, spec in self.m.inputs.items() if spec.optional)
        return CompiledRuleSet(
            merged=self.m,
            steps=steps,
            graph=graph,
            rules=compiled,
            reads=reads,
            thresholds=thresholds,
            optional=optional,
        )

    # -- exceptions -----------------------------------------------------------------------
    def _link_exceptions(
        self, compiled: dict[str, CompiledRule | CompiledTable | CompiledScore | CompiledBands]
    ) -> dict[str, CompiledRule | CompiledTable | CompiledScore | CompiledBands]:
        beaten_by: dict[str, list[str]] = {}
        for rid, item in compiled.items():
            if not isinstance(item, CompiledRule):
                continue
            origin = self.m.origin("rules", rid)
            for j, base_id in enumerate(item.exception_to):
                base = compiled.get(base_id)
                if not isinstance(base, CompiledRule):
                    what = "no rule" if base is None else "not a conclusion rule"
                    raise self.fail(
                        origin, ("exception_to", j), f"exception to {base_id!r}: {what} by that id", rid
                    )
                mine, theirs = {n for n, _ in item.then}, {n for n, _ in base.then}
                if not mine & theirs:
                    raise self.fail(
                        origin,
                        ("exception_to", j),
                        f"exception to {base_id!r} concludes nothing that rule concludes, "
                        "so it overrides nothing",
                        rid,
                    )
                if mine != theirs:
                    raise self.fail(
                        origin,
                        ("exception_to", j),
                        f"an exception concludes exactly what the rule it overrides concludes: {rid!r} "
                        f"concludes {sorted(mine)}, {base_id!r} concludes {sorted(theirs)}",
                        rid,
                    )
                beaten_by.setdefault(base_id, []).append(rid)
        result = dict(compiled)
        for base_id, exceptions in beaten_by.items():
            base = result[base_id]
            assert isinstance(base, CompiledRule)
            result[base_id] = replace(base, exceptions=tuple(exceptions))
        return result

    # -- order ----------------------------------------------------------------------------
    def _graph(
        self,
        compiled: dict[str, CompiledRule | CompiledTable | CompiledScore | CompiledBands],
        reads: dict[str, frozenset[str]],
        writes: dict[str, tuple[str, ...]],
    ) -> nx.DiGraph:
        g: nx.DiGraph = nx.DiGraph()
        order = 0
        for name in self.m.inputs:
            g.add_node(("input", name), order=order)
            order += 1
        for name in self.targets:
            g.add_node(("target", name), order=order)
            order += 1
        for rid in compiled:
            g.add_node(("rule", rid), order=order)
            order += 1
        for rid, item in compiled.items():
            for name in reads.get(rid, ()):
                kind = "input" if name in self.m.inputs else "target"
                g.add_edge((kind, name), ("rule", rid))
            for name in writes.get(rid, ()):
                g.add_edge(("rule", rid), ("target", name))
            if isinstance(item, CompiledRule):
                for exc in item.exceptions:
                    g.add_edge(("rule", exc), ("rule", rid))
        try:
            cycle = nx.find_cycle(g)
        except nx.NetworkXNoCycle:
            return g
        rules = list(dict.fromkeys(node[1] for edge in cycle for node in edge[:2] if node[0] == "rule"))
        first = rules[0].split("#")[0]
        place = self.m.origin("rules", first).place()
        raise CycleError(
            f"these rules depend on their own conclusions: {' -> '.join(rules)}",
            rules=rules,
            file=place["file"],
            line=place["line"],
            column=place["column"],
        )

    def _order(
        self,
        g: nx.DiGraph,
        compiled: dict[str, CompiledRule | CompiledTable | CompiledScore | CompiledBands],
    ) -> tuple[Step, ...]:
        steps: list[Step] = []
        for kind, name in nx.lexicographical_topological_sort(g, key=lambda n: g.nodes[n]["order"]):
            if kind == "rule":
                steps.append(compiled[name])
            elif kind == "target":
                section = "outcomes" if name in self.m.outcomes else "facts"
                steps.append(CompiledTarget(name=name, section=section, spec=self.targets[name]))
        return tuple(steps)
