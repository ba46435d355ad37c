"""The policy pack's config interface that the stacks' library reads too: the name of the trusted zone's policy.

Not an AWS fact: a name this project publishes (the pack reports `no-wildcard-principal` violations under it,
and `policy-pack/config/<env>.json` configures the trusted zone under it: `trustedAccounts`,
`organizationIds`, `trustedOrgPaths`, `trustedFederatedOwners`). It sits in the leaf because the two packages that read it, the pack
(registry_policies.names) and the stacks' library (model_registry.catalog, which grants a team's file only
inside the zone), are independent of each other and share only this package (the import layers in
pyproject.toml). `tests/policy_pack/test_policy_names.py` holds the published name as an independent literal.
"""

from __future__ import annotations

# The id predates the rule: it now judges effective access, and holds the trusted zone's options.
ZONE_POLICY = "no-wildcard-principal"
