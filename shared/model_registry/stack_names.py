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
# Pulumi's stack-name characters (the CLI refuses others): a shard id must fit in them.
STACK_NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}")


def split_stack(stack: str) -> tuple[str, str | None]:
    """`dev` -> ("dev", None) (whole layout); `dev.core` -> ("dev", "core"); `dev.nlp.2` -> ("dev", "nlp.2")."""
    env, separator, part = stack.partition(SEPARATOR)
    return env, (part if separator else None)


def stack_name(env: str, part: str | None) -> str:
    """The inverse of split_stack."""
    return env if part is None else f"{env}{SEPARATOR}{part}"


def config_stack(stack: str) -> str:
    """The stack whose file configures `stack`: `Pulumi.<env>.yaml` for every stack of the environment."""
    return split_stack(stack)[0]
