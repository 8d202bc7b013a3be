"""Benchmark: one bundled rule set on three engines, on fully answered cases, in one interleaved run.

- ``carepath``: ``RuleSet.evaluate(case, trace=False)`` (checking the answers included);
- ``zen-engine``: the rule set translated to a JDM graph of expression nodes (one node per level
  of the dependency order), evaluated by zen-engine (``pip install 'carepath[bench]'``: a
  benchmark-only dependency, not in CI);
- ``closures``: a plain two-valued closure interpreter of the same translation, the floor.

On fully answered cases three-valued logic is two-valued, so the translation needs no unknowns:
a rule applies when its condition holds and none of its exceptions yields; a yes/no or enum
outcome is the value of the rules that apply (else its default), a set the union of what they
add. Outputs are compared case by case before timing (cases where carepath reports a conflict
are left out of the comparison, and counted). The translation covers conclusion rules, COLLECT
tables and the leaf tests palermo uses; anything else is refused with a message.

    python benchmarks/engines.py --ruleset intl/palermo --n 2000 --rounds 5
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

import carepath
from carepath.rules.compiler import CompiledRule, CompiledTable, CompiledTarget
from carepath.rules.nodes import AllNode, AnyNode, CNode, Leaf, NotNode
from carepath.rules.ruleset import RuleSet

DAY = dt.date(2026, 11, 23)
Env = dict[str, Any]


class Unsupported(Exception):
    """A construct this benchmark's translation does not cover."""


def _zen_value(value: Any) -> str:
    return json.dumps(sorted(value, key=str) if isinstance(value, frozenset | set) else value)


def translate(rs: RuleSet) -> tuple[list[dict[str, str]], list[tuple[str, Callable[[Env], Any]]], list[str]]:
    """The rule set as (ZEN expression per variable, closure per variable, outcome names), in
    evaluation order."""
    params = rs.params_on(DAY)
    compiled = rs.compiled
    zen: list[dict[str, str]] = []
    closures: list[tuple[str, Callable[[Env], Any]]] = []
    var = {rid: f"r{i}" for i, rid in enumerate(compiled.rules)}
    yields = {rid: f"y{i}" for i, rid in enumerate(compiled.rules)}
    contributions: dict[str, list[tuple[str, Any]]] = {name: [] for name in compiled.merged.targets}

    def cond(node: CNode | None) -> tuple[str, Callable[[Env], bool]]:
        if node is None:
            return "true", lambda env: True
        if isinstance(node, AllNode | AnyNode):
            parts = [cond(c) for c in node.children()]
            fns = [f for _, f in parts]
            word = " and " if isinstance(node, AllNode) else " or "
            text = "(" + word.join(t for t, _ in parts) + ")"
            if isinstance(node, AllNode):
                return text, lambda env: all(f(env) for f in fns)
            return text, lambda env: any(f(env) for f in fns)
        if isinstance(node, NotNode):
            t, f = cond(node.child)
            return f"not ({t})", lambda env: not f(env)
        if not isinstance(node, Leaf) or node.shape is None:
            raise Unsupported(f"the condition {type(node).__name__}")
        op, name = node.shape.op, node.shape.name
        operand = params[f"@{node.shape.param}"] if node.shape.param else node.shape.operand
        if op == "value":
            return f"{name} == true", lambda env: env[name] is True
        if op == "meets":
            wanted = frozenset(operand)
            return f"some({name}, # in {_zen_value(wanted)})", lambda env: not wanted.isdisjoint(env[name])
        if op == "has":
            return f"contains({name}, {json.dumps(operand)})", lambda env: operand in env[name]
        if op == "in":
            allowed = frozenset(operand)
            return f"{name} in {_zen_value(allowed)}", lambda env: env[name] in allowed
        compare: dict[str, Callable[[Any, Any], bool]] = {
            "<": lambda a, b: a < b,
            "<=": lambda a, b: a <= b,
            ">": lambda a, b: a > b,
            ">=": lambda a, b: a >= b,
            "==": lambda a, b: a == b,
            "!=": lambda a, b: a != b,
        }
        if op in compare and isinstance(operand, int | float | str | bool):
            fn = compare[op]
            return f"{name} {op} {json.dumps(operand)}", lambda env: fn(env[name], operand)
        raise Unsupported(f"the test {op}")

    for step in compiled.steps:
        if isinstance(step, CompiledRule):
            text, fn = cond(step.cond)
            beaten = [yields[e] for e in step.exceptions]
            wins = f"({text})" + "".join(f" and not {y}" for y in beaten)
            zen.append({"key": var[step.id], "value": wins})
            closures.append(
                (var[step.id], lambda env, fn=fn, b=beaten: fn(env) and not any(env[y] for y in b))
            )
            own = [var[step.id], *(yields[e] for e in step.exceptions)]
            zen.append({"key": yields[step.id], "value": " or ".join(own)})
            closures.append((yields[step.id], lambda env, own=own: any(env[v] for v in own)))
            for name, value in step.then:
                contributions[name].append((var[step.id], value))
        elif isinstance(step, CompiledTable):
            if step.hit_policy != "COLLECT" or step.aggregate is not None:
                raise Unsupported(f"a {step.hit_policy} table")
            for k, row in enumerate(step.rows):
                text, fn = cond(row.cond)
                key = f"{var[step.id]}_{k}"
                zen.append({"key": key, "value": text})
                closures.append((key, lambda env, fn=fn: fn(env)))
                contributions[step.output].append((key, row.output))
        elif isinstance(step, CompiledTarget):
            zen_text, fn = _settle(step, contributions[step.name])
            zen.append({"key": step.name, "value": zen_text})
            closures.append((step.name, fn))
        else:
            raise Unsupported(type(step).__name__)
    return zen, closures, list(compiled.merged.outcomes)


