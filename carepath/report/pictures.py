"""Pictures: the case path and a rule set's dependency graph, as Mermaid or Graphviz DOT.

With a case, the picture shows the path it took: the stages before the current one (blue), the
current stage (yellow), the moves out of it allowed (green), blocked (red) or pending (dashed);
or, for a rule set, the rules that fired.
Text only: render Mermaid in Markdown viewers, DOT with Graphviz (``dot -Tsvg``) where it is
installed (:func:`svg`).
"""

from __future__ import annotations

import shutil
import subprocess

import networkx as nx

from carepath.assessments.model import PathSpec
from carepath.errors import CarepathError
from carepath.plans.path import CarePlan, path_graph, stages_before
from carepath.rules.result import Evaluation
from carepath.rules.ruleset import RuleSet

__all__ = ["path_dot", "path_mermaid", "ruleset_dot", "ruleset_mermaid", "svg"]

_COLOURS = {"allowed": "#2e7d32", "blocked": "#c62828", "pending": "#9e9e9e"}


def _quote(text: str) -> str:
    return text.replace('"', "'")


def path_mermaid(spec: PathSpec, plan: CarePlan | None = None) -> str:
    """The stages and moves as a Mermaid flowchart; with a plan, the current stage and its moves."""
    graph = path_graph(spec)
    states = {m.to: m.status for m in plan.moves} if plan is not None else {}
    lines = ["flowchart LR"]
    for node, data in graph.nodes(data=True):
        lines.append(f'  {node}["{_quote(data["label"])}"]')
    styles: list[str] = []
    for index, (a, b, data) in enumerate(graph.edges(data=True)):
        status = states.get(b) if plan is not None and a == plan.stage else None
        arrow = "-.->" if status == "pending" else "-->"
        lines.append(f"  {a} {arrow}|{data['allowed_by']}| {b}")
        if status is not None:  # linkStyle counts links in the order they are declared
            styles.append(f"  linkStyle {index} stroke:{_COLOURS[status]},stroke-width:3px")
    lines += styles
    if plan is not None and plan.stage is not None:
        before = list(stages_before(spec, plan.stage))
        if before:
            lines.append("  classDef passed fill:#e3f2fd,stroke:#1565c0")
            lines.append(f"  class {','.join(before)} passed")
        lines.append("  classDef current fill:#fff59d,stroke:#f57f17,stroke-width:3px")
        lines.append(f"  class {plan.stage} current")
    return "\n".join(lines) + "\n"


def path_dot(spec: PathSpec, plan: CarePlan | None = None) -> str:
    """The stages and moves as Graphviz DOT; with a plan, the current stage and its moves."""
    graph = path_graph(spec)
    states = {m.to: m.status for m in plan.moves} if plan is not None else {}
    lines = ["digraph care_path {", "  rankdir=LR;", "  node [shape=box, style=rounded];"]
    before = set(stages_before(spec, plan.stage)) if plan is not None and plan.stage is not None else set()
    for node, data in graph.nodes(data=True):
        extra = ""
        if plan is not None and node == plan.stage:
            extra = ', style="rounded,filled", fillcolor="#fff59d"'
        elif node in before:
            extra = ', style="rounded,filled", fillcolor="#e3f2fd"'
        lines.append(f'  {node} [label="{_quote(data["label"])}"{extra}];')
    for a, b, data in graph.edges(data=True):
        attrs = [f'label="{data["allowed_by"]}"']
        status = states.get(b) if plan is not None and a == plan.stage else None
        if status is not None:
            attrs += [f'color="{_COLOURS[status]}"', "penwidth=3"]
            if status == "pending":
                attrs.append("style=dashed")
        lines.append(f"  {a} -> {b} [{', '.join(attrs)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _ruleset_graph(ruleset: RuleSet) -> nx.DiGraph:
    graph: nx.DiGraph = ruleset.compiled.graph
    return graph


def ruleset_mermaid(ruleset: RuleSet, evaluation: Evaluation | None = None) -> str:
    """A rule set's dependency graph (inputs -> rules -> facts and outcomes) as Mermaid; with an
    evaluation that has a trace, the rules that fired are highlighted."""
    graph = _ruleset_graph(ruleset)
    fired = _fired(evaluation)
    ids = {node: f"n{i}" for i, node in enumerate(graph.nodes)}
    lines = ["flowchart LR"]
    for node in graph.nodes:
        kind, name = node
        shape = {"input": ('(["', '"])'), "rule": ('["', '"]')}.get(kind, ('[["', '"]]'))
        lines.append(f"  {ids[node]}{shape[0]}{_quote(name)}{shape[1]}")
    for a, b in graph.edges:
        lines.append(f"  {ids[a]} --> {ids[b]}")
    hits = [ids[n] for n in graph.nodes if n[0] == "rule" and n[1] in fired]
    if hits:
        lines.append("  classDef fired fill:#c8e6c9,stroke:#2e7d32,stroke-width:2px")
        lines.append(f"  class {','.join(hits)} fired")
    return "\n".join(lines) + "\n"


def ruleset_dot(ruleset: RuleSet, evaluation: Evaluation | None = None) -> str:
    """A rule set's dependency graph as Graphviz DOT, fired rules highlighted."""
    graph = _ruleset_graph(ruleset)
    fired = _fired(evaluation)
    lines = [f'digraph "{_quote(ruleset.id)}" {{', "  rankdir=LR;"]
    for node in graph.nodes:
        kind, name = node
        shape = {"input": "ellipse", "rule": "box"}.get(kind, "doubleoctagon")
        fill = ', style=filled, fillcolor="#c8e6c9"' if kind == "rule" and name in fired else ""
        lines.append(f'  "{kind}:{_quote(name)}" [label="{_quote(name)}", shape={shape}{fill}];')
    for a, b in graph.edges:
        lines.append(f'  "{a[0]}:{_quote(a[1])}" -> "{b[0]}:{_quote(b[1])}";')
    lines.append("}")
    return "\n".join(lines) + "\n"


def svg(dot: str) -> str:
    """Render DOT to SVG with Graphviz's ``dot``; a clear error when it is not installed."""
    binary = shutil.which("dot")
    if binary is None:
        raise CarepathError("Graphviz is not installed (no `dot` on PATH): use --format dot or mermaid")
    done = subprocess.run([binary, "-Tsvg"], input=dot, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise CarepathError(f"dot failed: {done.stderr.strip()[:200]}")
    return done.stdout


def _fired(evaluation: Evaluation | None) -> set[str]:
    if evaluation is None or evaluation.trace is None:
        return set()
    return {s.rule_id for s in evaluation.trace.rules if s.status == "fired"}
