"""Writes the red-team corpus: one JSON document per case (`python generate.py` rewrites them all).

Each verdict is read from AWS's documentation (the `why` of each case), not from the pack's output: the
corpus test fails when the pack disagrees. Zone: the own account, a partner account and the organization.
"""

import json
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
OWN, PARTNER, FOREIGN, ORG, OTHER_ORG = "123456789012", "210987654321", "444455556666", "o-a1b2c3d4e5", "o-zz9988776655"
ZONE = {"trustedAccounts": [OWN, PARTNER], "organizationIds": [ORG]}
PULL = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"]
PUSH = ["ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload"]
REPO = "aws:ecr/repositoryPolicy:RepositoryPolicy"
ROLE = "aws:iam/role:Role"
KEY = "aws:kms/key:Key"
BUCKET = "aws:s3/bucketPolicy:BucketPolicy"
TOPIC = "aws:sns/topicPolicy:TopicPolicy"
QUEUE = "aws:sqs/queuePolicy:QueuePolicy"
PERMISSION = "aws:lambda/permission:Permission"
LAYER = "aws:lambda/layerVersionPermission:LayerVersionPermission"
GRANT = "aws:kms/grant:Grant"
STACK = "aws:cloudformation/stack:Stack"
CLOUDCONTROL = "aws:cloudcontrol/resource:Resource"
GH = f"arn:aws:iam::{OWN}:oidc-provider/token.actions.githubusercontent.com"
SUB, AUD = "token.actions.githubusercontent.com:sub", "token.actions.githubusercontent.com:aud"

DOC = {
    "eval": "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html",
    "operators": "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html",
    "multi": "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html",
    "principal": "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html",
    "notprincipal": "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html",
    "global": "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html",
    "wif": "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif",
    "github": "https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/configuring-openid-connect-in-amazon-web-services",
    "deputy": "https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html",
    "analyzer": "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-resources.html",
    "lambda": "https://docs.aws.amazon.com/lambda/latest/dg/permissions-function-services.html",
    "layer": "https://docs.aws.amazon.com/lambda/latest/dg/permissions-layer-cross-account.html",
    "kmsgrant": "https://docs.aws.amazon.com/kms/latest/developerguide/grants.html",
    "kmskeys": "https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html",
    "ecrkey": "https://docs.aws.amazon.com/AmazonECR/latest/userguide/encryption-at-rest.html",
    "variables": "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html",
    "elements": "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html",
    "resource": "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html",
    "notresource": "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notresource.html",
    "s3public": "https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status",
    "cfn": "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ecr-repository.html",
    "cloudcontrol": "https://docs.aws.amazon.com/cloudcontrolapi/latest/userguide/resource-operations-create.html",
    "ecrpublic": "https://docs.aws.amazon.com/AmazonECR/latest/public/public-repository-policies.html",
}

CASES: list[dict] = []


def doc(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def st(principal, action=PULL, condition=None, effect="Allow", sid=None, **extra):
    s = {"Effect": effect}
    if sid:
        s["Sid"] = sid
    if principal is not None:
        s["Principal"] = principal
    if action is not None:
        s["Action"] = action
    if condition:
        s["Condition"] = condition
    s.update(extra)
    return s


def trust(principal, condition=None, sid=None):
    action = "sts:AssumeRoleWithWebIdentity" if "Federated" in principal else "sts:AssumeRole"
    if "Federated" in principal and ":saml-provider/" in str(principal["Federated"]):
        action = "sts:AssumeRoleWithSAML"
    return st(principal, action, condition, sid=sid)


def case(category, name, resource_type, props, verdict, why, zone=ZONE):
    CASES.append(
        {
            "name": f"{category}-{name}",
            "category": category,
            "resourceType": resource_type,
            "properties": props,
            "zone": zone,
            "verdict": verdict,
            "why": why,
        }
    )


def repo(category, name, statements, verdict, why, zone=ZONE):
    case(category, name, REPO, {"repository": "models/x", "policy": doc(*statements)}, verdict, why, zone)


def role(category, name, statements, verdict, why, zone=ZONE):
    case(category, name, ROLE, {"assumeRolePolicy": doc(*statements)}, verdict, why, zone)


# ---- federated identities -----------------------------------------------------------------------------
F = "federated"
AUD_OK = {"StringEquals": {AUD: "sts.amazonaws.com"}}
g = DOC["github"]
role(F, "github-no-sub", [trust({"Federated": GH}, AUD_OK)], "refuse", f"{g}: aud alone admits every repository")
role(F, "github-no-condition", [trust({"Federated": GH})], "refuse", g)
role(F, "github-repo-star", [trust({"Federated": GH}, {"StringLike": {SUB: "repo:*"}} | AUD_OK)], "refuse", g)
role(
    F,
    "github-owner-glob",
    [trust({"Federated": GH}, {"StringLike": {SUB: "repo:acme*/*"}})],
    "refuse",
    f"{g}: acme* also matches acme-evil",
)
role(
    F,
    "github-owner-question",
    [trust({"Federated": GH}, {"StringLike": {SUB: "repo:acm?/models:*"}})],
    "refuse",
    f"{g}: ? matches another owner",
)
role(
    F,
    "github-negated-sub",
    [trust({"Federated": GH}, {"StringNotEquals": {SUB: "repo:acme/models:ref:refs/heads/main"}})],
    "refuse",
    DOC["operators"],
)
role(
    F,
    "github-negated-like-sub",
    [trust({"Federated": GH}, {"StringNotLike": {SUB: "repo:evil/*"}})],
    "refuse",
    DOC["operators"],
)
role(
    F,
    "github-sub-ifexists",
    [trust({"Federated": GH}, {"StringLikeIfExists": {SUB: "repo:acme/models:*"}})],
    "refuse",
    f"{DOC['operators']}: IfExists holds when the key is absent",
)
role(
    F,
    "github-sub-list-with-star",
    [trust({"Federated": GH}, {"StringLike": {SUB: ["repo:acme/models:*", "repo:*"]}})],
    "refuse",
    DOC["operators"],
)
role(
    F,
    "github-sub-forallvalues",
    [trust({"Federated": GH}, {"ForAllValues:StringLike": {SUB: "repo:acme/*"}})],
    "refuse",
    f"{DOC['multi']}: ForAllValues holds on an absent key",
)
role(
    F,
    "github-second-statement-open",
    [
        trust({"Federated": GH}, {"StringEquals": {SUB: "repo:acme/models:ref:refs/heads/main"}}, "Pinned"),
        trust({"Federated": GH}, {"StringLike": {SUB: "repo:*:ref:refs/heads/main"}}, "AnyWorkflow"),
    ],
    "refuse",
    g,
)
repo(
    F,
    "github-second-statement-push-models",
    [
        st({"AWS": f"arn:aws:iam::{OWN}:role/ci"}, PULL, sid="Pull"),
        st(
            {"Federated": GH},
            PUSH,
            {"StringLike": {SUB: "repo:*"}},
            sid="AnyWorkflowPush",
            Resource=f"arn:aws:ecr:us-east-1:{OWN}:repository/models/*",
        ),
    ],
    "refuse",
    g,
)
role(
    F,
    "github-any-repo-ip-halves",
    [
        trust(
            {"Federated": GH},
            {"StringLike": {SUB: "repo:*"}, "IpAddress": {"aws:SourceIp": ["0.0.0.0/1", "128.0.0.0/1"]}},
        )
    ],
    "refuse",
    f"{g}; {DOC['s3public']}: any repository's workflow, from any IPv4 address",
)
role(
    F,
    "github-any-repo-ip-slash-8",
    [trust({"Federated": GH}, {"StringLike": {SUB: "repo:*"}, "IpAddress": {"aws:SourceIp": "198.0.0.0/8"}})],
    "accept",
    f"{DOC['s3public']}: a fixed range of /8 is the owner's network (its runners)",
)
role(F, "github-aud-only-like", [trust({"Federated": GH}, {"StringLike": {AUD: "*"}})], "refuse", g)
role(
    F,
    "github-sub-wrong-key-case",
    [trust({"Federated": GH}, {"StringLike": {"Token.Actions.GitHubUserContent.com:SUB": "repo:*"}})],
    "refuse",
    f"{DOC['elements']}: condition key names are case-insensitive",
)
role(
    F,
    "github-pinned-branch",
    [
        trust(
            {"Federated": GH}, {"StringEquals": {SUB: "repo:acme/models:ref:refs/heads/main", AUD: "sts.amazonaws.com"}}
        )
    ],
    "accept",
    g,
)
role(
    F,
    "github-pinned-repo-any-ref",
    [trust({"Federated": GH}, {"StringLike": {SUB: "repo:acme/models:*"}} | AUD_OK)],
    "accept",
    g,
)
role(
    F,
    "github-own-owner-any-repo",
    [trust({"Federated": GH}, {"StringLike": {SUB: "repo:acme/*"}} | AUD_OK)],
    "accept",
    f"{g}: every repository of the own organization acme",
)
role(
    F,
    "github-pinned-environment",
    [trust({"Federated": GH}, {"StringEquals": {SUB: "repo:acme/models:environment:prod"}})],
    "accept",
    g,
)
role(
    F,
    "github-pinned-two-repos",
    [trust({"Federated": GH}, {"StringLike": {SUB: ["repo:acme/models:*", "repo:acme/infra:ref:refs/heads/main"]}})],
    "accept",
    g,
)
role(
    F,
    "github-open-allow-pinned-by-deny",
    [
        trust({"Federated": GH}, AUD_OK, "Allow"),
        st(
            {"Federated": GH},
            "sts:AssumeRoleWithWebIdentity",
            {"StringNotLike": {SUB: "repo:acme/*"}},
            "Deny",
            "NotOurs",
        ),
    ],
    "accept",
    f"{DOC['eval']}: an explicit Deny removes every other owner",
)
role(
    F,
    "github-open-allow-deny-wrong-owner",
    [
        trust({"Federated": GH}, AUD_OK, "Allow"),
        st({"Federated": GH}, "sts:AssumeRoleWithWebIdentity", {"StringLike": {SUB: "repo:evil/*"}}, "Deny", "NotEvil"),
    ],
    "refuse",
    f"{DOC['eval']}: the Deny removes one owner, not every outsider",
)
role(
    F,
    "github-pinned-lowercase-elements",
    [
        {
            "effect": "Allow",
            "principal": {"Federated": GH},
            "action": "sts:AssumeRoleWithWebIdentity",
            "condition": {"StringLike": {SUB: "repo:*"}},
        }
    ],
    "refuse",
    f"{DOC['elements']}: element names are case-insensitive",
)
for provider, key, value, label in [
    (
        "cognito-identity.amazonaws.com",
        "cognito-identity.amazonaws.com:aud",
        "us-east-1:12345678-1234-1234-1234-123456789012",
        "cognito",
    ),
    ("accounts.google.com", "accounts.google.com:aud", "1234.apps.googleusercontent.com", "google"),
    ("graph.facebook.com", "graph.facebook.com:app_id", "1234567890", "facebook"),
    ("www.amazon.com", "www.amazon.com:app_id", "amzn1.application-oa2-client.abc", "amazon"),
    (
        f"arn:aws:iam::{OWN}:oidc-provider/gitlab.com",
        "gitlab.com:sub",
        "project_path:acme/models:ref_type:branch:ref:main",
        "gitlab",
    ),
    (
        f"arn:aws:iam::{OWN}:oidc-provider/app.terraform.io",
        "app.terraform.io:sub",
        "organization:acme:project:p:workspace:w:run_phase:apply",
        "terraform",
    ),
    (
        f"arn:aws:iam::{OWN}:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABCDEF",
        "oidc.eks.us-east-1.amazonaws.com/id/ABCDEF:sub",
        "system:serviceaccount:ml:puller",
        "eks",
    ),
]:
    role(
        F,
        f"{label}-no-condition",
        [trust({"Federated": provider})],
        "refuse",
        f"{DOC['wif']}: every user of {provider}",
    )
    role(F, f"{label}-pinned", [trust({"Federated": provider}, {"StringEquals": {key: value}})], "accept", DOC["wif"])
    role(F, f"{label}-star", [trust({"Federated": provider}, {"StringLike": {key: "*"}})], "refuse", DOC["wif"])
role(
    F,
    "cognito-amr-only",
    [
        trust(
            {"Federated": "cognito-identity.amazonaws.com"},
            {"ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"}},
        )
    ],
    "refuse",
    f"{DOC['wif']}: amr says authenticated, in any pool",
)
role(
    F,
    "cognito-pinned-and-amr",
    [
        trust(
            {"Federated": "cognito-identity.amazonaws.com"},
            {
                "StringEquals": {
                    "cognito-identity.amazonaws.com:aud": "us-east-1:12345678-1234-1234-1234-123456789012"
                },
                "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"},
            },
        )
    ],
    "accept",
    DOC["wif"],
)
role(
    F,
    "google-negated-aud",
    [
        trust(
            {"Federated": "accounts.google.com"},
            {"StringNotEquals": {"accounts.google.com:aud": "1234.apps.googleusercontent.com"}},
        )
    ],
    "refuse",
    DOC["operators"],
)
role(
    F,
    "gitlab-group-glob",
    [
        trust(
            {"Federated": f"arn:aws:iam::{OWN}:oidc-provider/gitlab.com"},
            {"StringLike": {"gitlab.com:sub": "project_path:acme*/*"}},
        )
    ],
    "refuse",
    DOC["wif"],
)
role(
    F,
    "gitlab-own-group",
    [
        trust(
            {"Federated": f"arn:aws:iam::{OWN}:oidc-provider/gitlab.com"},
            {"StringLike": {"gitlab.com:sub": "project_path:acme/*"}},
        )
    ],
    "accept",
    DOC["wif"],
)
role(
    F,
    "terraform-any-org",
    [
        trust(
            {"Federated": f"arn:aws:iam::{OWN}:oidc-provider/app.terraform.io"},
            {
                "StringLike": {"app.terraform.io:sub": "organization:*:project:*:workspace:*:run_phase:*"},
                "StringEquals": {"app.terraform.io:aud": "aws.workload.identity"},
            },
        )
    ],
    "refuse",
    "https://developer.hashicorp.com/terraform/cloud-docs/workspaces/dynamic-provider-credentials/aws-configuration",
)
role(
    F,
    "terraform-own-org",
    [
        trust(
            {"Federated": f"arn:aws:iam::{OWN}:oidc-provider/app.terraform.io"},
            {"StringLike": {"app.terraform.io:sub": "organization:acme:project:*:workspace:*:run_phase:*"}},
        )
    ],
    "accept",
    "https://developer.hashicorp.com/terraform/cloud-docs/workspaces/dynamic-provider-credentials/aws-configuration",
)
role(
    F,
    "saml-own-account",
    [
        trust(
            {"Federated": f"arn:aws:iam::{OWN}:saml-provider/corp"},
            {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}},
        )
    ],
    "accept",
    DOC["wif"],
)
role(
    F,
    "saml-foreign-account",
    [trust({"Federated": f"arn:aws:iam::{FOREIGN}:saml-provider/corp"})],
    "refuse",
    DOC["analyzer"],
)
role(
    F,
    "federated-list-one-pinned",
    [trust({"Federated": ["cognito-identity.amazonaws.com", GH]}, {"StringLike": {SUB: "repo:acme/*"}})],
    "accept",
    f"{DOC['operators']}: a Cognito token carries no GitHub sub, so the StringLike is false for it",
)
role(
    F,
    "federated-list-ifexists",
    [trust({"Federated": ["cognito-identity.amazonaws.com", GH]}, {"StringLikeIfExists": {SUB: "repo:acme/*"}})],
    "refuse",
    f"{DOC['operators']}: IfExists holds for a Cognito token, which carries no GitHub sub",
)
role(F, "federated-star", [trust({"Federated": "*"})], "refuse", DOC["principal"])

