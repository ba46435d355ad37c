"""The one error type the stacks raise for bad configuration.

It subclasses `pulumi.RunError`, which the Pulumi CLI prints as a single message without a stack
trace, and is raised before any resource is registered, so a bad config never half-applies.
"""

from __future__ import annotations

import pulumi


class ConfigError(pulumi.RunError):
    """Bad stack configuration: the message names the config key (and list index) and the rule broken."""
