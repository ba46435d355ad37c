"""Environment discovery: which environments the repository defines, and the environment of a stack name.

An environment exists when every stack has a `Pulumi.<env>.yaml` and the policy pack has a
`policy-pack/config/<env>.json`: environments are data, adding those files adds one. The stack programs
call `environment(pulumi.get_stack())` before reading their config; the offline preview lists
`environments(repo_root)`.
"""

from __future__ import annotations

from pathlib import Path

from .errors import ConfigError

STACKS_DIR, PACK_CONFIG_DIR = "stacks", "policy-pack/config"
# Where this library sits in the repository (an editable install): <repo>/shared/model_registry.
LIBRARY_REPOSITORY = Path(__file__).resolve().parents[2]


def environments(repo_root: Path) -> list[str]:
    """The environments the repository defines: those with a Pulumi.<env>.yaml in every stack and a
    policy-pack/config/<env>.json. Environments are data: adding those files adds an environment."""
    stacks = [d for d in sorted((repo_root / STACKS_DIR).glob("*")) if (d / "Pulumi.yaml").is_file()]
    packs = {p.stem for p in (repo_root / PACK_CONFIG_DIR).glob("*.json")}
    if not stacks or not packs:
        return []
    found = set.intersection(
        *({p.name[len("Pulumi.") : -len(".yaml")] for p in d.glob("Pulumi.*.yaml")} for d in stacks)
    )
    return sorted(found & packs)


def _is_repository(path: Path) -> bool:
    return (path / STACKS_DIR).is_dir() and (path / PACK_CONFIG_DIR).is_dir()


def _repository_of(directory: Path) -> Path | None:
    """The repository a stack program runs in (its working directory is the project directory)."""
    return next((p for p in (directory, *directory.parents) if _is_repository(p)), None)


def environment(stack_name: str, repo_root: Path | None = None) -> str:
    """The environment of a stack name (the stack name is the environment), or a ConfigError naming the
    known ones. Checked against the repository this library belongs to when it sits in one."""
    root = repo_root or _repository_of(Path.cwd()) or LIBRARY_REPOSITORY
    if _is_repository(root):
        known = environments(root)
        if stack_name not in known:
            raise ConfigError(
                f"unknown environment {stack_name!r}: the stack name must be one of {', '.join(known)} "
                f"(an environment exists when every stacks/*/Pulumi.<env>.yaml and {PACK_CONFIG_DIR}/<env>.json exist)"
            )
    elif not Path(f"Pulumi.{stack_name}.yaml").is_file():
        raise ConfigError(f"unknown environment {stack_name!r}: no Pulumi.{stack_name}.yaml in {Path.cwd()}")
    return stack_name
