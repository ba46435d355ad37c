"""The policy pack as `pulumi policy publish` uploads it: one folder that installs on its own.

In this repository the pack depends on the leaf package `aws-facts` (AWS knowledge) by a path beside it,
`../aws-facts`. Publishing uploads the pack's folder only, so `bundle()` writes a copy of the pack with the
leaf package inside it and the path source pointing there. `make pack-bundle` writes build/policy-pack/.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACK = ROOT / "policy-pack"
LEAF = ROOT / "aws-facts"
IGNORED = shutil.ignore_patterns(".venv", "__pycache__", "*.egg-info", "build", "*.pyc")
# The one line of the pack's pyproject.toml that names the leaf package's folder.
LEAF_SOURCE = re.compile(r'^aws-facts = \{ path = "\.\./aws-facts", editable = true \}$', re.MULTILINE)


class BundleError(Exception):
    """The pack's pyproject.toml no longer names the leaf package as this tool expects."""


def bundle(out: Path) -> Path:
    """Write the publishable pack to `out` (replacing it) and return it."""
    pyproject = (PACK / "pyproject.toml").read_text()
    if len(LEAF_SOURCE.findall(pyproject)) != 1:
        raise BundleError(
            f"{PACK / 'pyproject.toml'}: expected one line 'aws-facts = {{ path = \"../aws-facts\", editable = true }}' "
            "under [tool.uv.sources]; fix the line or this tool"
        )
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(PACK, out, ignore=IGNORED)
    shutil.copytree(LEAF, out / "aws-facts", ignore=IGNORED)
    (out / "pyproject.toml").write_text(LEAF_SOURCE.sub('aws-facts = { path = "aws-facts" }', pyproject))
    return out
