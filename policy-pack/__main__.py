"""Entry point run by the engine (`python -m pulumi.policy <engine> <pack-dir>`): builds the pack."""

from pulumi_policy import PolicyPack
from registry_policies import sdk_internals
from registry_policies.names import PACK_NAME
from registry_policies.pack import build_policies

sdk_internals.install()  # each request's properties converted once, not once per policy (see the module)
PolicyPack(name=PACK_NAME, policies=build_policies())
