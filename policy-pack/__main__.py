"""Entry point run by the engine (`python -m pulumi.policy <engine> <pack-dir>`): builds the pack."""

from pulumi_policy import PolicyPack
from registry_policies.pack import PACK_NAME, build_policies

PolicyPack(name=PACK_NAME, policies=build_policies())
