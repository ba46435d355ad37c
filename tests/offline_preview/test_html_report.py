"""The access matrix as a self-contained, searchable HTML page in build/preview/<env>/, checked with
html5lib's strict WHATWG parser (no headless browser is installed by the project)."""

from __future__ import annotations

import re

import html5lib
import pytest
from offline_preview.cli import main
from offline_preview.html_report import PAGE_NAME, matrix_html

MATRIX = {
    "models/a": {
        "arn:aws:iam::111111111111:role/ci": {"pull": ["repository policy Pull"], "push": ["repository policy Push"]},
        "* if aws:PrincipalOrgID=o-a1b2c3d4e5": {"pull": ["repository policy Org"]},
    },
    "(KMS key) k": {"arn:aws:iam::111111111111:root": {"admin": ["key policy Admin (only kms:PutKeyPolicy)"]}},
}


def _strict(page: str):
    return html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(page)


def test_the_page_is_well_formed_html_with_one_row_per_resource_and_principal():
    document = _strict(matrix_html(MATRIX, "dev"))
    rows = document.findall(".//tbody/tr")
    cells = [[td.text for td in row.findall("td")] for row in rows]
    assert cells == [
        ["models/a", "✔", "·", "·", "·", "* if aws:PrincipalOrgID=o-a1b2c3d4e5"],
        ["models/a", "✔", "✔", "·", "·", "arn:aws:iam::111111111111:role/ci"],
        ["(KMS key) k", "·", "·", "◐", "·", "arn:aws:iam::111111111111:root"],
    ]
    assert document.find(".//title").text == "Access matrix (dev)"


def test_the_page_is_searchable_and_loads_nothing_from_anywhere():
    page = matrix_html(MATRIX, "dev")
    document = _strict(page)
    assert document.find(".//input[@id='search']") is not None
    (script,) = document.findall(".//script")
    assert script.get("src") is None and 'addEventListener("input"' in script.text
    assert not re.search(r"(src|href)=", page) and "http" not in page
    texts = [row.get("data-text") for row in document.findall(".//tbody/tr")]
    assert texts[1] == "models/a arn:aws:iam::111111111111:role/ci repository policy pull repository policy push"


def test_a_principal_is_never_markup():
    evil = {"models/a": {'<script>alert("x")</script>': {"pull": ['"><img onerror=1>']}}}
    document = _strict(matrix_html(evil, "dev"))
    assert len(document.findall(".//script")) == 1 and document.find(".//img") is None
    (row,) = document.findall(".//tbody/tr")
    assert row.findall("td")[-1].text == '<script>alert("x")</script>'


@pytest.mark.parametrize("env", ["local"])
def test_a_preview_writes_the_page_beside_its_manifests(tmp_path, env, capsys):
    assert main(["--env", env, "--no-checkov", "--no-policy", "--quiet", "--build-dir", str(tmp_path)]) == 0
    capsys.readouterr()
    page = (tmp_path / "preview" / env / PAGE_NAME).read_text()
    document = _strict(page)
    resources = {row.findall("td")[0].text for row in document.findall(".//tbody/tr")}
    assert "models/llama-3-8b-instruct" in resources and any(r.startswith("(KMS key) ") for r in resources)


def test_the_strict_parser_refuses_a_page_with_a_parse_error_so_its_silence_means_something():
    with pytest.raises(html5lib.html5parser.ParseError):
        _strict("<!DOCTYPE html><title>x</title><p>a</b>")