# ---- principal forms ------------------------------------------------------------------------------------
P = "principals"
pr = DOC["principal"]
for label, principal, verdict in [
    ("star", "*", "refuse"),
    ("aws-star", {"AWS": "*"}, "refuse"),
    ("aws-star-list", {"AWS": ["*"]}, "refuse"),
    ("foreign-id", {"AWS": FOREIGN}, "refuse"),
    ("foreign-root", {"AWS": f"arn:aws:iam::{FOREIGN}:root"}, "refuse"),
    ("foreign-role", {"AWS": f"arn:aws:iam::{FOREIGN}:role/puller"}, "refuse"),
    ("foreign-user", {"AWS": f"arn:aws:iam::{FOREIGN}:user/bob"}, "refuse"),
    ("foreign-assumed-role", {"AWS": f"arn:aws:sts::{FOREIGN}:assumed-role/puller/s"}, "refuse"),
    ("foreign-federated-user", {"AWS": f"arn:aws:sts::{FOREIGN}:federated-user/bob"}, "refuse"),
    ("any-account-root", {"AWS": "arn:aws:iam::*:root"}, "refuse"),
    ("china-foreign-root", {"AWS": f"arn:aws-cn:iam::{FOREIGN}:root"}, "refuse"),
    ("mixed-list", {"AWS": [OWN, FOREIGN]}, "refuse"),
    ("own-id", {"AWS": OWN}, "accept"),
    ("own-root", {"AWS": f"arn:aws:iam::{OWN}:root"}, "accept"),
    ("own-role", {"AWS": f"arn:aws:iam::{OWN}:role/puller"}, "accept"),
    ("partner-role", {"AWS": f"arn:aws:iam::{PARTNER}:role/chat-inference"}, "accept"),
    ("partner-assumed-role", {"AWS": f"arn:aws:sts::{PARTNER}:assumed-role/chat/s"}, "accept"),
    ("own-and-partner", {"AWS": [OWN, f"arn:aws:iam::{PARTNER}:root"]}, "accept"),
    ("canonical-user", {"CanonicalUser": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"}, "refuse"),
]:
    repo(P, label, [st(principal)], verdict, pr)
repo(
    P,
    "foreign-public-zone",
    [st({"AWS": FOREIGN})],
    "accept",
    "pack README: without a zone every named account counts as trusted (public check only)",
    zone={},
)
repo(P, "star-public-zone", [st({"AWS": "*"})], "refuse", pr, zone={})
repo(
    P,
    "notprincipal-allow",
    [st(None, PULL, NotPrincipal={"AWS": OWN})],
    "refuse",
    f"{DOC['notprincipal']}: Allow with NotPrincipal grants everyone else",
)
repo(
    P,
    "notprincipal-deny-keeps-own",
    [
        st("*"),
        st(
            None,
            "ecr:*",
            effect="Deny",
            NotPrincipal={"AWS": [f"arn:aws:iam::{OWN}:root", f"arn:aws:iam::{OWN}:role/puller"]},
        ),
    ],
    "accept",
    f"{DOC['notprincipal']}: every principal not listed is denied",
)
repo(
    P,
    "notprincipal-deny-foreign-listed",
    [st("*"), st(None, "ecr:*", effect="Deny", NotPrincipal={"AWS": [OWN, FOREIGN]})],
    "refuse",
    DOC["notprincipal"],
)
repo(
    P,
    "foreign-but-condition-own-arn",
    [st({"AWS": FOREIGN}, PULL, {"ArnEquals": {"aws:PrincipalArn": f"arn:aws:iam::{OWN}:role/x"}})],
    "accept",
    f"{DOC['global']}: no principal of {FOREIGN} has an ARN of {OWN}",
)
repo(
    P,
    "star-principal-account-own",
    [st("*", PULL, {"StringEquals": {"aws:PrincipalAccount": OWN}})],
    "accept",
    DOC["global"],
)
repo(
    P,
    "star-principal-arn-foreign",
    [st("*", PULL, {"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{FOREIGN}:role/*"}})],
    "refuse",
    DOC["global"],
)
repo(
    P,
    "star-principal-arn-own",
    [st("*", PULL, {"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{OWN}:role/*"}})],
    "accept",
    DOC["global"],
)
repo(
    P,
    "star-principal-arn-any-account",
    [st("*", PULL, {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/ecr-puller"}})],
    "refuse",
    DOC["global"],
)
repo(
    P,
    "service-and-star-mix",
    [st({"AWS": OWN, "Service": "ecr.amazonaws.com"}, PULL, {"StringEquals": {"aws:SourceAccount": OWN}})],
    "accept",
    DOC["deputy"],
)

# ---- confused deputies --------------------------------------------------------------------------------
D = "deputy"
dp = DOC["deputy"]
for service in (
    "sagemaker.amazonaws.com",
    "logs.us-east-1.amazonaws.com",
    "ecr.amazonaws.com.cn",
    "states.amazonaws.com",
):
    label = (
        service.split(".")[0]
        + ("-cn" if service.endswith(".cn") else "")
        + ("-regional" if "us-east-1" in service else "")
    )
    repo(D, f"{label}-no-source", [st({"Service": service})], "refuse", dp)
    repo(
        D,
        f"{label}-source-account-own",
        [st({"Service": service}, PULL, {"StringEquals": {"aws:SourceAccount": OWN}})],
        "accept",
        dp,
    )
repo(
    D,
    "source-arn-any-account",
    [
        st(
            {"Service": "sagemaker.amazonaws.com"},
            PULL,
            {"ArnLike": {"aws:SourceArn": "arn:aws:sagemaker:us-east-1:*:training-job/*"}},
        )
    ],
    "refuse",
    dp,
)
repo(
    D,
    "source-arn-own",
    [st({"Service": "sagemaker.amazonaws.com"}, PULL, {"ArnLike": {"aws:SourceArn": f"arn:aws:sagemaker:*:{OWN}:*"}})],
    "accept",
    dp,
)
repo(
    D,
    "source-arn-stringlike-own",
    [
        st(
            {"Service": "sagemaker.amazonaws.com"},
            PULL,
            {"StringLike": {"aws:SourceArn": f"arn:aws:sagemaker:us-east-1:{OWN}:training-job/*"}},
        )
    ],
    "accept",
    dp,
)
repo(
    D,
    "source-arn-glob-account",
    [
        st(
            {"Service": "sagemaker.amazonaws.com"},
            PULL,
            {"ArnLike": {"aws:SourceArn": "arn:aws:sagemaker:us-east-1:1234567890*:*"}},
        )
    ],
    "refuse",
    dp,
)
repo(
    D,
    "source-account-foreign",
    [st({"Service": "sagemaker.amazonaws.com"}, PULL, {"StringEquals": {"aws:SourceAccount": FOREIGN}})],
    "refuse",
    dp,
)
repo(
    D,
    "source-account-ifexists",
    [st({"Service": "sagemaker.amazonaws.com"}, PULL, {"StringEqualsIfExists": {"aws:SourceAccount": OWN}})],
    "refuse",
    DOC["operators"],
)
repo(
    D,
    "source-account-negated",
    [st({"Service": "sagemaker.amazonaws.com"}, PULL, {"StringNotEquals": {"aws:SourceAccount": FOREIGN}})],
    "refuse",
    DOC["operators"],
)
repo(
    D,
    "source-arn-null-false",
    [st({"Service": "sagemaker.amazonaws.com"}, PULL, {"Null": {"aws:SourceArn": "false"}})],
    "refuse",
    DOC["operators"],
)
repo(
    D,
    "source-org-own",
    [st({"Service": "sagemaker.amazonaws.com"}, PULL, {"StringEquals": {"aws:SourceOrgID": ORG}})],
    "accept",
    DOC["global"],
)
repo(
    D,
    "source-org-other",
    [st({"Service": "sagemaker.amazonaws.com"}, PULL, {"StringEquals": {"aws:SourceOrgID": OTHER_ORG}})],
    "refuse",
    DOC["global"],
)
repo(
    D,
    "source-org-paths-own",
    [
        st(
            {"Service": "sagemaker.amazonaws.com"},
            PULL,
            {"ForAnyValue:StringLike": {"aws:SourceOrgPaths": f"{ORG}/r-ab12/ou-ab12-11111111/*"}},
        )
    ],
    "accept",
    DOC["global"],
)
repo(D, "star-principal-is-service", [st("*", PULL, {"Bool": {"aws:PrincipalIsAWSService": "true"}})], "refuse", dp)
repo(
    D,
    "star-service-name-source-own",
    [
        st(
            "*",
            PULL,
            {"StringEquals": {"aws:PrincipalServiceName": "sagemaker.amazonaws.com", "aws:SourceAccount": OWN}},
        )
    ],
    "accept",
    dp,
)
repo(
    D,
    "service-glob-principal",
    [st({"Service": "*.amazonaws.com"}, PULL, {"StringEquals": {"aws:SourceAccount": OWN}})],
    "accept",
    dp,
)
repo(D, "service-glob-no-source", [st({"Service": "*.amazonaws.com"})], "refuse", dp)
repo(
    D,
    "service-source-account-case",
    [st({"Service": "sagemaker.amazonaws.com"}, PULL, {"StringEquals": {"AWS:SourceAccount": OWN}})],
    "accept",
    f"{DOC['elements']}: condition keys are case-insensitive",
)
case(
    D,
    "sns-topic-cloudwatch-own",
    TOPIC,
    {
        "arn": "t",
        "policy": doc(
            st(
                {"Service": "cloudwatch.amazonaws.com"},
                "sns:Publish",
                {"ArnLike": {"aws:SourceArn": f"arn:aws:cloudwatch:us-east-1:{OWN}:alarm:*"}},
            )
        ),
    },
    "accept",
    dp,
)
case(
    D,
    "sqs-from-sns-any-topic",
    QUEUE,
    {
        "queueUrl": "q",
        "policy": doc(
            st(
                {"Service": "sns.amazonaws.com"},
                "sqs:SendMessage",
                {"ArnEquals": {"aws:SourceArn": "arn:aws:sns:us-east-1:*:models"}},
            )
        ),
    },
    "refuse",
    dp,
)
case(
    D,
    "bucket-cloudtrail-own",
    BUCKET,
    {
        "bucket": "b",
        "policy": doc(
            st(
                {"Service": "cloudtrail.amazonaws.com"},
                "s3:PutObject",
                {"StringEquals": {"aws:SourceArn": f"arn:aws:cloudtrail:us-east-1:{OWN}:trail/main"}},
                Resource="arn:aws:s3:::b/*",
            )
        ),
    },
    "accept",
    dp,
)
case(
    D,
    "bucket-cloudtrail-no-source",
    BUCKET,
    {
        "bucket": "b",
        "policy": doc(st({"Service": "cloudtrail.amazonaws.com"}, "s3:PutObject", Resource="arn:aws:s3:::b/*")),
    },
    "refuse",
    dp,
)
case(
    D,
    "key-logs-context-own",
    KEY,
    {
        "policy": doc(
            st(
                {"Service": "logs.us-east-1.amazonaws.com"},
                ["kms:Encrypt*", "kms:Decrypt*"],
                {
                    "ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:us-east-1:{OWN}:log-group:*"},
                    "StringEquals": {"aws:SourceAccount": OWN},
                },
                Resource="*",
            )
        )
    },
    "accept",
    dp,
)
role(
    D,
    "trust-service-source-account-own",
    [trust({"Service": "sagemaker.amazonaws.com"}, {"StringEquals": {"aws:SourceAccount": OWN}})],
    "accept",
    dp,
)
role(
    D,
    "trust-service-source-arn-any",
    [trust({"Service": "sagemaker.amazonaws.com"}, {"ArnLike": {"aws:SourceArn": "arn:aws:sagemaker:*:*:*"}})],
    "refuse",
    dp,
)
lp = DOC["lambda"]
for label, props, verdict in [
    ("s3-no-source", {"principal": "s3.amazonaws.com"}, "refuse"),
    ("sns-no-source", {"principal": "sns.amazonaws.com"}, "refuse"),
    (
        "sns-any-account-topic",
        {"principal": "sns.amazonaws.com", "sourceArn": "arn:aws:sns:us-east-1:*:models"},
        "refuse",
    ),
    ("s3-bucket-glob", {"principal": "s3.amazonaws.com", "sourceArn": "arn:aws:s3:::models-*"}, "refuse"),
    (
        "s3-bucket-and-account",
        {"principal": "s3.amazonaws.com", "sourceArn": "arn:aws:s3:::models", "sourceAccount": OWN},
        "accept",
    ),
    (
        "s3-bucket-glob-and-account",
        {"principal": "s3.amazonaws.com", "sourceArn": "arn:aws:s3:::models-*", "sourceAccount": OWN},
        "accept",
    ),
    ("sns-own-topic", {"principal": "sns.amazonaws.com", "sourceArn": f"arn:aws:sns:us-east-1:{OWN}:models"}, "accept"),
    (
        "events-own-rule",
        {"principal": "events.amazonaws.com", "sourceArn": f"arn:aws:events:us-east-1:{OWN}:rule/nightly"},
        "accept",
    ),
    (
        "events-foreign-rule",
        {"principal": "events.amazonaws.com", "sourceArn": f"arn:aws:events:us-east-1:{FOREIGN}:rule/nightly"},
        "refuse",
    ),
    ("star-no-condition", {"principal": "*"}, "refuse"),
    ("star-own-org", {"principal": "*", "principalOrgId": ORG}, "accept"),
    ("star-other-org", {"principal": "*", "principalOrgId": OTHER_ORG}, "refuse"),
    ("foreign-account", {"principal": FOREIGN}, "refuse"),
    ("partner-account", {"principal": PARTNER}, "accept"),
    ("foreign-role-arn", {"principal": f"arn:aws:iam::{FOREIGN}:role/x"}, "refuse"),
    (
        "function-url-none",
        {"principal": "*", "action": "lambda:InvokeFunctionUrl", "functionUrlAuthType": "NONE"},
        "refuse",
    ),
    (
        "function-url-iam-star",
        {"principal": "*", "action": "lambda:InvokeFunctionUrl", "functionUrlAuthType": "AWS_IAM"},
        "refuse",
    ),
]:
    props = {"function": "model-server", "action": "lambda:InvokeFunction"} | props
    case(D, f"lambda-{label}", PERMISSION, props, verdict, lp)

# ---- types that grant and must be read ------------------------------------------------------------------
T = "types"
case(
    T,
    "ecr-public-star-push",
    "aws:ecrpublic/repositoryPolicy:RepositoryPolicy",
    {"repositoryName": "r", "policy": doc(st("*", ["ecr-public:PutImage", "ecr-public:UploadLayerPart"]))},
    "refuse",
    DOC["ecrpublic"],
)
case(
    T,
    "ecr-public-own-push",
    "aws:ecrpublic/repositoryPolicy:RepositoryPolicy",
    {"repositoryName": "r", "policy": doc(st({"AWS": f"arn:aws:iam::{OWN}:role/ci"}, ["ecr-public:PutImage"]))},
    "accept",
    DOC["ecrpublic"],
)
case(
    T,
    "layer-star",
    LAYER,
    {"layerName": "l", "versionNumber": 1, "principal": "*", "action": "lambda:GetLayerVersion", "statementId": "s"},
    "refuse",
    DOC["layer"],
)
case(
    T,
    "layer-foreign",
    LAYER,
    {
        "layerName": "l",
        "versionNumber": 1,
        "principal": FOREIGN,
        "action": "lambda:GetLayerVersion",
        "statementId": "s",
    },
    "refuse",
    DOC["layer"],
)
case(
    T,
    "layer-own-org",
    LAYER,
    {
        "layerName": "l",
        "versionNumber": 1,
        "principal": "*",
        "organizationId": ORG,
        "action": "lambda:GetLayerVersion",
        "statementId": "s",
    },
    "accept",
    DOC["layer"],
)
case(
    T,
    "layer-partner",
    LAYER,
    {
        "layerName": "l",
        "versionNumber": 1,
        "principal": PARTNER,
        "action": "lambda:GetLayerVersion",
        "statementId": "s",
    },
    "accept",
    DOC["layer"],
)
case(
    T,
    "kms-grant-foreign-role",
    GRANT,
    {"keyId": "k", "granteePrincipal": f"arn:aws:iam::{FOREIGN}:role/x", "operations": ["Decrypt"]},
    "refuse",
    DOC["kmsgrant"],
)
case(
    T,
    "kms-grant-own-role-foreign-retiree",
    GRANT,
    {
        "keyId": "k",
        "granteePrincipal": f"arn:aws:iam::{OWN}:role/x",
        "retiringPrincipal": f"arn:aws:iam::{FOREIGN}:root",
        "operations": ["Decrypt"],
    },
    "refuse",
    f"{DOC['kmsgrant']}: the retiring principal can retire the grant",
)
case(
    T,
    "kms-grant-own",
    GRANT,
    {"keyId": "k", "granteePrincipal": f"arn:aws:iam::{OWN}:role/x", "operations": ["Decrypt", "GenerateDataKey"]},
    "accept",
    DOC["kmsgrant"],
)
case(
    T,
    "kms-grant-foreign-with-context",
    GRANT,
    {
        "keyId": "k",
        "granteePrincipal": f"arn:aws:iam::{FOREIGN}:role/x",
        "operations": ["Decrypt"],
        "constraints": [{"encryptionContextEquals": {"team": "nlp"}}],
    },
    "refuse",
    f"{DOC['kmsgrant']}: the grantee chooses the context",
)
case(
    T,
    "replica-key-star",
    "aws:kms/replicaKey:ReplicaKey",
    {
        "primaryKeyArn": "arn:aws:kms:us-east-1:444455556666:key/mrk-1",
        "policy": doc(st({"AWS": "*"}, "kms:Decrypt", Resource="*")),
    },
    "refuse",
    DOC["analyzer"],
)
case(
    T,
    "replica-external-key-foreign",
    "aws:kms/replicaExternalKey:ReplicaExternalKey",
    {"primaryKeyArn": "k", "policy": doc(st({"AWS": FOREIGN}, "kms:*", Resource="*"))},
    "refuse",
    DOC["analyzer"],
)
case(
    T,
    "replica-key-own",
    "aws:kms/replicaKey:ReplicaKey",
    {"primaryKeyArn": "k", "policy": doc(st({"AWS": f"arn:aws:iam::{OWN}:root"}, "kms:*", Resource="*"))},
    "accept",
    DOC["analyzer"],
)
case(
    T,
    "external-key-star",
    "aws:kms/externalKey:ExternalKey",
    {"policy": doc(st("*", "kms:Decrypt", Resource="*"))},
    "refuse",
    DOC["analyzer"],
)
case(
    T,
    "key-policy-resource-star",
    "aws:kms/keyPolicy:KeyPolicy",
    {"keyId": "k", "policy": doc(st({"AWS": f"arn:aws:iam::{FOREIGN}:root"}, "kms:Decrypt", Resource="*"))},
    "refuse",
    DOC["analyzer"],
)
case(
    T,
    "registry-policy-foreign-replicate",
    "aws:ecr/registryPolicy:RegistryPolicy",
    {
        "policy": doc(
            st(
                {"AWS": f"arn:aws:iam::{FOREIGN}:root"},
                ["ecr:CreateRepository", "ecr:ReplicateImage"],
                Resource=f"arn:aws:ecr:us-east-1:{OWN}:repository/*",
            )
        )
    },
    "refuse",
    DOC["analyzer"],
)
case(
    T,
    "creation-template-star",
    "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate",
    {"prefix": "models", "appliedFors": ["PULL_THROUGH_CACHE"], "repositoryPolicy": doc(st("*"))},
    "refuse",
    DOC["analyzer"],
)
case(
    T,
    "sqs-queue-star",
    "aws:sqs/queue:Queue",
    {"policy": doc(st("*", "sqs:SendMessage", Resource="*"))},
    "refuse",
    DOC["analyzer"],
)
case(
    T,
    "secret-foreign",
    "aws:secretsmanager/secretPolicy:SecretPolicy",
    {"secretArn": "s", "policy": doc(st({"AWS": FOREIGN}, "secretsmanager:GetSecretValue", Resource="*"))},
    "refuse",
    DOC["analyzer"],
)
case(
    T,
    "unknown-type-with-document",
    "aws:bedrock/agentcoreResourcePolicy:AgentcoreResourcePolicy",
    {"resourceArn": "arn", "policy": doc(st({"AWS": OWN}))},
    "refuse",
    "issue: a type that carries a policy document and that the pack cannot read must not pass silently",
)
case(
    T,
    "unknown-type-lowercase-document",
    "aws:xray/resourcePolicy:ResourcePolicy",
    {
        "policyName": "p",
        "policyDocument": json.dumps(
            {"statement": [{"effect": "Allow", "principal": "*", "action": "xray:PutTraceSegments"}]}
        ),
    },
    "refuse",
    "issue: a type that carries a policy document and that the pack cannot read must not pass silently",
)
case(
    T,
    "unknown-type-principal-property",
    "aws:signer/signingProfilePermission:SigningProfilePermission",
    {"profileName": "p", "action": "signer:StartSigningJob", "principal": OWN},
    "refuse",
    "issue: a type that carries a grant and that the pack cannot read must not pass silently",
)
RAM_DOC = "https://docs.aws.amazon.com/ram/latest/APIReference/API_CreateResourceShare.html (principals)"
RAM_ASSOCIATION = "aws:ram/principalAssociation:PrincipalAssociation"
RAM_SHARE_ARN = f"arn:aws:ram:us-east-1:{OWN}:resource-share/s"
for name, principal, verdict in (
    ("ram-association-foreign-account", FOREIGN, "refuse"),
    ("ram-association-partner-account", PARTNER, "accept"),
    ("ram-association-own-org", f"arn:aws:organizations::{OWN}:organization/{ORG}", "accept"),
    ("ram-association-own-ou", f"arn:aws:organizations::{OWN}:ou/{ORG}/ou-ab12-11111111", "accept"),
    ("ram-association-other-org", f"arn:aws:organizations::{FOREIGN}:organization/{OTHER_ORG}", "refuse"),
    ("ram-association-other-org-ou", f"arn:aws:organizations::{FOREIGN}:ou/{OTHER_ORG}/ou-zz99-99999999", "refuse"),
    ("ram-association-foreign-role", f"arn:aws:iam::{FOREIGN}:role/r", "refuse"),
):
    case(T, name, RAM_ASSOCIATION, {"principal": principal, "resourceShareArn": RAM_SHARE_ARN}, verdict, RAM_DOC)
case(
    T,
    "ram-share-external-principals",
    "aws:ram/resourceShare:ResourceShare",
    {"name": "s", "allowExternalPrincipals": True},
    "refuse",
    f"{RAM_DOC}: allowExternalPrincipals lets accounts outside the organization be added",
)
case(
    T,
    "ram-native-share-closed-own-org",
    "aws-native:ram:ResourceShare",
    {"name": "s", "principals": [f"arn:aws:organizations::{OWN}:organization/{ORG}"], "allowExternalPrincipals": False},
    "accept",
    RAM_DOC,
)
case(
    T,
    "ram-native-share-default-external",
    "aws-native:ram:ResourceShare",
    {"name": "s", "principals": [PARTNER]},
    "refuse",
    f"{RAM_DOC}: AllowExternalPrincipals defaults to true in CloudFormation",
)
case(
    T,
    "unknown-type-no-grant",
    "aws:ecr/lifecyclePolicy:LifecyclePolicy",
    {"repository": "r", "policy": json.dumps({"rules": []})},
    "accept",
    "nothing grants",
)
case(
    T,
    "identity-policy-star-resource",
    "aws:iam/rolePolicy:RolePolicy",
    {"role": "r", "policy": doc(st(None, "ecr:*", Resource="*"))},
    "accept",
    f"{DOC['analyzer']}: an identity policy grants to its own identity",
)


def template(resources, **extra):
    return json.dumps({"Resources": resources} | extra)


case(
    T,
    "cfn-repository-star",
    STACK,
    {
        "templateBody": template(
            {"Repo": {"Type": "AWS::ECR::Repository", "Properties": {"RepositoryPolicyText": json.loads(doc(st("*")))}}}
        )
    },
    "refuse",
    DOC["cfn"],
)
case(
    T,
    "cfn-repository-own",
    STACK,
    {
        "templateBody": template(
            {
                "Repo": {
                    "Type": "AWS::ECR::Repository",
                    "Properties": {"RepositoryPolicyText": json.loads(doc(st({"AWS": OWN})))},
                }
            }
        )
    },
    "accept",
    DOC["cfn"],
)
case(
    T,
    "cfn-public-repository",
    STACK,
    {
        "templateBody": template(
            {
                "Repo": {
                    "Type": "AWS::ECR::PublicRepository",
                    "Properties": {"RepositoryPolicyText": json.loads(doc(st("*", ["ecr-public:PutImage"])))},
                }
            }
        )
    },
    "refuse",
    DOC["cfn"],
)
case(
    T,
    "cfn-role-github-open",
    STACK,
    {
        "templateBody": template(
            {
                "R": {
                    "Type": "AWS::IAM::Role",
                    "Properties": {"AssumeRolePolicyDocument": json.loads(doc(trust({"Federated": GH}, AUD_OK)))},
                }
            }
        )
    },
    "refuse",
    g,
)
case(
    T,
    "cfn-lambda-permission-s3",
    STACK,
    {
        "templateBody": template(
            {
                "P": {
                    "Type": "AWS::Lambda::Permission",
                    "Properties": {
                        "FunctionName": "f",
                        "Action": "lambda:InvokeFunction",
                        "Principal": "s3.amazonaws.com",
                    },
                }
            }
        )
    },
    "refuse",
    lp,
)
case(
    T,
    "cfn-layer-permission-star",
    STACK,
    {
        "templateBody": template(
            {
                "P": {
                    "Type": "AWS::Lambda::LayerVersionPermission",
                    "Properties": {"LayerVersionArn": "arn", "Action": "lambda:GetLayerVersion", "Principal": "*"},
                }
            }
        )
    },
    "refuse",
    DOC["layer"],
)
case(
    T,
    "cfn-layer-permission-own-org",
    STACK,
    {
        "templateBody": template(
            {
                "P": {
                    "Type": "AWS::Lambda::LayerVersionPermission",
                    "Properties": {
                        "LayerVersionArn": "arn",
                        "Action": "lambda:GetLayerVersion",
                        "Principal": "*",
                        "OrganizationId": ORG,
                    },
                }
            }
        )
    },
    "accept",
    DOC["layer"],
)
case(
    T,
    "cfn-replica-key-star",
    STACK,
    {
        "templateBody": template(
            {
                "K": {
                    "Type": "AWS::KMS::ReplicaKey",
                    "Properties": {
                        "PrimaryKeyArn": "k",
                        "KeyPolicy": json.loads(doc(st({"AWS": "*"}, "kms:*", Resource="*"))),
                    },
                }
            }
        )
    },
    "refuse",
    DOC["analyzer"],
)
case(
    T,
    "cfn-yaml-bucket-policy-star",
    STACK,
    {
        "templateBody": "Resources:\n  P:\n    Type: AWS::S3::BucketPolicy\n    Properties:\n      Bucket: b\n      PolicyDocument:\n        Statement:\n          - Effect: Allow\n            Principal: '*'\n            Action: s3:GetObject\n            Resource: arn:aws:s3:::b/*\n"
    },
    "refuse",
    DOC["s3public"],
)
case(
    T,
    "cfn-unknown-type-with-policy",
    STACK,
    {
        "templateBody": template(
            {
                "X": {
                    "Type": "AWS::Events::EventBusPolicy",
                    "Properties": {
                        "StatementId": "s",
                        "Statement": {"Effect": "Allow", "Principal": "*", "Action": "events:PutEvents"},
                    },
                }
            }
        )
    },
    "refuse",
    "issue: a type that carries a policy document and that the pack cannot read must not pass silently",
)
case(
    T,
    "cfn-transform",
    STACK,
    {"templateBody": template({}, Transform="AWS::Serverless-2016-10-31")},
    "refuse",
    "a Transform generates resources the template does not show",
)
case(
    T,
    "cfn-nested-stack",
    STACK,
    {
        "templateBody": template(
            {"N": {"Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL": "https://x/t.json"}}}
        )
    },
    "refuse",
    "a nested template is not shown",
)
case(
    T,
    "cfn-template-url",
    STACK,
    {"templateUrl": "https://example.com/t.json"},
    "refuse",
    "a template at a URL is not shown",
)
case(
    T,
    "cfn-intrinsic-principal",
    STACK,
    {
        "templateBody": template(
            {
                "R": {
                    "Type": "AWS::ECR::Repository",
                    "Properties": {
                        "RepositoryPolicyText": {
                            "Statement": [
                                {"Effect": "Allow", "Principal": {"AWS": {"Ref": "Who"}}, "Action": "ecr:BatchGetImage"}
                            ]
                        }
                    },
                }
            }
        )
    },
    "refuse",
    "an intrinsic decides the principal",
)
case(
    T,
    "cfn-sub-own-account",
    STACK,
    {
        "templateBody": template(
            {
                "R": {
                    "Type": "AWS::ECR::Repository",
                    "Properties": {
                        "RepositoryPolicyText": {
                            "Statement": [
                                {
                                    "Effect": "Allow",
                                    "Principal": {"AWS": OWN},
                                    "Action": "ecr:BatchGetImage",
                                    "Resource": {
                                        "Fn::Sub": "arn:aws:ecr:${AWS::Region}:${AWS::AccountId}:repository/x"
                                    },
                                }
                            ]
                        }
                    },
                }
            }
        )
    },
    "accept",
    "pack README: an unknown Resource cannot change the verdict when the principal is concrete",
)
case(
    T,
    "cloudcontrol-repository-foreign",
    CLOUDCONTROL,
    {
        "typeName": "AWS::ECR::Repository",
        "desiredState": json.dumps(
            {"RepositoryName": "r", "RepositoryPolicyText": json.loads(doc(st({"AWS": FOREIGN})))}
        ),
    },
    "refuse",
    DOC["cloudcontrol"],
)
case(
    T,
    "cloudcontrol-repository-own",
    CLOUDCONTROL,
    {
        "typeName": "AWS::ECR::Repository",
        "desiredState": json.dumps({"RepositoryName": "r", "RepositoryPolicyText": json.loads(doc(st({"AWS": OWN})))}),
    },
    "accept",
    DOC["cloudcontrol"],
)
case(
    T,
    "cloudcontrol-lambda-permission-star",
    CLOUDCONTROL,
    {
        "typeName": "AWS::Lambda::Permission",
        "desiredState": json.dumps({"FunctionName": "f", "Action": "lambda:InvokeFunction", "Principal": "*"}),
    },
    "refuse",
    DOC["cloudcontrol"],
)
case(
    T,
    "cloudcontrol-unknown-type-with-policy",
    CLOUDCONTROL,
    {
        "typeName": "AWS::Bedrock::AgentPolicy",
        "desiredState": json.dumps({"Policy": json.loads(doc(st({"AWS": OWN})))}),
    },
    "refuse",
    "issue: a type that carries a policy document and that the pack cannot read must not pass silently",
)
case(
    T,
    "cloudcontrol-key-policy-string",
    CLOUDCONTROL,
    {"typeName": "AWS::KMS::Key", "desiredState": json.dumps({"KeyPolicy": doc(st("*", "kms:*", Resource="*"))})},
    "refuse",
    DOC["cloudcontrol"],
)

# ---- restricted policies that must be accepted (false alarms) ------------------------------------------
R = "restricted"
DENY_OUTSIDE_ORG = st("*", "*", {"StringNotEquals": {"aws:PrincipalOrgID": ORG}}, "Deny", "OutsideOrg")
repo(R, "star-deny-outside-org", [st("*"), DENY_OUTSIDE_ORG], "accept", DOC["eval"])
repo(
    R,
    "star-deny-outside-org-lowercase-op",
    [st("*"), st("*", "*", {"stringnotequals": {"aws:principalorgid": ORG}}, "Deny")],
    "accept",
    f"{DOC['operators']}: operator names are case-insensitive",
)
repo(
    R,
    "star-deny-outside-org-ifexists",
    [st("*"), st("*", "*", {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": ORG}}, "Deny")],
    "accept",
    f"{DOC['operators']}: the Deny holds when the key is absent",
)
repo(
    R,
    "star-deny-other-org-only",
    [st("*"), st("*", "*", {"StringEquals": {"aws:PrincipalOrgID": OTHER_ORG}}, "Deny")],
    "refuse",
    DOC["eval"],
)
repo(
    R,
    "star-deny-outside-org-only-push",
    [st("*", PULL + PUSH), st("*", PUSH, {"StringNotEquals": {"aws:PrincipalOrgID": ORG}}, "Deny")],
    "refuse",
    f"{DOC['eval']}: pull stays open",
)
repo(
    R,
    "star-deny-outside-accounts",
    [st("*"), st("*", "*", {"StringNotEquals": {"aws:PrincipalAccount": [OWN, PARTNER]}}, "Deny")],
    "accept",
    DOC["eval"],
)
repo(
    R,
    "star-deny-notaction-outside-org",
    [st("*"), st("*", None, {"StringNotEquals": {"aws:PrincipalOrgID": ORG}}, "Deny", NotAction="ecr:DescribeImages")],
    "accept",
    f"{DOC['eval']}: the Deny covers every pull action",
)
repo(
    R,
    "star-deny-notaction-keeps-pull",
    [
        st("*"),
        {
            "Effect": "Deny",
            "Principal": "*",
            "NotAction": "ecr:BatchGetImage",
            "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": ORG}},
        },
    ],
    "refuse",
    f"{DOC['eval']}: BatchGetImage is not denied",
)
repo(
    R,
    "star-org-paths-own",
    [st("*", PULL, {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": [f"{ORG}/r-ab12/ou-ab12-11111111/*"]}})],
    "accept",
    DOC["global"],
)
repo(R, "star-org-id-own", [st("*", PULL, {"StringEquals": {"aws:PrincipalOrgID": ORG}})], "accept", DOC["global"])
repo(
    R,
    "star-org-id-foranyvalue",
    [st("*", PULL, {"ForAnyValue:StringEquals": {"aws:PrincipalOrgID": ORG}})],
    "accept",
    f"{DOC['multi']}: ForAnyValue on an absent key is false",
)
repo(
    R,
    "star-org-id-forallvalues",
    [st("*", PULL, {"ForAllValues:StringEquals": {"aws:PrincipalOrgID": ORG}})],
    "refuse",
    f"{DOC['multi']}: ForAllValues on an absent key is true",
)
repo(
    R,
    "star-org-id-other",
    [st("*", PULL, {"StringEquals": {"aws:PrincipalOrgID": OTHER_ORG}})],
    "refuse",
    DOC["global"],
)
repo(
    R,
    "star-org-id-null-false",
    [st("*", PULL, {"Null": {"aws:PrincipalOrgID": "false"}})],
    "refuse",
    f"{DOC['operators']}: any organization",
)
repo(
    R,
    "star-org-like-o-star",
    [st("*", PULL, {"StringLike": {"aws:PrincipalOrgID": "o-*"}})],
    "refuse",
    DOC["operators"],
)
repo(
    R,
    "star-numeric-account",
    [st("*", PULL, {"StringEquals": {"aws:PrincipalAccount": int(OWN)}})],
    "accept",
    DOC["operators"],
)
repo(
    R,
    "star-numeric-condition-only",
    [st("*", PULL, {"NumericLessThan": {"ecr:maxresults": 10}})],
    "refuse",
    DOC["operators"],
)
repo(
    R,
    "star-secure-transport",
    [st("*", PULL, {"Bool": {"aws:SecureTransport": True}})],
    "refuse",
    f"{DOC['global']}: any caller can use TLS",
)
repo(
    R,
    "star-source-vpce",
    [st("*", PULL, {"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}})],
    "accept",
    f"{DOC['s3public']}: a fixed VPC endpoint is not public",
)
repo(
    R,
    "star-source-ip-fixed",
    [st("*", PULL, {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}})],
    "accept",
    DOC["s3public"],
)
repo(R, "star-source-ip-any", [st("*", PULL, {"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}})], "refuse", DOC["s3public"])
repo(
    R,
    "star-not-source-ip",
    [st("*", PULL, {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}})],
    "refuse",
    DOC["operators"],
)
repo(
    R,
    "star-resource-account-own",
    [st("*", PULL, {"StringEquals": {"aws:ResourceAccount": OWN}})],
    "refuse",
    f"{DOC['global']}: aws:ResourceAccount is the resource's owner, not the caller's",
)
repo(
    R,
    "star-principal-account-variable",
    [st("*", PULL, {"StringEquals": {"aws:PrincipalAccount": "${aws:ResourceAccount}"}})],
    "accept",
    f"{DOC['variables']}: the caller's account must be the resource's",
)
repo(
    R,
    "star-principal-org-variable",
    [st("*", PULL, {"StringEquals": {"aws:PrincipalOrgID": "${aws:ResourceOrgID}"}})],
    "accept",
    f"{DOC['variables']}: the caller's organization must be the resource's",
)
repo(
    R,
    "star-deny-principal-account-variable",
    [st("*"), st("*", "*", {"StringNotEquals": {"aws:PrincipalAccount": "${aws:ResourceAccount}"}}, "Deny")],
    "accept",
    DOC["variables"],
)
repo(
    R,
    "star-deny-conditional-push-only",
    [st("*", PULL), st("*", "ecr:*", {"Bool": {"aws:SecureTransport": "false"}}, "Deny")],
    "refuse",
    DOC["eval"],
)
repo(
    R,
    "foreign-deny-specific",
    [st({"AWS": FOREIGN}), st({"AWS": FOREIGN}, "ecr:*", effect="Deny")],
    "accept",
    DOC["eval"],
)
repo(
    R,
    "foreign-deny-role-only",
    [st({"AWS": FOREIGN}), st({"AWS": f"arn:aws:iam::{FOREIGN}:role/x"}, "ecr:*", effect="Deny")],
    "refuse",
    f"{DOC['eval']}: other principals of {FOREIGN} remain",
)
kp = DOC["ecrkey"]
MANAGED = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:CreateGrant", "kms:DescribeKey"]
case(
    R,
    "kms-managed-ecr-shape",
    KEY,
    {
        "policy": doc(
            st(
                {"AWS": "*"},
                MANAGED,
                {"StringEquals": {"kms:CallerAccount": OWN, "kms:ViaService": "ecr.us-east-1.amazonaws.com"}},
                Resource="*",
            ),
            st({"AWS": f"arn:aws:iam::{OWN}:root"}, "kms:*", Resource="*"),
        )
    },
    "accept",
    kp,
)
case(
    R,
    "kms-via-service-only",
    KEY,
    {
        "policy": doc(
            st({"AWS": "*"}, MANAGED, {"StringEquals": {"kms:ViaService": "ecr.us-east-1.amazonaws.com"}}, Resource="*")
        )
    },
    "refuse",
    f"{DOC['kmskeys']}: any account can call through ECR",
)
case(
    R,
    "kms-caller-account-foreign",
    KEY,
    {"policy": doc(st({"AWS": "*"}, MANAGED, {"StringEquals": {"kms:CallerAccount": FOREIGN}}, Resource="*"))},
    "refuse",
    DOC["kmskeys"],
)
case(
    R,
    "kms-deny-other-caller",
    KEY,
    {
        "policy": doc(
            st("*", "kms:*", Resource="*"),
            st("*", "kms:*", {"StringNotEquals": {"kms:CallerAccount": OWN}}, "Deny", Resource="*"),
        )
    },
    "accept",
    DOC["kmskeys"],
)
case(
    R,
    "kms-caller-account-list",
    KEY,
    {
        "policy": doc(
            st({"AWS": "*"}, "kms:Decrypt", {"StringEquals": {"kms:CallerAccount": [OWN, PARTNER]}}, Resource="*")
        )
    },
    "accept",
    DOC["kmskeys"],
)
case(
    R,
    "kms-caller-account-ifexists",
    KEY,
    {
        "policy": doc(
            st({"AWS": "*"}, "kms:Decrypt", {"StringEqualsIfExists": {"kms:CallerAccount": OWN}}, Resource="*")
        )
    },
    "refuse",
    DOC["operators"],
)
case(
    R,
    "kms-grant-is-for-aws-resource",
    KEY,
    {"policy": doc(st({"AWS": "*"}, "kms:CreateGrant", {"Bool": {"kms:GrantIsForAWSResource": "true"}}, Resource="*"))},
    "refuse",
    DOC["kmskeys"],
)
case(
    R,
    "bucket-star-deny-outside-org",
    BUCKET,
    {
        "bucket": "b",
        "policy": doc(
            st("*", "s3:GetObject", Resource="arn:aws:s3:::b/*"),
            st(
                "*",
                "s3:*",
                {"StringNotEquals": {"aws:PrincipalOrgID": ORG}},
                "Deny",
                Resource=["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
            ),
        ),
    },
    "accept",
    DOC["eval"],
)
case(
    R,
    "bucket-deny-covers-other-resource",
    BUCKET,
    {
        "bucket": "b",
        "policy": doc(
            st("*", "s3:GetObject", Resource="arn:aws:s3:::b/*"),
            st(
                "*",
                "s3:*",
                {"StringNotEquals": {"aws:PrincipalOrgID": ORG}},
                "Deny",
                Resource="arn:aws:s3:::b/private/*",
            ),
        ),
    },
    "refuse",
    f"{DOC['resource']}: objects outside private/ stay public",
)
case(
    R,
    "bucket-notresource-allow",
    BUCKET,
    {"bucket": "b", "policy": doc(st("*", "s3:GetObject", NotResource="arn:aws:s3:::b/private/*"))},
    "refuse",
    DOC["notresource"],
)
case(
    R,
    "bucket-deny-notresource",
    BUCKET,
    {
        "bucket": "b",
        "policy": doc(
            st("*", "s3:GetObject", Resource="arn:aws:s3:::b/*"),
            st(
                "*",
                "s3:*",
                {"StringNotEquals": {"aws:PrincipalOrgID": ORG}},
                "Deny",
                NotResource="arn:aws:s3:::other/*",
            ),
        ),
    },
    "accept",
    DOC["notresource"],
)
case(
    R,
    "topic-star-source-owner",
    TOPIC,
    {
        "arn": "t",
        "policy": doc(st({"AWS": "*"}, "sns:Publish", {"StringEquals": {"aws:SourceOwner": OWN}}, Resource="*")),
    },
    "accept",
    DOC["global"],
)
case(
    R,
    "queue-star-source-account",
    QUEUE,
    {
        "queueUrl": "q",
        "policy": doc(st("*", "sqs:SendMessage", {"StringEquals": {"aws:SourceAccount": OWN}}, Resource="*")),
    },
    "accept",
    DOC["global"],
)

# ---- four readers: element names, NotResource, conditional Deny, pull, wildcard matching ----------------
C = "readers"
repo(
    C,
    "lowercase-everything",
    [{"effect": "Allow", "principal": {"AWS": "*"}, "action": "ecr:BatchGetImage"}],
    "refuse",
    DOC["elements"],
)
repo(
    C,
    "lowercase-principal-kind",
    [{"Effect": "Allow", "Principal": {"aws": "*"}, "Action": "ecr:BatchGetImage"}],
    "refuse",
    f"{DOC['principal']}: the kinds are AWS, Service, Federated, CanonicalUser; an unknown kind is refused rather than guessed",
)
repo(
    C,
    "effect-lowercase-deny",
    [st("*"), {"Effect": "deny", "Principal": "*", "Action": "*"}],
    "refuse",
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_effect.html: the Effect value is case sensitive",
)
repo(
    C,
    "mixed-case-action",
    [st("*", "ECR:batchgetimage")],
    "refuse",
    f"{DOC['elements']}: action names are case-insensitive",
)
repo(C, "action-glob-get", [st("*", "ecr:Get*")], "refuse", "ecr:GetDownloadUrlForLayer is a pull action")
repo(C, "action-glob-question", [st("*", "ecr:BatchGetImag?")], "refuse", DOC["elements"])
repo(C, "action-star", [st("*", "*")], "refuse", DOC["elements"])
repo(C, "notaction-allow", [st("*", None, NotAction="ecr:PutImage")], "refuse", DOC["elements"])
repo(
    C,
    "describe-only-star",
    [st("*", ["ecr:DescribeImages", "ecr:ListImages"])],
    "refuse",
    f"{DOC['analyzer']}: any action an outsider gets is external access",
)
repo(C, "deny-all-for-everyone", [st("*"), st("*", "*", effect="Deny")], "accept", DOC["eval"])
repo(
    C,
    "deny-lowercase-elements",
    [
        st("*"),
        {
            "effect": "Deny",
            "principal": "*",
            "action": "*",
            "condition": {"StringNotEquals": {"aws:PrincipalOrgID": ORG}},
        },
    ],
    "accept",
    DOC["elements"],
)
repo(C, "statement-object-not-list", [], "refuse", DOC["elements"])
CASES[-1]["properties"]["policy"] = json.dumps(
    {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Principal": "*", "Action": "ecr:BatchGetImage"}}
)
repo(
    C,
    "resource-glob-account",
    [st("*", PULL, Resource="arn:aws:ecr:us-east-1:*:repository/*")],
    "refuse",
    DOC["resource"],
)
repo(
    C,
    "principal-glob-in-arn",
    [st({"AWS": "arn:aws:iam::*:role/puller"})],
    "refuse",
    f"{DOC['principal']}: a wildcard in a principal ARN matches every account",
)
repo(C, "principal-account-question", [st({"AWS": "12345678901?"})], "refuse", DOC["principal"])
repo(
    C,
    "principal-arn-glob-own-account",
    [st("*", PULL, {"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{OWN}:*"}})],
    "accept",
    DOC["global"],
)
repo(
    C,
    "principal-arn-stringlike-prefix",
    [st("*", PULL, {"StringLike": {"aws:PrincipalArn": "arn:aws:iam::123456789012*"}})],
    "accept",
    f"{DOC['operators']}: an account id has 12 digits, so only the own account's ARNs match",
)
repo(
    C,
    "principal-arn-stringlike-short-prefix",
    [st("*", PULL, {"StringLike": {"aws:PrincipalArn": "arn:aws:iam::12345678901*"}})],
    "refuse",
    f"{DOC['operators']}: 12345678901* also matches the account 123456789019",
)
repo(
    C,
    "condition-two-keys-and",
    [st("*", PULL, {"StringEquals": {"aws:PrincipalOrgID": ORG, "aws:SourceVpce": "vpce-1"}})],
    "accept",
    DOC["operators"],
)
repo(
    C,
    "condition-bool-string-true",
    [st("*", PULL, {"Bool": {"aws:PrincipalIsAWSService": "false"}, "StringEquals": {"aws:PrincipalAccount": OWN}})],
    "accept",
    DOC["global"],
)
repo(
    C,
    "duplicate-principal-spelling",
    [{"Effect": "Allow", "Principal": {"AWS": OWN}, "principal": "*", "Action": "ecr:BatchGetImage"}],
    "refuse",
    "two spellings of one element: refused rather than guessed",
)

# ---- more near-misses (probed while red-teaming) ------------------------------------------------------------
repo(
    R,
    "star-org-id-ignorecase-capitals",
    [st("*", PULL, {"StringEqualsIgnoreCase": {"aws:PrincipalOrgID": ORG.upper()}})],
    "accept",
    "https://docs.aws.amazon.com/organizations/latest/APIReference/API_Organization.html: ids are o-[a-z0-9]{10,32}",
)
repo(
    R,
    "star-org-id-self-variable",
    [st("*", PULL, {"StringEquals": {"aws:PrincipalOrgID": "${aws:PrincipalOrgID}"}})],
    "refuse",
    f"{DOC['variables']}: every caller's organization equals itself",
)
repo(
    R,
    "star-org-id-foranyvalue-negated",
    [st("*", PULL, {"ForAnyValue:StringNotEquals": {"aws:PrincipalOrgID": ORG}})],
    "refuse",
    DOC["multi"],
)
repo(
    R,
    "star-org-id-list-with-other",
    [st("*", PULL, {"StringEquals": {"aws:PrincipalOrgID": [ORG, OTHER_ORG]}})],
    "refuse",
    DOC["operators"],
)
repo(
    R,
    "star-org-paths-root-of-own",
    [st("*", PULL, {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": f"{ORG}/*"}})],
    "accept",
    DOC["global"],
)
repo(
    R,
    "star-org-paths-any-org",
    [st("*", PULL, {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": "o-*/*"}})],
    "refuse",
    DOC["global"],
)
repo(
    R,
    "star-org-paths-forallvalues",
    [st("*", PULL, {"ForAllValues:StringLike": {"aws:PrincipalOrgPaths": f"{ORG}/*"}})],
    "refuse",
    DOC["multi"],
)
repo(
    R,
    "star-date-bound",
    [st("*", PULL, {"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}})],
    "refuse",
    f"{DOC['operators']}: any caller before 2030",
)
repo(
    R,
    "star-epoch-bound",
    [st("*", PULL, {"DateGreaterThan": {"aws:EpochTime": 1700000000}})],
    "refuse",
    DOC["operators"],
)
repo(
    R,
    "star-calledvia",
    [st("*", PULL, {"ForAnyValue:StringEquals": {"aws:CalledVia": "sagemaker.amazonaws.com"}})],
    "refuse",
    f"{DOC['global']}: any account's principal can call through SageMaker",
)
repo(R, "star-via-aws-service", [st("*", PULL, {"Bool": {"aws:ViaAWSService": "true"}})], "refuse", DOC["global"])
repo(
    R,
    "star-principal-type",
    [st("*", PULL, {"StringEquals": {"aws:PrincipalType": "AssumedRole"}})],
    "refuse",
    DOC["global"],
)
repo(
    R,
    "star-principal-is-not-service",
    [st("*", PULL, {"Bool": {"aws:PrincipalIsAWSService": "false"}})],
    "refuse",
    DOC["global"],
)
repo(
    R,
    "star-resource-tag",
    [st("*", PULL, {"StringEquals": {"aws:ResourceTag/team": "nlp"}})],
    "refuse",
    f"{DOC['global']}: a tag of the resource says nothing about the caller",
)
repo(
    R,
    "star-deny-resource-tag",
    [st("*"), st("*", "*", {"StringNotEquals": {"aws:ResourceTag/team": "nlp"}}, "Deny")],
    "refuse",
    DOC["global"],
)
repo(
    R,
    "star-deny-two-conditions",
    [
        st("*"),
        st("*", "*", {"StringNotEquals": {"aws:PrincipalOrgID": ORG}, "Bool": {"aws:SecureTransport": "true"}}, "Deny"),
    ],
    "refuse",
    f"{DOC['operators']}: the Deny needs both; an outsider over plain HTTP escapes it",
)
repo(
    R,
    "star-deny-principal-arn-not-own",
    [st("*"), st("*", "*", {"ArnNotLike": {"aws:PrincipalArn": f"arn:aws:iam::{OWN}:*"}}, "Deny")],
    "accept",
    f"{DOC['operators']}: ArnNotLike holds for an absent key, so anonymous callers are denied too",
)
repo(
    R,
    "star-userid-own-role",
    [st("*", PULL, {"StringLike": {"aws:userid": "AROAEXAMPLEID:*"}})],
    "refuse",
    f"{DOC['s3public']}: a fixed aws:userid restricts, but not the pattern AROLEID:* (any session of a role)",
)
repo(
    R,
    "star-userid-fixed-session",
    [st("*", PULL, {"StringEquals": {"aws:userid": ["AROAEXAMPLEID:model-server", "AIDAEXAMPLEUSER"]}})],
    "accept",
    f"{DOC['s3public']}: fixed values of aws:userid name one session of a role, or one user",
)
repo(
    R,
    "star-numeric-account-list",
    [st("*", PULL, {"StringEquals": {"aws:PrincipalAccount": [int(OWN), int(PARTNER)]}})],
    "accept",
    DOC["operators"],
)
case(
    R,
    "kms-caller-account-numeric",
    KEY,
    {"policy": doc(st({"AWS": "*"}, "kms:Decrypt", {"StringEquals": {"kms:CallerAccount": int(OWN)}}, Resource="*"))},
    "accept",
    DOC["kmskeys"],
)
repo(
    P,
    "partner-with-foreign-account-condition",
    [st({"AWS": PARTNER}, PULL, {"StringEquals": {"aws:PrincipalAccount": FOREIGN}})],
    "accept",
    f"{DOC['global']}: no principal of {PARTNER} has the account {FOREIGN}",
)
repo(
    P,
    "notprincipal-deny-account-only",
    [
        st({"AWS": f"arn:aws:iam::{FOREIGN}:role/x"}),
        {"Effect": "Deny", "NotPrincipal": {"AWS": f"arn:aws:iam::{OWN}:root"}, "Action": "*"},
    ],
    "accept",
    DOC["notprincipal"],
)
repo(
    P,
    "notprincipal-deny-keeps-a-service",
    [st("*"), {"Effect": "Deny", "NotPrincipal": {"AWS": OWN, "Service": "ecr.amazonaws.com"}, "Action": "*"}],
    "refuse",
    f"{DOC['notprincipal']}, {DOC['deputy']}: ecr.amazonaws.com stays allowed with no source",
)
repo(P, "service-star", [st({"Service": "*"})], "refuse", dp)
repo(P, "aws-and-cognito", [st({"AWS": [OWN], "Federated": "cognito-identity.amazonaws.com"})], "refuse", DOC["wif"])
repo(
    P,
    "foreign-on-other-repository-resource",
    [st({"AWS": FOREIGN}, PULL, Resource=f"arn:aws:ecr:us-east-1:{OWN}:repository/other")],
    "refuse",
    f"{DOC['resource']}: the pack does not know which repository the policy is attached to",
)
role(
    P,
    "trust-foreign-external-id",
    [st({"AWS": FOREIGN}, "sts:AssumeRole", {"StringEquals": {"sts:ExternalId": "abc"}})],
    "refuse",
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_common-scenarios_third-party.html: the third party is outside",
)
role(
    P,
    "trust-star-external-id",
    [st({"AWS": "*"}, "sts:AssumeRole", {"StringEquals": {"sts:ExternalId": "abc"}})],
    "refuse",
    DOC["global"],
)
role(
    P,
    "trust-star-own-org",
    [st({"AWS": "*"}, "sts:AssumeRole", {"StringEquals": {"aws:PrincipalOrgID": ORG}})],
    "accept",
    DOC["global"],
)
role(
    P,
    "trust-partner-role",
    [st({"AWS": f"arn:aws:iam::{PARTNER}:role/chat-inference"}, ["sts:AssumeRole", "sts:TagSession"])],
    "accept",
    DOC["principal"],
)
role(
    P,
    "trust-foreign-tag-session",
    [st({"AWS": f"arn:aws:iam::{FOREIGN}:root"}, "sts:TagSession")],
    "refuse",
    DOC["analyzer"],
)
role(
    F,
    "github-literal-star-stringequals",
    [st({"Federated": GH}, "sts:AssumeRoleWithWebIdentity", {"StringEquals": {SUB: "repo:acme/models:*"}})],
    "accept",
    f"{DOC['operators']}: StringEquals takes * literally",
)
role(
    F,
    "github-sub-foranyvalue-own",
    [st({"Federated": GH}, "sts:AssumeRoleWithWebIdentity", {"ForAnyValue:StringLike": {SUB: "repo:acme/*"}})],
    "accept",
    DOC["multi"],
)
role(
    F,
    "github-sub-null-false",
    [st({"Federated": GH}, "sts:AssumeRoleWithWebIdentity", {"Null": {SUB: "false"}})],
    "refuse",
    DOC["operators"],
)
role(
    F,
    "github-sub-ignorecase-own",
    [
        st(
            {"Federated": GH},
            "sts:AssumeRoleWithWebIdentity",
            {"StringEqualsIgnoreCase": {SUB: "repo:ACME/models:ref:refs/heads/main"}},
        )
    ],
    "accept",
    g,
)
role(
    F,
    "github-own-minus-one-repo",
    [
        st(
            {"Federated": GH},
            "sts:AssumeRoleWithWebIdentity",
            {"StringLike": {SUB: "repo:acme/*"}, "StringNotLike": {SUB: "repo:acme/secret:*"}},
        )
    ],
    "accept",
    g,
)
role(
    F,
    "cognito-aud-glob",
    [
        st(
            {"Federated": "cognito-identity.amazonaws.com"},
            "sts:AssumeRoleWithWebIdentity",
            {"StringLike": {"cognito-identity.amazonaws.com:aud": "us-east-1:*"}},
        )
    ],
    "refuse",
    DOC["wif"],
)
role(
    F,
    "google-one-user",
    [
        st(
            {"Federated": "accounts.google.com"},
            "sts:AssumeRoleWithWebIdentity",
            {"StringEquals": {"accounts.google.com:sub": "110248495921238986420"}},
        )
    ],
    "accept",
    DOC["wif"],
)
repo(
    D,
    "source-account-stringlike-star",
    [st({"Service": "s.amazonaws.com"}, PULL, {"StringLike": {"aws:SourceAccount": "*"}})],
    "refuse",
    dp,
)
repo(
    D,
    "source-arn-whole-star",
    [st({"Service": "s.amazonaws.com"}, PULL, {"ArnLike": {"aws:SourceArn": "*"}})],
    "refuse",
    dp,
)
repo(
    D,
    "source-arn-s3-any-with-own-account",
    [
        st(
            {"Service": "s3.amazonaws.com"},
            PULL,
            {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::*"}, "StringEquals": {"aws:SourceAccount": OWN}},
        )
    ],
    "accept",
    dp,
)
repo(
    D,
    "source-arn-stringlike-any-account",
    [st({"Service": "s.amazonaws.com"}, PULL, {"StringLike": {"aws:SourceArn": "arn:aws:s:*:*"}})],
    "refuse",
    dp,
)

# ---- more types with a policy property: read, so an own-account policy passes and a public one is refused ----
for resource_type, prop, action, label in [
    ("aws:glacier/vault:Vault", "accessPolicy", "glacier:InitiateJob", "glacier-vault"),
    ("aws:opensearch/domain:Domain", "accessPolicies", "es:ESHttpGet", "opensearch-domain"),
    ("aws:elasticsearch/domain:Domain", "accessPolicies", "es:ESHttpGet", "elasticsearch-domain"),
    ("aws:s3/accessPoint:AccessPoint", "policy", "s3:GetObject", "s3-access-point"),
    ("aws:s3control/accessPointPolicy:AccessPointPolicy", "policy", "s3:GetObject", "s3control-access-point-policy"),
    ("aws:kinesis/resourcePolicy:ResourcePolicy", "policy", "kinesis:GetRecords", "kinesis-resource-policy"),
    (
        "aws:codebuild/resourcePolicy:ResourcePolicy",
        "policy",
        "codebuild:BatchGetProjects",
        "codebuild-resource-policy",
    ),
    (
        "aws:cloudwatch/logDestinationPolicy:LogDestinationPolicy",
        "accessPolicy",
        "logs:PutSubscriptionFilter",
        "log-destination",
    ),
]:
    case(T, f"{label}-star", resource_type, {prop: doc(st("*", action, Resource="*"))}, "refuse", DOC["analyzer"])
    case(
        T,
        f"{label}-own",
        resource_type,
        {prop: doc(st({"AWS": f"arn:aws:iam::{OWN}:root"}, action, Resource="*"))},
        "accept",
        DOC["analyzer"],
    )
for cfn_type, prop, label in [
    ("AWS::OpenSearchService::Domain", "AccessPolicies", "opensearch"),
    ("AWS::EFS::FileSystem", "FileSystemPolicy", "efs"),
    ("AWS::ApiGateway::RestApi", "Policy", "apigateway"),
]:
    case(
        T,
        f"cfn-{label}-star",
        STACK,
        {
            "templateBody": template(
                {"X": {"Type": cfn_type, "Properties": {prop: json.loads(doc(st("*", "*", Resource="*")))}}}
            )
        },
        "refuse",
        DOC["analyzer"],
    )
    case(
        T,
        f"cfn-{label}-own",
        STACK,
        {
            "templateBody": template(
                {"X": {"Type": cfn_type, "Properties": {prop: json.loads(doc(st({"AWS": OWN}, "*", Resource="*")))}}}
            )
        },
        "accept",
        DOC["analyzer"],
    )

# ---- S3 ACLs: IAM Access Analyzer's BUCKET_ACL finding source -------------------------------------------------
ACL = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html"
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
LOG_DELIVERY = "http://acs.amazonaws.com/groups/s3/LogDelivery"
OWNER = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"
ACL_V2 = "aws:s3/bucketAclV2:BucketAclV2"


def acl_policy(*grants):
    return {"owner": {"id": OWNER}, "grants": [{"grantee": g, "permission": p} for g, p in grants]}


case(T, "s3-acl-public-read", ACL_V2, {"bucket": "b", "acl": "public-read"}, "refuse", f"{ACL}: AllUsers is anyone")
case(T, "s3-acl-public-read-write", ACL_V2, {"bucket": "b", "acl": "public-read-write"}, "refuse", ACL)
case(
    T,
    "s3-acl-authenticated-read",
    ACL_V2,
    {"bucket": "b", "acl": "authenticated-read"},
    "refuse",
    f"{ACL}: AuthenticatedUsers is any AWS account",
)
case(T, "s3-acl-private", ACL_V2, {"bucket": "b", "acl": "private"}, "accept", ACL)
case(
    T,
    "s3-acl-log-delivery-write",
    ACL_V2,
    {"bucket": "b", "acl": "log-delivery-write"},
    "accept",
    f"{ACL}: LogDelivery is S3's own log delivery",
)
case(
    T,
    "s3-acl-owner-and-log-delivery",
    ACL_V2,
    {
        "bucket": "b",
        "accessControlPolicy": acl_policy(
            ({"type": "CanonicalUser", "id": OWNER}, "FULL_CONTROL"), ({"type": "Group", "uri": LOG_DELIVERY}, "WRITE")
        ),
    },
    "accept",
    ACL,
)
case(
    T,
    "s3-acl-grant-all-users",
    ACL_V2,
    {
        "bucket": "b",
        "accessControlPolicy": acl_policy(
            ({"type": "CanonicalUser", "id": OWNER}, "FULL_CONTROL"), ({"type": "Group", "uri": ALL_USERS}, "READ")
        ),
    },
    "refuse",
    ACL,
)
case(
    T,
    "s3-acl-grant-authenticated",
    ACL_V2,
    {"bucket": "b", "accessControlPolicy": acl_policy(({"type": "Group", "uri": AUTHENTICATED}, "READ_ACP"))},
    "refuse",
    ACL,
)
case(
    T,
    "s3-acl-grant-other-canonical-user",
    ACL_V2,
    {"bucket": "b", "accessControlPolicy": acl_policy(({"type": "CanonicalUser", "id": "be1e7f3c" * 8}, "READ"))},
    "refuse",
    f"{ACL}: another canonical user is another account",
)
case(
    T,
    "s3-acl-grant-email",
    ACL_V2,
    {
        "bucket": "b",
        "accessControlPolicy": acl_policy(
            ({"type": "AmazonCustomerByEmail", "emailAddress": "someone@example.com"}, "READ")
        ),
    },
    "refuse",
    ACL,
)
case(
    T,
    "s3-bucketv2-grants-all-users",
    "aws:s3/bucketV2:BucketV2",
    {"grants": [{"type": "Group", "uri": ALL_USERS, "permissions": ["READ"]}]},
    "refuse",
    ACL,
)
case(
    T,
    "s3-object-public-read",
    "aws:s3/bucketObjectv2:BucketObjectv2",
    {"bucket": "b", "key": "model.bin", "acl": "public-read"},
    "refuse",
    ACL,
)
case(
    T,
    "s3-object-owner-full-control",
    "aws:s3/bucketObjectv2:BucketObjectv2",
    {"bucket": "b", "key": "model.bin", "acl": "bucket-owner-full-control"},
    "accept",
    ACL,
)
case(
    T,
    "cfn-s3-bucket-public-read",
    STACK,
    {"templateBody": template({"B": {"Type": "AWS::S3::Bucket", "Properties": {"AccessControl": "PublicRead"}}})},
    "refuse",
    ACL,
)
case(
    T,
    "cfn-s3-bucket-private",
    STACK,
    {"templateBody": template({"B": {"Type": "AWS::S3::Bucket", "Properties": {"AccessControl": "Private"}}})},
    "accept",
    ACL,
)

# ---- VPC endpoint owners ----------------------------------------------------------------------------------
VPCE = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-vpceaccount"
)
repo(R, "star-vpce-account-own", [st("*", PULL, {"StringEquals": {"aws:VpceAccount": OWN}})], "accept", VPCE)
repo(
    R,
    "star-vpce-account-foreign",
    [st("*", PULL, {"StringEquals": {"aws:VpceAccount": FOREIGN}})],
    "refuse",
    f"{VPCE}: the endpoint is an outsider's",
)
repo(R, "star-vpce-org-own", [st("*", PULL, {"StringEquals": {"aws:VpceOrgID": ORG}})], "accept", VPCE)
repo(R, "star-vpce-org-other", [st("*", PULL, {"StringEquals": {"aws:VpceOrgID": OTHER_ORG}})], "refuse", VPCE)
repo(
    R,
    "star-vpce-org-paths-own",
    [st("*", PULL, {"ForAnyValue:StringLike": {"aws:VpceOrgPaths": f"{ORG}/*"}})],
    "accept",
    VPCE,
)
repo(
    R,
    "star-source-vpc-glob",
    [st("*", PULL, {"StringLike": {"aws:SourceVpc": "vpc-*"}})],
    "refuse",
    f"{DOC['s3public']}: any VPC",
)
repo(
    R,
    "star-source-ip-private-range",
    [st("*", PULL, {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})],
    "accept",
    DOC["s3public"],
)
repo(
    R,
    "star-source-ip-with-ipv6-any",
    [st("*", PULL, {"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "::/0"]}})],
    "refuse",
    DOC["s3public"],
)
repo(
    R,
    "star-principal-arn-resource-account-variable",
    [st("*", PULL, {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::${aws:ResourceAccount}:role/*"}})],
    "accept",
    DOC["variables"],
)
repo(
    D,
    "source-account-resource-account-variable",
    [st({"Service": "s.amazonaws.com"}, PULL, {"StringEquals": {"aws:SourceAccount": "${aws:ResourceAccount}"}})],
    "accept",
    DOC["variables"],
)
repo(
    P,
    "foreign-but-only-if-service",
    [st({"AWS": FOREIGN}, PULL, {"Bool": {"aws:PrincipalIsAWSService": "true"}})],
    "accept",
    f"{DOC['global']}: an account's principal is no service",
)
repo(
    P,
    "notprincipal-allow-within-org",
    [
        {
            "Effect": "Allow",
            "NotPrincipal": {"AWS": OWN},
            "Action": PULL,
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": ORG}},
        }
    ],
    "accept",
    DOC["notprincipal"],
)
role(F, "star-web-identity-no-condition", [st("*", "sts:AssumeRoleWithWebIdentity")], "refuse", DOC["principal"])
role(
    F,
    "github-open-allow-deny-ifexists",
    [
        st({"Federated": GH}, "sts:AssumeRoleWithWebIdentity"),
        st({"Federated": GH}, "sts:AssumeRoleWithWebIdentity", {"StringNotLikeIfExists": {SUB: "repo:acme/*"}}, "Deny"),
    ],
    "accept",
    DOC["operators"],
)
case(
    R,
    "kms-caller-account-negated-foreign",
    KEY,
    {"policy": doc(st({"AWS": "*"}, "kms:Decrypt", {"StringNotEquals": {"kms:CallerAccount": FOREIGN}}, Resource="*"))},
    "refuse",
    DOC["operators"],
)

# ---- CloudFormation pseudo parameters: AWS::AccountId is the account the stack deploys to ---------------------
PSEUDO = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/pseudo-parameter-reference.html"
KEY_YAML = (
    "Resources:\n  K:\n    Type: AWS::KMS::Key\n    Properties:\n      KeyPolicy:\n        Statement:\n"
    "          - Effect: Allow\n            Principal:\n              AWS: {principal}\n"
    "            Action: kms:*\n            Resource: '*'\n"
)
case(
    T,
    "cfn-yaml-sub-own-account-root",
    STACK,
    {"templateBody": KEY_YAML.format(principal="!Sub arn:${AWS::Partition}:iam::${AWS::AccountId}:root")},
    "accept",
    PSEUDO,
)
case(
    T,
    "cfn-yaml-sub-parameter-principal",
    STACK,
    {"templateBody": KEY_YAML.format(principal="!Sub arn:aws:iam::${Partner}:root")},
    "refuse",
    "a template parameter decides the principal",
)
FIND_IN_MAP = (
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-findinmap.html"
)
ACCOUNTS_MAP = f"Mappings:\n  Accounts:\n    Consumers: {{Own: '{OWN}', Other: '{FOREIGN}'}}\n"
for name, principal, verdict, why in [
    (
        "cfn-yaml-findinmap-own",
        "!FindInMap [Accounts, Consumers, Own]",
        "accept",
        "the template's own map: the own account",
    ),
    (
        "cfn-yaml-findinmap-foreign",
        "!FindInMap [Accounts, Consumers, Other]",
        "refuse",
        "the map names another account",
    ),
    (
        "cfn-yaml-findinmap-by-region",
        "!FindInMap [Accounts, !Ref AWS::Region, Own]",
        "refuse",
        "a key known only at deploy time: cannot be evaluated",
    ),
]:
    case(
        T,
        name,
        STACK,
        {"templateBody": ACCOUNTS_MAP + KEY_YAML.format(principal=principal)},
        verdict,
        f"{FIND_IN_MAP}: {why}",
    )
case(
    T,
    "cfn-yaml-literal-foreign-root",
    STACK,
    {"templateBody": KEY_YAML.format(principal=f"arn:aws:iam::{FOREIGN}:root")},
    "refuse",
    DOC["analyzer"],
)
case(
    T,
    "cfn-join-own-account-root",
    STACK,
    {
        "templateBody": template(
            {
                "K": {
                    "Type": "AWS::KMS::Key",
                    "Properties": {
                        "KeyPolicy": json.loads(
                            doc(
                                st(
                                    {"AWS": {"Fn::Join": ["", ["arn:aws:iam::", {"Ref": "AWS::AccountId"}, ":root"]]}},
                                    "kms:*",
                                    Resource="*",
                                )
                            )
                        )
                    },
                }
            }
        )
    },
    "accept",
    PSEUDO,
)
case(
    T,
    "cfn-managed-ecr-key-shape",
    STACK,
    {
        "templateBody": template(
            {
                "K": {
                    "Type": "AWS::KMS::Key",
                    "Properties": {
                        "KeyPolicy": json.loads(
                            doc(
                                st(
                                    {"AWS": "*"},
                                    "kms:Decrypt",
                                    {
                                        "StringEquals": {
                                            "kms:CallerAccount": {"Ref": "AWS::AccountId"},
                                            "kms:ViaService": {"Fn::Sub": "ecr.${AWS::Region}.amazonaws.com"},
                                        }
                                    },
                                    Resource="*",
                                )
                            )
                        )
                    },
                }
            }
        )
    },
    "accept",
    f"{PSEUDO}, {DOC['ecrkey']}",
)
case(
    T,
    "cfn-lambda-permission-s3-own-account",
    STACK,
    {
        "templateBody": template(
            {
                "P": {
                    "Type": "AWS::Lambda::Permission",
                    "Properties": {
                        "FunctionName": "f",
                        "Action": "lambda:InvokeFunction",
                        "Principal": "s3.amazonaws.com",
                        "SourceAccount": {"Ref": "AWS::AccountId"},
                        "SourceArn": "arn:aws:s3:::models",
                    },
                }
            }
        )
    },
    "accept",
    f"{PSEUDO}, {DOC['lambda']}",
)
case(
    T,
    "cfn-lambda-permission-source-from-parameter",
    STACK,
    {
        "templateBody": template(
            {
                "P": {
                    "Type": "AWS::Lambda::Permission",
                    "Properties": {
                        "FunctionName": "f",
                        "Action": "lambda:InvokeFunction",
                        "Principal": "s3.amazonaws.com",
                        "SourceAccount": {"Ref": "SourceAccount"},
                    },
                }
            }
        )
    },
    "refuse",
    "a template parameter decides the source",
)

# ---- more Lambda permissions, grants and the managed ECR key as AWS writes it ---------------------------------
for label, props, verdict in [
    ("foreign-in-own-org", {"principal": FOREIGN, "principalOrgId": ORG}, "accept"),
    (
        "service-own-account-foreign-arn",
        {
            "principal": "events.amazonaws.com",
            "sourceAccount": OWN,
            "sourceArn": f"arn:aws:events:us-east-1:{FOREIGN}:rule/x",
        },
        "accept",
    ),
    ("star-own-topic-only", {"principal": "*", "sourceArn": f"arn:aws:sns:us-east-1:{OWN}:t"}, "accept"),
    (
        "apigateway-own-api",
        {"principal": "apigateway.amazonaws.com", "sourceArn": f"arn:aws:execute-api:us-east-1:{OWN}:abc/*/GET/x"},
        "accept",
    ),
    (
        "apigateway-any-account",
        {"principal": "apigateway.amazonaws.com", "sourceArn": "arn:aws:execute-api:us-east-1:*:abc/*"},
        "refuse",
    ),
    ("alexa-no-source", {"principal": "alexa-appkit.amazon.com"}, "refuse"),
]:
    case(
        D,
        f"lambda-{label}",
        PERMISSION,
        {"function": "model-server", "action": "lambda:InvokeFunction"} | props,
        verdict,
        lp,
    )
case(
    T,
    "kms-grant-foreign-account-id",
    GRANT,
    {"keyId": "k", "granteePrincipal": FOREIGN, "operations": ["Decrypt"]},
    "refuse",
    DOC["kmsgrant"],
)
case(
    T,
    "kms-grant-partner-role",
    GRANT,
    {"keyId": "k", "granteePrincipal": f"arn:aws:iam::{PARTNER}:role/x", "operations": ["Decrypt"]},
    "accept",
    DOC["kmsgrant"],
)
case(
    R,
    "kms-managed-ecr-key-as-aws-writes-it",
    KEY,
    {
        "policy": json.dumps(
            {
                "Version": "2012-10-17",
                "Id": "auto-ecr-1",
                "Statement": [
                    {
                        "Sid": "Allow access through Amazon ECR for all principals in the account that are authorized to use Amazon ECR",
                        "Effect": "Allow",
                        "Principal": {"AWS": "*"},
                        "Action": MANAGED,
                        "Resource": "*",
                        "Condition": {
                            "StringEquals": {"kms:CallerAccount": OWN, "kms:ViaService": "ecr.us-east-1.amazonaws.com"}
                        },
                    },
                    {
                        "Sid": "Allow direct access to key metadata to the account",
                        "Effect": "Allow",
                        "Principal": {"AWS": f"arn:aws:iam::{OWN}:root"},
                        "Action": ["kms:Describe*", "kms:Get*", "kms:List*", "kms:RevokeGrant"],
                        "Resource": "*",
                    },
                ],
            }
        )
    },
    "accept",
    kp,
)

# ---- a key repeated in a template hides one of two values ------------------------------------------------------
REPEATED = "a repeated key: which value counts is not evident, so it is refused rather than guessed"
case(
    T,
    "cfn-json-repeated-principal",
    STACK,
    {
        "templateBody": '{"Resources": {"R": {"Type": "AWS::ECR::Repository", "Properties": {"RepositoryPolicyText": {"Statement": [{"Effect": "Allow", "Principal": "*", "Principal": {"AWS": "123456789012"}, "Action": "ecr:BatchGetImage"}]}}}}}'
    },
    "refuse",
    REPEATED,
)
case(
    T,
    "cfn-yaml-repeated-principal",
    STACK,
    {
        "templateBody": "Resources:\n  R:\n    Type: AWS::ECR::Repository\n    Properties:\n      RepositoryPolicyText:\n        Statement:\n          - Effect: Allow\n            Principal: '*'\n            Principal: {AWS: '123456789012'}\n            Action: ecr:BatchGetImage\n"
    },
    "refuse",
    REPEATED,
)
case(
    T,
    "cloudcontrol-repeated-principal",
    CLOUDCONTROL,
    {
        "typeName": "AWS::ECR::Repository",
        "desiredState": '{"RepositoryPolicyText": {"Statement": [{"Effect": "Allow", "Principal": "*", "Principal": {"AWS": "123456789012"}, "Action": "ecr:BatchGetImage"}]}}',
    },
    "refuse",
    REPEATED,
)
case(
    C,
    "policy-repeated-principal",
    REPO,
    {
        "repository": "models/x",
        "policy": '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Principal": {"AWS": "123456789012"}, "Action": "ecr:BatchGetImage"}]}',
    },
    "refuse",
    REPEATED,
)

# ---- data perimeters: Denies whose keys combine into more cases than the analysis tries one by one --------------
PERIMETER_DENIES = [
    st(
        "*",
        "ecr:*",
        {
            "NotIpAddress": {"aws:SourceIp": [f"203.0.{i}.0/24" for i in range(10)]},
            "StringNotEqualsIfExists": {
                "aws:SourceVpc": [f"vpc-{i}" for i in range(6)],
                "aws:SourceVpce": [f"vpce-{i}" for i in range(6)],
            },
            "BoolIfExists": {"aws:ViaAWSService": "false"},
        },
        "Deny",
        "Network",
    ),
    st(
        "*",
        "ecr:*",
        {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1", "eu-central-1"]}},
        "Deny",
        "Regions",
    ),
    st("*", "ecr:*", {"StringNotEquals": {"aws:PrincipalTag/team": ["a", "b", "c", "d", "e"]}}, "Deny", "Tags"),
    st("*", "*", {"Bool": {"aws:SecureTransport": "false"}}, "Deny", "Tls"),
]
repo(
    R,
    "perimeter-org-allow",
    [st("*", PULL, {"StringEquals": {"aws:PrincipalOrgID": ORG}}, sid="OrgPull"), *PERIMETER_DENIES],
    "accept",
    "https://docs.aws.amazon.com/whitepapers/latest/building-a-data-perimeter-on-aws/perimeter-implementation.html",
)
repo(
    R,
    "perimeter-open-allow",
    [st("*", PULL, sid="AnyonePulls"), *PERIMETER_DENIES],
    "refuse",
    f"{DOC['operators']}: a request through an AWS service (aws:ViaAWSService true) escapes the network Deny",
)

# ---- issue 14: the classes a search over witness requests missed, judged by proof ------------------------
P = "proof"
ORGPATH = f"{DOC['global']}#condition-keys-principalorgpaths"
ORGID = "https://docs.aws.amazon.com/organizations/latest/APIReference/API_Organization.html"
VERSION = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html"
OTHER_PATH = f"{OTHER_ORG}/r-ab12/ou-ab12-11111111/"
OWN_PATH = f"{ORG}/r-ab12/ou-ab12-11111111/"
for name, operator, value, verdict, why in [
    (
        "org-paths-other-org-like",
        "ForAnyValue:StringLike",
        OTHER_PATH + "*",
        "refuse",
        "a path of another organization",
    ),
    ("org-paths-other-org-equals", "ForAnyValue:StringEquals", OTHER_PATH, "refuse", "a path of another organization"),
    (
        "org-paths-org-prefix-glob",
        "ForAnyValue:StringLike",
        f"{ORG}*/*",
        "refuse",
        f"{ORGID}: ids are o- and 10-32 of [a-z0-9], so {ORG}* names other organizations",
    ),
    (
        "org-paths-any-org-own-ou",
        "ForAnyValue:StringLike",
        "o-*/r-ab12/ou-ab12-11111111/*",
        "refuse",
        "any organization with these root and OU ids",
    ),
    ("org-paths-own-ou-equals", "ForAnyValue:StringEquals", OWN_PATH, "accept", "a path of the own organization"),
    ("org-paths-own-any-root", "ForAnyValue:StringLike", f"{ORG}/*", "accept", "every path of the own organization"),
    (
        "org-paths-own-ou-any-root",
        "ForAnyValue:StringLike",
        f"{ORG}/*/ou-ab12-11111111/*",
        "accept",
        "an OU of the own organization",
    ),
]:
    repo(P, name, [st("*", PULL, {operator: {"aws:PrincipalOrgPaths": [value]}})], verdict, f"{ORGPATH}: {why}")
for name, condition, verdict, why in [
    (
        "org-id-prefix-glob",
        {"StringLike": {"aws:PrincipalOrgID": f"{ORG}*"}},
        "refuse",
        f"{ORGID}: o-a1b2c3d4e5x is another organization",
    ),
    (
        "org-id-question",
        {"StringLike": {"aws:PrincipalOrgID": ORG[:-1] + "?"}},
        "refuse",
        f"{ORGID}: {ORG[:-1]}x is another organization",
    ),
    (
        "org-id-ignorecase-own",
        {"StringEqualsIgnoreCase": {"aws:PrincipalOrgID": ORG.upper()}},
        "accept",
        f"{ORGID}: ids are lower case",
    ),
    (
        "account-prefix-glob",
        {"StringLike": {"aws:PrincipalAccount": OWN[:-1] + "*"}},
        "refuse",
        f"{DOC['global']}: 123456789010 is another account",
    ),
    (
        "account-question-glob",
        {"StringLike": {"aws:PrincipalAccount": PARTNER[:-1] + "?"}},
        "refuse",
        f"{DOC['global']}: 210987654320 is another account",
    ),
    (
        "account-arn-glob",
        {"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{OWN[:-2]}*:role/ci"}},
        "refuse",
        f"{DOC['operators']}: the account field's * matches other accounts",
    ),
    (
        "account-arn-own",
        {"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{OWN}:role/*"}},
        "accept",
        f"{DOC['operators']}: roles of the own account only",
    ),
    (
        "ip-cover-v4-halves",
        {"IpAddress": {"aws:SourceIp": ["0.0.0.0/1", "128.0.0.0/1"]}},
        "refuse",
        f"{DOC['s3public']}: together the ranges are every IPv4 address",
    ),
    (
        "ip-cover-v6-halves",
        {"IpAddress": {"aws:SourceIp": ["::/1", "8000::/1"]}},
        "refuse",
        f"{DOC['s3public']}: together the ranges are every IPv6 address",
    ),
    (
        "ip-cover-v4-sixteenths",
        {"IpAddress": {"aws:SourceIp": [f"{16 * i}.0.0.0/4" for i in range(16)]}},
        "refuse",
        f"{DOC['s3public']}: ranges broader than /8 are public",
    ),
    ("ip-v4-slash-7", {"IpAddress": {"aws:SourceIp": "10.0.0.0/7"}}, "refuse", f"{DOC['s3public']}: broader than /8"),
    (
        "ip-v4-slash-8",
        {"IpAddress": {"aws:SourceIp": "11.0.0.0/8"}},
        "accept",
        f"{DOC['s3public']}: /8 is not broader than /8",
    ),
    (
        "ip-v6-slash-31",
        {"IpAddress": {"aws:SourceIp": "2001:db8::/31"}},
        "refuse",
        f"{DOC['s3public']}: broader than /32",
    ),
    (
        "ip-v6-slash-32",
        {"IpAddress": {"aws:SourceIp": "2001:db8::/32"}},
        "accept",
        f"{DOC['s3public']}: /32 is not broader than /32",
    ),
    (
        "ip-v4-every-slash-8",
        {"IpAddress": {"aws:SourceIp": [f"{i}.0.0.0/8" for i in range(256)]}},
        "refuse",
        f"{DOC['s3public']}: each range is /8, together they are every IPv4 address",
    ),
    (
        "ip-v4-two-slash-8-join",
        {"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "11.0.0.0/8"]}},
        "refuse",
        f"{DOC['s3public']}: the same addresses as 10.0.0.0/7, broader than /8",
    ),
    (
        "ip-v4-private-ranges",
        {"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]}},
        "accept",
        f"{DOC['s3public']}: three ranges, none broader than /8, that join into none",
    ),
    (
        "ip-v6-two-slash-32-join",
        {"IpAddress": {"aws:SourceIp": ["2001:db8::/32", "2001:db9::/32"]}},
        "refuse",
        f"{DOC['s3public']}: the same addresses as 2001:db8::/31, broader than /32",
    ),
    (
        "ip-v6-two-slash-32-apart",
        {"IpAddress": {"aws:SourceIp": ["2001:db9::/32", "2001:dba::/32"]}},
        "accept",
        f"{DOC['s3public']}: adjacent, but no /31 holds both (0xdb9 is odd): two /32 ranges",
    ),
]:
    repo(P, name, [st("*", PULL, condition)], verdict, why)
for name, deny, verdict, why in [
    (
        "deny-guard-org-glob",
        {"StringNotLike": {"aws:PrincipalOrgID": "o-*"}},
        "refuse",
        "every organization passes the guard",
    ),
    (
        "deny-guard-org-prefix",
        {"StringNotLike": {"aws:PrincipalOrgID": f"{ORG}*"}},
        "refuse",
        f"{ORGID}: o-a1b2c3d4e5x passes the guard",
    ),
    (
        "deny-guard-account-glob",
        {"StringNotLike": {"aws:PrincipalAccount": OWN[:-2] + "*"}},
        "refuse",
        "123456789000 passes the guard",
    ),
    (
        "deny-guard-org-paths-other",
        {"ForAllValues:StringNotLike": {"aws:PrincipalOrgPaths": [OTHER_PATH + "*"]}},
        "refuse",
        f"{ORGPATH}: the guard keeps another organization's path",
    ),
    (
        "deny-guard-org-paths-own",
        {"ForAllValues:StringNotLike": {"aws:PrincipalOrgPaths": [f"{ORG}/*"]}},
        "accept",
        f"{ORGPATH}: only the own organization passes",
    ),
    (
        "deny-guard-time-present",
        {"Null": {"aws:CurrentTime": "false"}},
        "accept",
        f"{DOC['global']}#condition-keys-currenttime: always in the request context, so the guard denies everyone",
    ),
    (
        "deny-guard-ip-every-slash-8",
        {"NotIpAddress": {"aws:SourceIp": [f"{i}.0.0.0/8" for i in range(256)] + ["::/0"]}},
        "refuse",
        f"{DOC['s3public']}: the /8 ranges are every IPv4 address, all of which pass the guard",
    ),
    (
        "deny-guard-ip-halves",
        {"NotIpAddress": {"aws:SourceIp": ["0.0.0.0/1", "128.0.0.0/1", "::/0"]}},
        "refuse",
        f"{DOC['s3public']}: every address passes the guard",
    ),
]:
    repo(
        P,
        name,
        [st("*", PULL, sid="Anyone"), st("*", "ecr:*", deny, "Deny", "Guard")],
        verdict,
        f"{DOC['operators']}: {why}",
    )
SAME = {"StringEquals": {"aws:PrincipalAccount": "${aws:PrincipalAccount}"}}
for name, version, verdict, why in [
    ("version-2012-variable", "2012-10-17", "refuse", "a variable: every account equals itself"),
    (
        "version-2008-literal",
        "2008-10-17",
        "accept",
        "2008-10-17 has no policy variables: no account is the text ${aws:PrincipalAccount}",
    ),
    ("version-none-literal", None, "accept", "without Version, ${...} is literal text"),
]:
    body = {"Version": version, "Statement": [st("*", PULL, SAME)]}
    if version is None:
        del body["Version"]
    case(
        P,
        name,
        REPO,
        {"repository": "models/x", "policy": json.dumps(body)},
        verdict,
        f"{VERSION}; {DOC['variables']}: {why}",
    )
USERS = {"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:user/${aws:username}"}}
for name, version, verdict, why in [
    ("version-2012-user-arn-variable", "2012-10-17", "refuse", "a variable: every user of every account matches"),
    (
        "version-2008-user-arn-literal",
        "2008-10-17",
        "accept",
        "2008-10-17 has no policy variables: `$`, `{`, `}` are in no IAM user name, so no principal matches",
    ),
]:
    case(
        P,
        name,
        ROLE,
        {"assumeRolePolicy": json.dumps({"Version": version, "Statement": [trust({"AWS": "*"}, USERS)]})},
        verdict,
        f"{VERSION}; {DOC['variables']}; https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html#reference_iam-quotas-names: {why}",
    )

for c in CASES:
    assert re.match(r"^[a-z0-9-]+$", c["name"]), c["name"]

# An AWS principal that no account holds (IAM JSON policy elements: Principal) cannot count as naming nobody.
UNPLACEABLE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html"
for name, value in (
    ("unplaceable-padded-account", f"{FOREIGN} "),
    ("unplaceable-role-unique-id", "AROAJQABLZS4A3QDU576Q"),
    ("unplaceable-capital-arn", f"ARN:AWS:IAM::{FOREIGN}:ROOT"),
    ("unplaceable-thirteen-digits", FOREIGN + "7"),
):
    repo("principals", name, [st({"AWS": value})], "refuse", f"{UNPLACEABLE}: not an account id or an IAM/STS ARN")
repo("principals", "placed-twelve-digits", [st({"AWS": PARTNER})], "accept", UNPLACEABLE)

if __name__ == "__main__":
    for old in HERE.glob("*.json"):
        old.unlink()
    names = set()
    for c in CASES:
        assert c["name"] not in names, c["name"]
        names.add(c["name"])
        body = {k: v for k, v in c.items() if k != "name"}
        (HERE / f"{c['name']}.json").write_text(json.dumps(body, indent=2) + "\n")
    print(len(CASES))
