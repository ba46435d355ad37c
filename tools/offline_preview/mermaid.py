"""The access picture: a Mermaid graph of who reaches which repository, and what a change does to it.

Principals point at repositories; each edge is labelled with a capability of the access matrix (pull,
push, admin, other). Comparing two matrices (the base's and the head's), an added edge is drawn thick and
green with a `+`, a removed one dotted and red with a `-`, an unchanged one thin and grey. GitHub renders
a ```mermaid block in comments and job summaries. A graph with more than `max_edges` edges keeps the
changed edges only (and says how many unchanged ones it leaves out), since a picture of a thousand
repositories is read by nobody.
"""

from __future__ import annotations

from collections.abc import Mapping

from .access_rows import COLUMNS, Matrix

MAX_EDGES = 120
ADDED, REMOVED, KEPT = "added", "removed", "kept"
_STYLE = {
    ADDED: "stroke:#1a7f37,stroke-width:3px",
    REMOVED: "stroke:#cf222e,stroke-width:2px,stroke-dasharray:4 3",
    KEPT: "stroke:#8c959f,stroke-width:1px",
}
_ARROW = {ADDED: "==>", REMOVED: "-.->", KEPT: "-->"}
_MARK = {ADDED: "+ ", REMOVED: "- ", KEPT: ""}

Edge = tuple[str, str, str]  # (principal, repository, capability)


def edges(matrix: Matrix) -> set[Edge]:
    """Every (principal, repository, capability) the matrix grants (a capability a Deny removes is not)."""
    found = set()
    for repository, rows in matrix.items():
        for principal, capabilities in rows.items():
            for capability, reasons in capabilities.items():
                if capability in COLUMNS and reasons and not all(r.startswith("DENIED") for r in reasons):
                    found.add((principal, repository, capability))
    return found


def compare(base: Matrix, head: Matrix) -> dict[Edge, str]:
    before, after = edges(base), edges(head)
    return {e: ADDED if e not in before else REMOVED if e not in after else KEPT for e in before | after}


def _label(text: str) -> str:
    """Mermaid label text: quotes and markup characters as entities, so a principal is never syntax."""
    escaped = "".join(f"#{ord(c)};" if c in '"#<>{}[]|`' else c for c in text)
    return escaped if len(escaped) <= 120 else escaped[:117] + "..."


def graph(states: Mapping[Edge, str], max_edges: int = MAX_EDGES) -> str:
    """A Markdown ```mermaid block (flowchart, principals left, repositories right), plus a legend line."""
    shown = dict(states)
    left_out = 0
    if len(shown) > max_edges:
        shown = {e: s for e, s in states.items() if s != KEPT}
        left_out = len(states) - len(shown)
    if len(shown) > max_edges:
        left_out += len(shown) - max_edges
        shown = dict(sorted(shown.items())[:max_edges])
    principals = sorted({p for p, _, _ in shown})
    repositories = sorted({r for _, r, _ in shown})
    ids = {("p", p): f"p{i}" for i, p in enumerate(principals)} | {
        ("r", r): f"r{i}" for i, r in enumerate(repositories)
    }
    lines = ["```mermaid", "flowchart LR"]
    lines += [f'  {ids["p", p]}["{_label(p)}"]' for p in principals]
    lines += [f'  {ids["r", r]}[("{_label(r)}")]' for r in repositories]
    styles = []
    for index, ((principal, repository, capability), state) in enumerate(sorted(shown.items())):
        arrow, mark = _ARROW[state], _MARK[state]
        lines.append(f'  {ids["p", principal]} {arrow}|"{mark}{capability}"| {ids["r", repository]}')
        styles.append(f"  linkStyle {index} {_STYLE[state]}")
    if not shown:
        lines.append('  none["no principal reaches any repository"]')
    lines += styles
    lines.append("```")
    counts = {state: sum(1 for s in states.values() if s == state) for state in (ADDED, REMOVED, KEPT)}
    legend = (
        f"{counts[ADDED]} edge(s) added (thick, +), {counts[REMOVED]} removed (dotted, -), "
        f"{counts[KEPT]} unchanged (thin)"
    )
    if left_out:
        legend += f"; {left_out} unchanged or surplus edge(s) left out of the picture (the diff lists every change)"
    return "\n".join(["#### Who reaches what", *lines, legend, ""])
