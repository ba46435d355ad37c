"""The access matrix as one self-contained, searchable HTML page: `build/preview/<env>/access-matrix.html`.

One table row per (repository or other resource, principal): ✔ granted, ◐ partly, ✘ denied, · not granted
for pull, push, admin and other, with the reasons on hover. A search box filters the rows as you type
(any word of the resource, the principal or the reasons); the page loads nothing from anywhere (inline CSS
and script, no fonts, no network), so it can be attached to a run or opened from disk. Every text is
HTML-escaped: a principal or a reason is never markup.
"""

from __future__ import annotations

import html
from pathlib import Path

from .access_format import capability_marks
from .access_rows import COLUMNS, Matrix

PAGE_NAME = "access-matrix.html"
_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem;color:#1f2328}
h1{font-size:1.3rem}input{font:inherit;padding:.3rem .5rem;width:min(40rem,100%)}
table{border-collapse:collapse;margin-top:1rem}th,td{border-bottom:1px solid #d0d7de;padding:.25rem .6rem;text-align:left}
td.mark{text-align:center;font-size:1.1rem}tr.hidden{display:none}th{position:sticky;top:0;background:#f6f8fa}
""".strip()
_SCRIPT = """
const box = document.getElementById("search");
const rows = Array.from(document.querySelectorAll("tbody tr"));
const count = document.getElementById("count");
function filter() {
  const words = box.value.toLowerCase().split(/\\s+/).filter(Boolean);
  let shown = 0;
  for (const row of rows) {
    const text = row.dataset.text;
    const hit = words.every((w) => text.includes(w));
    row.classList.toggle("hidden", !hit);
    if (hit) shown += 1;
  }
  count.textContent = shown + " of " + rows.length + " rows";
}
box.addEventListener("input", filter);
filter();
""".strip()


def matrix_html(matrix: Matrix, env: str) -> str:
    """The page for one environment's matrix."""
    body = []
    for resource in sorted(matrix, key=lambda name: (name.startswith("("), name)):
        for principal, capabilities in sorted(matrix[resource].items()):
            marks = capability_marks(capabilities)
            cells = []
            for column, mark in zip(COLUMNS, marks, strict=True):
                why = "; ".join(capabilities.get(column) or [])
                cells.append(f'<td class="mark" title="{html.escape(why)}">{mark}</td>')
            reasons = " ".join(w for c in COLUMNS for w in capabilities.get(c) or [])
            text = html.escape(f"{resource} {principal} {reasons}".lower())
            body.append(
                f'<tr data-text="{text}"><td>{html.escape(resource)}</td>{"".join(cells)}'
                f"<td>{html.escape(principal)}</td></tr>"
            )
    heading = "".join(f"<th>{c}</th>" for c in COLUMNS)
    title = f"Access matrix ({html.escape(env)})"
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{title}</title>",
            f"<style>{_STYLE}</style>",
            "</head>",
            "<body>",
            f"<h1>{title}</h1>",
            "<p>Who can pull, push, administer or otherwise act on each repository, replica template, registry "
            "policy and KMS key: ✔ granted, ◐ partly, ✘ denied, · not granted (hover a mark for why).</p>",
            '<label for="search">Search </label><input id="search" type="search" '
            'placeholder="a repository, a principal, an account, a reason" autofocus> <span id="count"></span>',
            f"<table><thead><tr><th>resource</th>{heading}<th>principal</th></tr></thead>",
            "<tbody>",
            *body,
            "</tbody></table>",
            f"<script>{_SCRIPT}</script>",
            "</body>",
            "</html>",
            "",
        ]
    )


def write_matrix_html(matrix: Matrix, env: str, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / PAGE_NAME
    path.write_text(matrix_html(matrix, env), encoding="utf-8")
    return path
