"""The one error type the stacks raise for bad configuration.

It subclasses `pulumi.RunError`, which the Pulumi CLI prints as a single message without a stack
trace, and is raised before any resource is registered, so a bad config never half-applies.
"""

from __future__ import annotations

import pulumi


class ConfigError(pulumi.RunError):
    """Bad stack configuration: one line naming each config key (with list indices) and the rule broken.

    `ConfigError("registry:models[2].name: ...", "registry:costCentre: required")` reads
    `invalid configuration: registry:models[2].name: ... | registry:costCentre: required`.
    """

    SEPARATOR = " | "

    def __init__(self, *problems: str):
        self.problems = problems
        super().__init__("invalid configuration: " + self.SEPARATOR.join(problems))
