"""The access matrix as text: a block per distinct access pattern, ✔ ◐ ✘ · per capability and principal."""

from __future__ import annotations

from .access_rows import COLUMNS, Matrix


def format_matrix(matrix: Matrix, names_shown: int = 3) -> str:
    """A block per distinct access pattern: the repositories that share it, then `pull push admin other
    principal` with ✔ granted, ◐ partly granted, ✘ denied, · not granted. A thousand models with the same
    consumers make one block."""
    groups: dict[tuple, list[str]] = {}
    for repository in sorted(matrix, key=lambda name: (name.startswith("("), name)):  # repositories first
        rows = tuple(sorted((p, capability_marks(c)) for p, c in matrix[repository].items()))
        groups.setdefault(rows, []).append(repository)
    lines: list[str] = []
    for rows, repositories in groups.items():
        shown = ", ".join(repositories[:names_shown])
        more = f" and {len(repositories) - names_shown} more" if len(repositories) > names_shown else ""
        lines.append(f"  {shown}{more}")
        lines.append("    pull push admin other  principal")
        if not rows:
            lines.append("    (no principal outside the account's administrators)")
        for principal, marks in rows:
            lines.append(f"     {marks[0]}    {marks[1]}    {marks[2]}    {marks[3]}    {principal}")
    return "\n".join(lines)


def capability_marks(capabilities: dict[str, list[str]]) -> tuple[str, ...]:
    marks = []
    for capability in COLUMNS:
        reasons = capabilities.get(capability) or []
        if not reasons:
            marks.append("·")
        elif all(r.startswith("DENIED") for r in reasons):
            marks.append("✘")
        elif capability != "other" and all("(only " in r for r in reasons if not r.startswith("DENIED")):
            marks.append("◐")
        else:
            marks.append("✔")
    return tuple(marks)
