"""Stack names of the two layouts, and which stack file configures each (no imports: engine_config.py uses it too).

- whole layout (one stack per project and environment): the stack name is the environment, `dev`;
- sharded layout (docs/shards.md): `<env>.core` holds a project's account-wide resources, `<env>.<shard>` one
  shard's per-model resources (`dev.nlp`, `dev.nlp.2`). Every stack of an environment reads the same stack
  file, `Pulumi.<env>.yaml`: the CLI is given it with `--config-file` (the Makefile does), the offline
  preview reads it the same way.
"""

from __future__ import annotations

import re

SEPARATOR = "."
CORE = "core"
# Pulumi's stack-name rule: pulumi/pulumi sdk/go/common/tokens/stack_name.go, ParseStackName (not empty, at most
# 100 characters, each of A-Z a-z 0-9 _ . -), which the file and S3 backends call for every stack name they take
# (pkg/backend/diy/store.go, ParseReference). A shard's stack name `<env>.<shard>` must fit in it.
STACK_NAME_CHARACTERS = "A-Za-z0-9_.-"
MAX_STACK_NAME = 100
STACK_NAME = re.compile(f"[{STACK_NAME_CHARACTERS}]{{1,{MAX_STACK_NAME}}}")


def split_stack(stack: str) -> tuple[str, str | None]:
    """`dev` -> ("dev", None) (whole layout); `dev.core` -> ("dev", "core"); `dev.nlp.2` -> ("dev", "nlp.2")."""
    env, separator, part = stack.partition(SEPARATOR)
    return env, (part if separator else None)


def stack_name(env: str, part: str | None) -> str:
    """The inverse of split_stack."""
    return env if part is None else f"{env}{SEPARATOR}{part}"


def part_name(team: str, part: int) -> str:
    """The shard name of a team's part (0-based): the first part is named after the team (`nlp`), part k after it
    with k+1 (`nlp.2`), so that a team that grows keeps its first stack."""
    return team if part == 0 else f"{team}{SEPARATOR}{part + 1}"


def part_of(name: str) -> tuple[str, int] | None:
    """(team, part number from 2) when `name` is the name a team's later part gets (`nlp.2` -> ("nlp", 2)), else
    None (`nlp`, `nlp.1`, `nlp.02`, `nlp.2a`): the inverse of part_name for every part after the first."""
    owner, separator, number = name.rpartition(SEPARATOR)
    if not separator or not owner or not (number.isascii() and number.isdigit()) or number[0] == "0":
        return None
    return (owner, int(number)) if int(number) >= 2 else None


def config_stack(stack: str) -> str:
    """The stack whose file configures `stack`: `Pulumi.<env>.yaml` for every stack of the environment."""
    return split_stack(stack)[0]
