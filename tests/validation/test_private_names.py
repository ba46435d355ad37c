"""A module's private names (one leading underscore) are its own: no other module of the project, and no test,
imports them or reads them off the module. What a sibling or a test needs is the module's interface, named
without the underscore. (Another package's private names are read only in the sdk_internals.py modules; what such
a module puts in place of an SDK's private method keeps the SDK's name, and its tests pin it by that name.)"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ("aws-facts", "shared", "policy-pack", "tools", "stacks", "bench", "tests")
# The project's top-level packages: an absolute import of one of these is the project's own.
PACKAGES = {
    "aws_facts",
    "model_registry",
    "registry_policies",
    "offline_preview",
    "deployer_policies",
    "local_emulator",
    "audit",
    "gate",
    "pack_bundle",
    "bootstrap",
}


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _uses_of_private_names(source: str) -> list[str]:
    """`line: what` for each private name taken from another module of the project."""
    tree = ast.parse(source)
    modules: set[str] = set()  # local names bound to the project's modules
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.level > 0 or (node.module or "").split(".")[0] in PACKAGES):
            for alias in node.names:
                if _private(alias.name):
                    found.append(f"{node.lineno}: from {'.' * node.level}{node.module or ''} import {alias.name}")
                else:
                    modules.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            modules |= {a.asname or a.name.split(".")[0] for a in node.names if a.name.split(".")[0] in PACKAGES}
    readable = modules - {"sdk_internals"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr) and getattr(node.value, "id", None) in readable:
            found.append(f"{node.lineno}: {node.value.id}.{node.attr}")
    return found


def test_the_check_sees_a_private_import_and_a_private_attribute():
    source = "from .failures import _display\nfrom offline_preview import proof\nproof._own_context()\n"
    assert _uses_of_private_names(source) == ["1: from .failures import _display", "3: proof._own_context"]
    public = "from .failures import display_path\nfrom pulumi.runtime import _private_sdk\nself._x = 1\n"
    public += "from registry_policies import sdk_internals\nsdk_internals._get_provider_resource\n"
    assert _uses_of_private_names(public) == []


def test_no_module_or_test_takes_another_modules_private_names():
    offenders = []
    for folder in FOLDERS:
        for path in (ROOT / folder).rglob("*.py"):
            if ".venv" in path.parts or "fixtures" in path.parts:
                continue
            offenders += [f"{path.relative_to(ROOT)}:{use}" for use in _uses_of_private_names(path.read_text())]
    assert offenders == []
