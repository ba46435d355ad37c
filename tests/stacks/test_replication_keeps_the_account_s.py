"""The replication stack keeps what the account holds for repositories it does not own: its replication rules
(replication:keptRules) and its registry policy statements (replication:keptRegistryStatements) are put back as
given, after the stack's own, because ECR keeps one of each per account and region and a put replaces it whole.
Bad kept config fails naming the field."""

import json

import harness
import pytest
from offline_preview.evaluate import EvaluationError

REPLICATION = "aws:ecr/replicationConfiguration:ReplicationConfiguration"
REGISTRY_POLICY = "aws:ecr/registryPolicy:RegistryPolicy"
TEAM_X_RULE = {
    "destinations": [{"region": "eu-west-1", "registryId": "333333333333"}],
    "repositoryFilters": [{"filter": "team-x/", "filterType": "PREFIX_MATCH"}],
}
CACHE_STATEMENT = {
    "Sid": "PullThroughCacheForPlatform",
    "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
    "Action": ["ecr:CreateRepository", "ecr:BatchImportUpstreamImage"],
    "Resource": "arn:aws:ecr:us-east-1:123456789012:repository/ecr-public/*",
}


def run_with(registry_run, **config):
    values = harness.stack_config("replication") | {f"replication:{k}": v for k, v in config.items()}
    return harness.run_stack("replication", values, upstream=harness.upstream_of(registry_run))


def test_the_account_s_other_rules_are_put_back_as_given_after_the_stack_s(registry_run):
    run = run_with(registry_run, keptRules=[TEAM_X_RULE, {"destinations": [{"region": "us-west-2"}]}])
    (configuration,) = run.of_type(REPLICATION)
    rules = configuration.inputs["replicationConfiguration"]["rules"]
    assert rules[0]["repositoryFilters"] == [{"filter": "models/", "filterType": "PREFIX_MATCH"}]
    assert rules[1:] == [
        TEAM_X_RULE,
        # No filter: the account's rule replicates every repository, and stays so; this account by default.
        {"destinations": [{"region": "us-west-2", "registryId": "123456789012"}]},
    ]


def test_the_account_s_other_registry_statements_are_put_back_as_given_after_the_stack_s(registry_run):
    run = run_with(registry_run, keptRegistryStatements=[CACHE_STATEMENT])
    (policy,) = run.of_type(REGISTRY_POLICY)
    statements = json.loads(policy.inputs["policy"])["Statement"]
    assert [s["Sid"] for s in statements] == ["ReplicateFromSourceAccounts", "PullThroughCacheForPlatform"]
    assert statements[1] == CACHE_STATEMENT


@pytest.mark.parametrize(
    ("config", "named"),
    [
        (
            {"keptRules": [{"destinations": [{"region": "eu-west-1"}], "repositoryFilters": [{"filter": "models/x"}]}]},
            "replication:keptRules[0].repositoryFilters[0].filter: 'models/x' is inside the registry namespace",
        ),
        (
            {"keptRules": [{"destinations": [], "repositoryFilters": [{"filter": "team-x/"}]}]},
            "replication:keptRules[0].destinations",
        ),
        (
            {"keptRules": [{"destinations": [{"region": "eu-west-1"}], "repositoryFilters": [{"filter": "Team"}]}]},
            "replication:keptRules[0].repositoryFilters[0].filter: 'Team' is not a replication prefix",
        ),
        (
            {
                "keptRules": [
                    {
                        "destinations": [{"region": "eu-west-1"}],
                        "repositoryFilters": [{"filter": "team-x/", "filterType": "WILDCARD"}],
                    }
                ]
            },
            "replication:keptRules[0].repositoryFilters[0].filterType: must be one of 'PREFIX_MATCH'",
        ),
        (
            {"keptRules": [TEAM_X_RULE] * 10},
            "replication:keptRules: 10 kept beside the 1 of rules make 11 rules in one replication configuration; "
            "ECR allows at most 10",
        ),
        (
            {"rules": [], "keptRules": [TEAM_X_RULE]},
            "replication:keptRules: set without rules",
        ),
        (
            {"keptRegistryStatements": [CACHE_STATEMENT | {"Sid": "ReplicateFromSourceAccounts"}]},
            "replication:keptRegistryStatements[0]: Sid 'ReplicateFromSourceAccounts' is the stack's own statement",
        ),
        (
            {"keptRegistryStatements": [{k: v for k, v in CACHE_STATEMENT.items() if k != "Sid"}]},
            "replication:keptRegistryStatements[0]: a kept statement needs a Sid",
        ),
        (
            {"keptRegistryStatements": [CACHE_STATEMENT | {"Effect": "Permit"}]},
            "replication:keptRegistryStatements[0]: Effect must be Allow or Deny (got 'Permit')",
        ),
        (
            {"keptRegistryStatements": [{k: v for k, v in CACHE_STATEMENT.items() if k != "Principal"}]},
            "replication:keptRegistryStatements[0]: the statement a registry policy needs Principal or NotPrincipal",
        ),
        (
            {"keptRegistryStatements": [CACHE_STATEMENT, CACHE_STATEMENT]},
            "replication:keptRegistryStatements: Sid 'PullThroughCacheForPlatform' is given twice",
        ),
        (
            {"sourceAccounts": [], "keptRegistryStatements": [CACHE_STATEMENT]},
            "replication:keptRegistryStatements: set without sourceAccounts",
        ),
    ],
)
def test_bad_kept_config_fails_naming_the_field(config, named, registry_run):
    with pytest.raises(EvaluationError) as error:
        run_with(registry_run, **config)
    assert named in str(error.value), str(error.value)


def test_kept_rules_fill_the_configuration_up_to_ecr_s_ten_rules(registry_run):
    # Pulumi.local.yaml has one rule of its own: nine kept make ten, the limit (one over is refused above).
    run = run_with(registry_run, keptRules=[TEAM_X_RULE] * 9)
    (configuration,) = run.of_type(REPLICATION)
    assert len(configuration.inputs["replicationConfiguration"]["rules"]) == 10
