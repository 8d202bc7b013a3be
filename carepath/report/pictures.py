"""Pictures: the case path and a rule set's dependency graph, as Mermaid or Graphviz DOT.

With a case, the picture shows the path it took: the stages before the current one (blue), the
current stage (yellow), the moves out of it allowed (green), blocked (red) or pending (dashed);
or, for a rule set, the rules that apply (green), are open (amber, dashed) or do not apply (grey).
Every picture carries its legend. The case path is drawn top-down, to be read on a projector.
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
from carepath.report.vocab import humanise
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
    lines = ["flowchart TB"]
    for node, data in graph.nodes(data=True):
        lines.append(f'  {node}["{_quote(data["label"])}"]')
    lines += _PATH_LEGEND_MERMAID
    styles: list[str] = []
    for index, (a, b, data) in enumerate(graph.edges(data=True)):
        status = states.get(b) if plan is not None and a == plan.stage else None
        arrow = "-.->" if status == "pending" else "-->"
        lines.append(f"  {a} {arrow}|{_quote(humanise(data['allowed_by']))}| {b}")
        if status is not None:  # linkStyle counts links in the order they are declared
            styles.append(f"  linkStyle {index} stroke:{_COLOURS[status]},stroke-width:3px")
    lines += styles
    if plan is not None and plan.stage is not None:
        before = list(stages_before(spec, plan.stage))
        if before:
            lines.append(f"  class {','.join(before)} passed")
        lines.append(f"  class {plan.stage} current")
    return "\n".join(lines) + "\n"


def path_dot(spec: PathSpec, plan: CarePlan | None = None) -> str:
    """The stages and moves as Graphviz DOT; with a plan, the current stage and its moves."""
    graph = path_graph(spec)
    states = {m.to: m.status for m in plan.moves} if plan is not None else {}
    lines = [
        "digraph care_path {",
        "  rankdir=TB; nodesep=0.4; ranksep=0.45;",
        '  node [shape=box, style=rounded, fontsize=16, fontname="Helvetica"];',
        '  edge [fontsize=12, fontname="Helvetica"];',
    ]
    before = set(stages_before(spec, plan.stage)) if plan is not None and plan.stage is not None else set()
    for node, data in graph.nodes(data=True):
        extra = ""
        if plan is not None and node == plan.stage:
            extra = ', style="rounded,filled", fillcolor="#fff59d"'
        elif node in before:
            extra = ', style="rounded,filled", fillcolor="#e3f2fd"'
        lines.append(f'  {node} [label="{_quote(data["label"])}"{extra}];')
    for a, b, data in graph.edges(data=True):
        attrs = [f'label="{_quote(humanise(data["allowed_by"]))}"']
        status = states.get(b) if plan is not None and a == plan.stage else None
        if status is not None:
            attrs += [f'color="{_COLOURS[status]}"', "penwidth=3"]
            if status == "pending":
                attrs.append("style=dashed")
        lines.append(f"  {a} -> {b} [{', '.join(attrs)}];")
    lines += _PATH_LEGEND_DOT
    lines.append("}")
    return "\n".join(lines) + "\n"


_PATH_LEGEND_DOT = [
    "  subgraph cluster_legend {",
    '    label="Legend"; fontsize=14; fontname="Helvetica"; style=rounded; color="#9e9e9e";',
    '    legend_before [label="stage before", style="rounded,filled", fillcolor="#e3f2fd"];',
    '    legend_current [label="current stage", style="rounded,filled", fillcolor="#fff59d"];',
    '    legend_next [label="next stage"];',
    '    legend_current -> legend_next [label="allowed", color="#2e7d32", penwidth=3];',
    '    legend_current -> legend_next [label="blocked", color="#c62828", penwidth=3];',
    '    legend_current -> legend_next [label="pending", color="#9e9e9e", penwidth=3, style=dashed];',
    "  }",
]

_PATH_LEGEND_MERMAID = [
    "  subgraph legend[Legend]",
    '    legend_before["stage before"]:::passed',
    '    legend_current["current stage"]:::current',
    '    legend_allowed["allowed move: green"]',
    '    legend_blocked["blocked move: red"]',
    '    legend_pending["pending move: dashed"]',
    "  end",
    "  classDef passed fill:#e3f2fd,stroke:#1565c0",
    "  classDef current fill:#fff59d,stroke:#f57f17,stroke-width:3px",
]

_RULE_STYLES = {  # how a rule looks for each status: open rules differ from those that do not apply
    "fired": ("#c8e6c9", "#2e7d32", "solid", "applies"),
    "unknown": ("#fff3c4", "#8a5a00", "dashed", "is open: waiting on answers"),
    "not_fired": ("#eeeeee", "#9e9e9e", "solid", "does not apply"),
}


def _ruleset_graph(ruleset: RuleSet) -> nx.DiGraph:
    graph: nx.DiGraph = ruleset.compiled.graph
    return graph


def ruleset_mermaid(ruleset: RuleSet, evaluation: Evaluation | None = None) -> str:
    """A rule set's dependency graph (inputs -> rules -> facts and outcomes) as Mermaid, with a
    legend; with an evaluation that has a trace, each rule looks as its status: applies (green),
    open (amber, dashed), does not apply (grey)."""
    graph = _ruleset_graph(ruleset)
    status = _statuses(evaluation)
    ids = {node: f"n{i}" for i, node in enumerate(graph.nodes)}
    lines = ["flowchart LR"]
    for node in graph.nodes:
        kind, name = node
        shape = {"input": ('(["', '"])'), "rule": ('["', '"]')}.get(kind, ('[["', '"]]'))
        lines.append(f"  {ids[node]}{shape[0]}{_quote(name)}{shape[1]}")
    for a, b in graph.edges:
        lines.append(f"  {ids[a]} --> {ids[b]}")
    lines += [
        "  subgraph legend[Legend]",
        '    legend_input(["input: a question"])',
        '    legend_rule["rule"]',
        '    legend_target[["fact or outcome"]]',
    ]
    if status:
        lines += [
            f'    legend_{key}["rule that {words}"]:::{key}' for key, (*_, words) in _RULE_STYLES.items()
        ]
    lines.append("  end")
    for key, (fill, stroke, dash, _words) in _RULE_STYLES.items():
        extra = ",stroke-dasharray:5 4" if dash == "dashed" else ""
        lines.append(f"  classDef {key} fill:{fill},stroke:{stroke},stroke-width:2px{extra}")
        hits = [ids[n] for n in graph.nodes if n[0] == "rule" and status.get(n[1]) == key]
        if hits:
            lines.append(f"  class {','.join(hits)} {key}")
    return "\n".join(lines) + "\n"


def ruleset_dot(ruleset: RuleSet, evaluation: Evaluation | None = None) -> str:
    """A rule set's dependency graph as Graphviz DOT with a legend; each rule looks as its status."""
    graph = _ruleset_graph(ruleset)
    status = _statuses(evaluation)
    lines = [f'digraph "{_quote(ruleset.id)}" {{', "  rankdir=LR;"]
    for node in graph.nodes:
        kind, name = node
        shape = {"input": "ellipse", "rule": "box"}.get(kind, "doubleoctagon")
        look = _rule_look(status.get(name) if kind == "rule" else None)
        lines.append(f'  "{kind}:{_quote(name)}" [label="{_quote(name)}", shape={shape}{look}];')
    for a, b in graph.edges:
        lines.append(f'  "{a[0]}:{_quote(a[1])}" -> "{b[0]}:{_quote(b[1])}";')
    lines += [
        "  subgraph cluster_legend {",
        '    label="Legend"; style=rounded; color="#9e9e9e";',
        '    legend_input [label="input: a question", shape=ellipse];',
        '    legend_rule [label="rule", shape=box];',
        '    legend_target [label="fact or outcome", shape=doubleoctagon];',
    ]
    if status:
        for key, (*_, words) in _RULE_STYLES.items():
            lines.append(f'    legend_{key} [label="rule that {words}", shape=box{_rule_look(key)}];')
    lines += ["  }", "}"]
    return "\n".join(lines) + "\n"


def _rule_look(status: str | None) -> str:
    if status not in _RULE_STYLES:
        return ""
    fill, stroke, dash, _words = _RULE_STYLES[status]
    style = "filled,dashed" if dash == "dashed" else "filled"
    return f', style="{style}", fillcolor="{fill}", color="{stroke}"'


def svg(dot: str) -> str:
    """Render DOT to SVG with Graphviz's ``dot``; a clear error when it is not installed."""
    binary = shutil.which("dot")
    if binary is None:
        raise CarepathError("Graphviz is not installed (no `dot` on PATH): use --format dot or mermaid")
    done = subprocess.run([binary, "-Tsvg"], input=dot, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise CarepathError(f"dot failed: {done.stderr.strip()[:200]}")
    return done.stdout


def _statuses(evaluation: Evaluation | None) -> dict[str, str]:
    """Each rule's status in the trace: fired, unknown (open) or not_fired (the rest)."""
    if evaluation is None or evaluation.trace is None:
        return {}
    return {
        s.rule_id: s.status if s.status in ("fired", "unknown") else "not_fired"
        for s in evaluation.trace.rules
    }
