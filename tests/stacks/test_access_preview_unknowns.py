"""A real preview sees every resource of the access stack, even while the registry's outputs are unknown.

The engine cannot show resources created inside an `apply` of an unknown value. Here the component runs
under the SDK's mocks in preview mode with the registry's namespace and repositories UNKNOWN (a first
deploy, or an upstream change): every repository policy and role must still be registered. It runs in
a child process so that its mocks do not leak into the other tests' evaluations.
"""

import json
import subprocess
import sys
import textwrap

import harness

PROGRAM = textwrap.dedent(
    """
    import asyncio, json, sys
    import pulumi
    from access_stack.access import ModelAccess, ModelAccessArgs
    from model_registry.catalog import load_catalog
    from access_stack.config import AccessConfig
    from model_registry.config import load

    registered = []

    class Mocks(pulumi.runtime.Mocks):
        def new_resource(self, args):
            registered.append(args.typ)
            return args.name + "-id", args.inputs

        def call(self, args):
            return {}

    pulumi.runtime.set_mocks(Mocks(), project="access", stack="local", preview=True)

    def unknown():
        known = asyncio.get_event_loop().create_future()
        known.set_result(False)
        value = asyncio.get_event_loop().create_future()
        value.set_result(None)
        return pulumi.Output(set(), value, known)

    @pulumi.runtime.test
    def run():
        config = load(AccessConfig, {"costCentre": "security", "consumers": {"accounts": ["210987654321"]}}, "access")
        ModelAccess(
            "model-access",
            ModelAccessArgs(
                config=config,
                catalog=load_catalog(sys.argv[1]),
                account_id="123456789012",
                registry_id=unknown(),
                region=unknown(),
                namespace=unknown(),
                repositories=unknown(),
            ),
        )
        return pulumi.Output.from_input(1)

    run()
    print(json.dumps(registered))
    """
)


def test_every_resource_is_registered_while_the_registry_outputs_are_unknown():
    completed = subprocess.run(
        [sys.executable, "-c", PROGRAM, str(harness.CATALOG)], capture_output=True, text=True, check=False, timeout=120
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    registered = json.loads(completed.stdout.strip().splitlines()[-1])
    models = [m for team in harness.catalog_files().values() for m in team["models"]]
    assert registered.count("aws:ecr/repositoryPolicy:RepositoryPolicy") == len(models)
    assert registered.count("aws:iam/role:Role") == len(harness.catalog_files()) + 1  # a push role per team, pull
    assert registered.count("aws:iam/rolePolicy:RolePolicy") == len(harness.catalog_files()) + 1