def _settle(step: CompiledTarget, items: list[tuple[str, Any]]) -> tuple[str, Callable[[Env], Any]]:
    kind, default = step.spec.type, step.spec.default
    if kind == "set":
        parts = [f"({v} ? {_zen_value(value)} : [])" for v, value in items]
        text = f"flatten([{', '.join(parts)}])" if parts else "[]"
        return text, lambda env: frozenset().union(*(value for v, value in items if env[v]))
    if kind in ("bool", "enum"):
        text = json.dumps(default)
        for v, value in reversed(items):
            text = f"({v} ? {json.dumps(value)} : {text})"
        return text, lambda env: next((value for v, value in items if env[v]), default)
    raise Unsupported(f"a {kind} outcome")


def _levels(zen: list[dict[str, str]]) -> list[list[dict[str, str]]]:
    """Expressions in levels: each reads only variables of earlier levels (one node a level)."""
    level: dict[str, int] = {}
    for item in zen:
        words = set(item["value"].replace("(", " ").replace(")", " ").replace(",", " ").split())
        level[item["key"]] = 1 + max((level[w] for w in words if w in level), default=0)
    found: dict[int, list[dict[str, str]]] = {}
    for item in zen:
        found.setdefault(level[item["key"]], []).append(item)
    return [found[k] for k in sorted(found)]


def jdm(zen: list[dict[str, str]]) -> str:
    """The JDM graph: input, one expression node per level (passing its input through), output."""
    at = {"x": 0, "y": 0}
    nodes: list[dict[str, Any]] = [{"id": "in", "type": "inputNode", "name": "in", "position": at}]
    for i, exprs in enumerate(_levels(zen)):
        content = {
            "expressions": [{"id": f"e{i}_{k}", **e} for k, e in enumerate(exprs)],
            "passThrough": True,
            "inputField": None,
            "outputPath": None,
            "executionMode": "single",
        }
        nodes.append(
            {"id": f"n{i}", "type": "expressionNode", "name": f"n{i}", "position": at, "content": content}
        )
    nodes.append({"id": "out", "type": "outputNode", "name": "out", "position": at})
    edges = [
        {"id": f"edge{i}", "sourceId": a["id"], "targetId": b["id"], "type": "edge"}
        for i, (a, b) in enumerate(itertools.pairwise(nodes))
    ]
    return json.dumps({"nodes": nodes, "edges": edges})


def full_cases(rs: RuleSet, n: int, seed: int) -> list[dict[str, Any]]:
    """Fully answered cases: every input given a value of its type."""
    rng = random.Random(seed)
    found = []
    for _ in range(n):
        case: dict[str, Any] = {}
        for name, spec in rs.inputs.items():
            if spec.type == "bool":
                case[name] = rng.random() < 0.5
            elif spec.type == "int":
                case[name] = rng.randint(int(spec.min or 0), int(spec.max or 100))
            elif spec.type == "set":
                case[name] = [c for c in spec.choice_values if rng.random() < 0.3]
            elif spec.type == "enum":
                case[name] = rng.choice(spec.choice_values)
            else:
                raise Unsupported(f"a {spec.type} input")
        found.append(case)
    return found


def _plain(value: Any) -> Any:
    return sorted(value) if isinstance(value, list | frozenset | set) else value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ruleset", default="intl/palermo")
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    import zen

    rs = carepath.load(args.ruleset)
    exprs, closures, outcomes = translate(rs)
    decision = zen.ZenEngine().create_decision(jdm(exprs))
    cases = full_cases(rs, args.n, args.seed)

    def by_closures(case: dict[str, Any]) -> Env:
        env: Env = {k: (frozenset(v) if isinstance(v, list) else v) for k, v in case.items()}
        for key, fn in closures:
            env[key] = fn(env)
        return env

    compared = conflicts = 0
    for case in cases:  # the same outputs, case by case, before any timing
        ours = rs.evaluate(case, DAY, trace=False)
        if not ours.determined:
            conflicts += 1
            continue
        theirs = decision.evaluate(case)["result"]
        floor = by_closures(case)
        for name in outcomes:
            want = _plain(ours[name].value)
            assert _plain(theirs[name]) == want, (name, case)
            assert _plain(floor[name]) == want, (name, case)
        compared += 1
    engines: dict[str, Callable[[dict[str, Any]], Any]] = {
        "carepath": lambda case: rs.evaluate(case, DAY, trace=False),
        "zen-engine": decision.evaluate,
        "closures": by_closures,
    }
    times: dict[str, list[float]] = {name: [] for name in engines}
    for _ in range(args.rounds):  # interleaved
        for name, run in engines.items():
            start = time.perf_counter()
            for case in cases:
                run(case)
            times[name].append((time.perf_counter() - start) / len(cases) * 1e6)
    floor = statistics.median(times["closures"])
    print(f"{args.ruleset}: {len(cases)} fully answered cases, {compared} compared and equal", end="")
    print(
        f" ({conflicts} with a conflict left out), {len(_levels(exprs))} JDM nodes; medians of {args.rounds}"
    )
    for name, values in times.items():
        med = statistics.median(values)
        print(f"  {name:<11} {med:8.1f} µs/case  {med / floor:5.2f}x the closures")
    ratio = statistics.median(times["zen-engine"]) / statistics.median(times["carepath"])
    print(f"  carepath is {ratio:.2f}x faster than zen-engine")


if __name__ == "__main__":
    main()
