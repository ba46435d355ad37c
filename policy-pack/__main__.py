"""Entry point run by the engine (`python -m pulumi.policy <engine> <pack-dir>`): builds the pack."""

import gc

from pulumi_policy import PolicyPack
from registry_policies import sdk_internals
from registry_policies.names import PACK_NAME
from registry_policies.pack import build_policies

# What the pack imports (the SDK, botocore's models, z3) lives as long as the process: out of every collection's way,
# and collections in larger batches (CPython's first threshold is 700), as the preview's process and its checkov
# worker do. At 1,000 models the registry and access packs took 5.65 + 3.97 CPU-s before, 4.59 + 3.58 after
# (one pair of runs, 2-core AMD EPYC, load 1.3-2.6).
gc.collect()
gc.freeze()
gc.set_threshold(50_000, 20, 100)
sdk_internals.install()  # each request's properties converted once, not once per policy (see the module)
PolicyPack(name=PACK_NAME, policies=build_policies())
