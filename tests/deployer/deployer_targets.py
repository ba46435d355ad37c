"""Where the local stacks deploy (their Pulumi.local.yaml): the account and regions the policies are pinned to."""

import harness

ACCOUNT = harness.ACCOUNT
HOME = harness.REGION
REPLICAS = ("eu-central-1", "us-west-2")
