"""aws_facts.iam.proof: effective access by proof (z3). The expected answers are read from AWS's rules
(condition operators, organization id format, S3's definition of a public policy, policy Version), and the
properties hold for documents drawn by hypothesis from the classes of issue 14."""

import ipaddress
import json
from fractions import Fraction

import pytest
import z3
from aws_facts.iam import ALLOW, Zone, decide, external, external_access, parse
from aws_facts.iam.proof import ProofZone, Unencodable, number_re, outsider_witnesses
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis_budget import examples

OWN, PARTNER, FOREIGN = "123456789012", "210987654321", "444455556666"
ORG, OTHER_ORG = "o-a1b2c3d4e5", "o-zz9988776655"
ZONE = Zone(frozenset({OWN, PARTNER}), frozenset({ORG}))
PULL = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]


def statements(*body, version="2012-10-17"):
    document = {"Statement": list(body)} | ({"Version": version} if version else {})
    parsed = parse(json.dumps(document))
    assert not parsed.errors, parsed.errors
    return parsed.statements


def anyone(condition=None, action=PULL, sid=None):
    statement = {"Effect": "Allow", "Principal": "*", "Action": action}
    return statement | ({"Condition": condition} if condition else {}) | ({"Sid": sid} if sid else {})


def deny(condition, action="ecr:*"):
    return {"Effect": "Deny", "Principal": "*", "Action": action, "Condition": condition}


def witnesses(*body, zone=ZONE, version="2012-10-17"):
    return external_access(statements(*body, version=version), zone).accesses


# ---- organization paths, patterns, IP ranges, versions (the classes of issue 14) ------------------------


@pytest.mark.parametrize(
    ("path", "outsider"),
    [
        (f"{OTHER_ORG}/r-ab12/ou-ab12-11111111/*", True),  # another organization
        (f"{ORG}*/*", True),  # o-a1b2c3d4e5 + more characters is another organization (10 to 32)
        ("o-*/r-ab12/*", True),
        (f"{ORG}/*", False),
        (f"{ORG}/r-ab12/ou-ab12-11111111/*", False),
    ],
)
def test_an_org_path_of_another_organization_admits_an_outsider_with_that_path(path, outsider):
    found = witnesses(anyone({"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": path}}))
    assert bool(found) == outsider
    for access in found:
        [value] = access.witness["aws:principalorgpaths"]
        assert not value.startswith(ORG + "/")
        assert access.witness["aws:principalaccount"][0] not in (OWN, PARTNER)


def test_a_trusted_org_path_is_inside_and_its_siblings_are_outside():
    trusted = f"{ORG}/r-ab12/ou-ab12-11111111/"
    zone = Zone(frozenset({OWN}), frozenset(), frozenset({trusted}))
    own_ou = anyone({"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": trusted + "*"}})
    sibling = anyone({"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": f"{ORG}/r-ab12/ou-ab12-22222222/*"}})
    other_root = anyone({"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": f"{ORG}/r-zz99/*"}})
    assert witnesses(own_ou, zone=zone) == []
    [access] = [a for a in witnesses(sibling, zone=zone) if "aws:principalorgpaths" in a.witness]
    assert access.witness["aws:principalorgpaths"][0].startswith(f"{ORG}/r-ab12/ou-ab12-22222222/")
    # The organization has one root, r-ab12 (the trusted path says so): no principal has a path under r-zz99.
    assert witnesses(other_root, zone=zone) == []


@pytest.mark.parametrize(
    ("condition", "outsider"),
    [
        ({"StringLike": {"aws:PrincipalOrgID": ORG + "*"}}, True),
        ({"StringLike": {"aws:PrincipalOrgID": ORG[:-1] + "?"}}, True),
        ({"StringEquals": {"aws:PrincipalOrgID": ORG}}, False),
        ({"StringLike": {"aws:PrincipalAccount": OWN[:-1] + "*"}}, True),
        ({"StringLike": {"aws:PrincipalAccount": OWN}}, False),
        ({"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{OWN[:-2]}*:role/ci"}}, True),
        ({"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{OWN}:role/*"}}, False),
    ],
)
def test_patterns_on_organizations_accounts_and_arns_admit_what_they_match_outside(condition, outsider):
    assert bool(witnesses(anyone(condition))) == outsider


def test_a_glob_in_a_deny_guard_lets_another_organization_through():
    found = witnesses(anyone(), deny({"StringNotLike": {"aws:PrincipalOrgID": ORG + "*"}}))
    org = next(a.witness["aws:principalorgid"][0] for a in found if "aws:principalorgid" in a.witness)
    assert org.startswith(ORG) and org != ORG and 12 <= len(org) <= 34


@pytest.mark.parametrize(
    ("ranges", "outsider"),
    [
        (["0.0.0.0/1", "128.0.0.0/1"], True),  # together every IPv4 address
        (["::/1", "8000::/1"], True),  # together every IPv6 address
        (["10.0.0.0/7"], True),  # S3: broader than /8 is public
        (["10.0.0.0/8"], False),  # at the limit: the owner's network
        (["2001:db8::/31"], True),  # broader than /32
        (["2001:db8::/32"], False),  # at the limit
        # S3's limit is on the addresses, not their spelling: ranges that join into a broader block are that block.
        (["10.0.0.0/8", "11.0.0.0/8"], True),  # 10.0.0.0/7
        (["10.0.0.0/8", "12.0.0.0/8"], False),  # two /8 blocks that do not join (11.0.0.0/8 lies between)
        (["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"], False),  # the private ranges, each narrow
        ([f"{i}.0.0.0/8" for i in range(256)], True),  # every IPv4 address, each range at the limit
        (["2001:db8::/32", "2001:db9::/32"], True),  # 2001:db8::/31 (0xdb8 is even)
        (["2001:db9::/32", "2001:dba::/32"], False),  # adjacent, but no /31 holds both (0xdb9 is odd)
    ],
)
def test_ip_ranges_broader_than_s3s_limit_or_covering_the_space_admit_an_outside_address(ranges, outsider):
    found = witnesses(anyone({"IpAddress": {"aws:SourceIp": ranges}}))
    assert bool(found) == outsider
    for access in found:
        assert (
            decide(statements(anyone({"IpAddress": {"aws:SourceIp": ranges}})), PULL[0], None, access.witness) == ALLOW
        )


@settings(max_examples=examples(8, 40), deadline=None, suppress_health_check=list(HealthCheck))
@given(st.integers(0, 2**32 - 1), st.integers(1, 16), st.booleans())
def test_writing_a_range_as_its_two_halves_never_changes_the_verdict(address, prefix, in_a_deny):
    """The same addresses, written as one range or as its two halves: the same answer (issue 14: splitting never
    changes the verdict)."""
    whole = ipaddress.ip_network((address, prefix), strict=False)
    halves = [str(h) for h in whole.subnets(prefixlen_diff=1)]

    def outsider(ranges):
        if in_a_deny:
            return bool(witnesses(anyone(), deny({"NotIpAddress": {"aws:SourceIp": ranges}})))
        return bool(witnesses(anyone({"IpAddress": {"aws:SourceIp": ranges}})))

    expected = prefix < 8  # S3: broader than /8 is anyone's, /8 and narrower the owner's network
    assert outsider([str(whole)]) is expected
    assert outsider(halves) is expected


@pytest.mark.parametrize(
    ("key", "operator", "pattern", "possible", "principal"),
    [
        # Under 2008-10-17 `${aws:username}` is literal text: `$`, `{` and `}` are in no IAM name (IAM's name rules).
        ("aws:PrincipalArn", "StringLike", "arn:aws:iam::*:user/${aws:username}", "arn:aws:iam::*:user/x", "*"),
        ("aws:PrincipalArn", "ArnLike", "arn:aws:iam::*:role/ci${x}*", "arn:aws:iam::*:role/ci*", "*"),
        ("aws:PrincipalArn", "StringLike", "arn:aws:iam::*:user/a b", "arn:aws:iam::*:user/a-b", "*"),  # a space
        ("aws:PrincipalOrgPaths", "ForAnyValue:StringLike", "o-*/r-${x}/*", "o-*/r-x/*", "*"),  # ids: [a-z0-9-]
        ("aws:PrincipalAccount", "StringLike", "1234567890${x}", "1234567890??", "*"),  # accounts are digits
        ("aws:PrincipalServiceName", "StringLike", "*${x}*", "*build*", {"Service": "codebuild.amazonaws.com"}),
    ],
)
def test_a_pattern_with_a_character_no_identity_value_holds_admits_nobody_and_is_decided(
    key, operator, pattern, possible, principal
):
    """The same pattern with a character an identity value can hold admits an outsider: the answer is the
    character's."""
    assert witnesses(anyone({operator: {key: pattern}}) | {"Principal": principal}, version="2008-10-17") == []
    assert witnesses(anyone({operator: {key: possible}}) | {"Principal": principal}, version="2008-10-17") != []


@pytest.mark.parametrize("key", ["aws:CurrentTime", "aws:EpochTime", "aws:SecureTransport"])
def test_a_key_in_every_request_cannot_be_left_out(key):
    """The global condition keys page: these keys are "always included in the request context" (one value)."""
    assert witnesses(anyone({"Null": {key: "true"}})) == []  # nobody's request lacks it
    assert witnesses(anyone({"Null": {key: "false"}})) != []  # everybody's has it
    # A Deny on the key's presence removes everyone: no request escapes it by leaving the key out.
    assert witnesses(anyone(), deny({"Null": {key: "false"}})) == []


@pytest.mark.parametrize(("version", "outsider"), [("2012-10-17", True), ("2008-10-17", False), (None, False)])
def test_policy_variables_are_variables_only_under_version_2012_10_17(version, outsider):
    same = anyone({"StringEquals": {"aws:PrincipalAccount": "${aws:PrincipalAccount}"}})
    assert bool(witnesses(same, version=version)) == outsider


@pytest.mark.parametrize(
    ("relation", "bound", "inside", "outside"),
    [
        ("lessthan", 10, ["9", "09", "0"], ["10", "11", "100"]),
        ("lessthanequals", 10, ["10", "010"], ["11"]),
        ("greaterthan", 99, ["100", "0100"], ["99", "9"]),
        ("greaterthanequals", 99, ["99", "100"], ["98"]),
        ("equals", 7, ["7", "007"], ["70", "6"]),
    ],
)
def test_numbers_are_digit_strings_compared_by_value(relation, bound, inside, outside):
    x = z3.String("x")
    for value, expected in [(v, True) for v in inside] + [(v, False) for v in outside]:
        solver = z3.Solver()
        solver.add(x == z3.StringVal(value), z3.InRe(x, number_re(relation, Fraction(bound))))
        assert (solver.check() == z3.sat) == expected, (relation, bound, value)


def test_an_operator_the_encoding_cannot_express_is_refused_not_passed():
    mixed = anyone({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}, "StringLike": {"aws:SourceIp": "10.*"}})
    with pytest.raises(Unencodable, match="aws:sourceip"):
        outsider_witnesses(statements(mixed), ProofZone(frozenset({OWN}), frozenset()))


# ---- properties ------------------------------------------------------------------------------------------

ACCOUNTS = [OWN, PARTNER, FOREIGN, OWN[:-1] + "*", "4444*"]
ORGS = [ORG, OTHER_ORG, ORG + "*", "o-*"]
CONDITIONS = st.one_of(
    st.none(),
    st.builds(lambda v: {"StringLike": {"aws:PrincipalAccount": v}}, st.sampled_from(ACCOUNTS)),
    st.builds(lambda v: {"StringLike": {"aws:PrincipalOrgID": v}}, st.sampled_from(ORGS)),
    st.builds(lambda v: {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": v + "/*"}}, st.sampled_from(ORGS)),
    st.builds(lambda v: {"IpAddress": {"aws:SourceIp": v}}, st.sampled_from(["10.0.0.0/8", "0.0.0.0/1", "::/0"])),
)
GUARDS = st.one_of(
    st.none(),
    st.builds(lambda v: deny({"StringNotLike": {"aws:PrincipalOrgID": v}}), st.sampled_from(ORGS)),
    st.builds(lambda v: deny({"StringNotLike": {"aws:PrincipalAccount": v}}), st.sampled_from(ACCOUNTS)),
)
PRINCIPALS = st.sampled_from(["*", {"AWS": FOREIGN}, {"AWS": f"arn:aws:iam::{PARTNER}:root"}, {"AWS": "*"}])
SETTINGS = settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))


def _document(principal, condition, guard):
    allow = {"Sid": "A", "Effect": "Allow", "Principal": principal, "Action": PULL}
    if condition:
        allow["Condition"] = condition
    return [allow] + ([guard] if guard else [])


@SETTINGS
@given(PRINCIPALS, CONDITIONS, GUARDS, st.sampled_from([FOREIGN, "999999999999"]), st.sampled_from([OTHER_ORG]))
def test_trusting_more_never_adds_an_outsider(principal, condition, guard, account, org):
    body = _document(principal, condition, guard)
    wide = Zone(ZONE.accounts | {account}, ZONE.organizations | {org})
    assert {a.statement.label for a in witnesses(*body, zone=wide)} <= {a.statement.label for a in witnesses(*body)}


@SETTINGS
@given(PRINCIPALS, CONDITIONS, GUARDS)
def test_splitting_a_statement_never_changes_the_verdict(principal, condition, guard):
    body = _document(principal, condition, guard)
    split = [dict(body[0], Sid=f"A{i}", Action=[action]) for i, action in enumerate(PULL)] + body[1:]
    assert bool(witnesses(*body)) == bool(witnesses(*split))


@SETTINGS
@given(PRINCIPALS, CONDITIONS, GUARDS)
def test_every_outsider_witness_is_allowed_by_the_evaluator_and_no_insider_is_refused(principal, condition, guard):
    body = statements(*_document(principal, condition, guard))
    zone = ProofZone(ZONE.accounts or frozenset(), ZONE.organizations, own_accounts=ZONE.accounts or frozenset())
    for witness in outsider_witnesses(body, zone):
        context = witness.context
        assert decide(body, sorted(witness.actions)[0], witness.resource, context, witness.caller) == ALLOW
        assert context.get("aws:principalaccount", ("-",))[0] not in ZONE.accounts
        assert context.get("aws:principalorgid", ("-",))[0] not in ZONE.organizations
        assert not context.get("aws:principalorgpaths", ("-",))[0].startswith(ORG + "/")


# ---- the solver's work does not depend on what was asked before ---------------------------------------


def _work_per_check(monkeypatch, *questions):
    """z3's resource units spent by each check of the last question (its statistics' "rlimit count" grows
    over a context's life, so each check's own work is the difference)."""
    spent: list[int] = []
    check = z3.Solver.check

    def counting(solver, *args):
        before = _rlimit(solver)
        answer = check(solver, *args)
        spent.append(_rlimit(solver) - before)
        return answer

    monkeypatch.setattr(z3.Solver, "check", counting)
    monkeypatch.setattr(external, "_MEMO", {})  # every question solved, none answered from the memo
    for question in questions:
        spent.clear()
        witnesses(*question)
    return list(spent)


def _rlimit(solver):
    return solver.statistics().get_key_value("rlimit count")


def test_a_question_costs_the_solver_the_same_work_whatever_was_asked_before(monkeypatch):
    # In one shared context an org-path question cost 0.6 million units alone and 2.2 million after two others,
    # and a CI run refused it at the budget: each question now has a context of its own.
    question = (anyone({"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": "o-*/r-zz99/*"}}),)
    before = [
        (anyone({"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": f"{OTHER_ORG}/*"}}),),
        (anyone({"StringLike": {"aws:PrincipalOrgID": ORG + "*"}}),),
    ]
    alone = _work_per_check(monkeypatch, question)
    assert alone and all(units > 0 for units in alone)
    assert _work_per_check(monkeypatch, *before, question) == alone


def test_each_question_runs_in_a_context_of_its_own_and_the_default_is_restored():
    # proof.own_z3_context replaces z3's private default context (z3.z3._main_ctx, in aws_facts.sdk_internals): this
    # fails when the pinned z3 changes how main_ctx() finds it.
    from aws_facts.iam import proof

    outside = z3.main_ctx()
    assert z3.z3._main_ctx is outside
    with proof.own_z3_context():
        assert z3.z3._main_ctx is None  # made on first use, by main_ctx()
        inside = z3.main_ctx()
        assert inside is not outside and z3.String("x").ctx is inside
    assert z3.main_ctx() is outside


def test_a_document_answered_without_the_solver_makes_no_z3_context(monkeypatch):

    made = []
    refuse = lambda *a, **k: made.append(1) or pytest.fail("a z3 context was made")  # noqa: E731
    monkeypatch.setattr(z3, "Context", refuse)
    monkeypatch.setattr(z3.z3, "Context", refuse)  # the name main_ctx() makes its context with
    statement = parse(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/r"}, "Action": "ecr:*"}
            ],
        }
    ).statements
    assert outsider_witnesses(statement, ProofZone(frozenset({"111122223333"}), frozenset())) == []
    assert made == []


def test_a_question_leaves_no_z3_term_behind_for_the_garbage_collector(monkeypatch):
    # Its terms and its context are freed by reference counting when the question ends, on the thread that
    # asked, not later by the cyclic collector on whatever thread it runs.
    import gc
    import weakref

    contexts = []
    init = z3.Context.__init__

    def recording(context, *args, **kwargs):
        init(context, *args, **kwargs)
        contexts.append(weakref.ref(context))

    monkeypatch.setattr(z3.Context, "__init__", recording)
    monkeypatch.setattr(external, "_MEMO", {})
    gc.disable()
    try:
        found = witnesses(
            anyone({"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": f"{OTHER_ORG}/*"}}),
            deny({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}),
        )
        assert found and contexts
        assert [context() for context in contexts] == [None] * len(contexts)
    finally:
        gc.enable()


# ---- Allows answered without the solver agree with the solver -------------------------------------------

TRUSTED_PATH = f"{ORG}/r-ab12/ou-ab12-11111111/"
ZONE_VALUES = {
    "aws:PrincipalOrgID": [ORG, OTHER_ORG, ORG + "*", "o-*", ORG[:-1] + "?"],
    "aws:PrincipalOrgPaths": [
        f"{ORG}/*",
        f"{ORG}*",
        f"{ORG}/r-ab12/*",
        TRUSTED_PATH + "*",
        f"{ORG}/r-ab12/ou-ab12-2222222?/*",
        f"{OTHER_ORG}/r-ab12/*",
        "o-*/r-ab12/*",
        f"{ORG}/",
    ],
    "aws:PrincipalAccount": [OWN, PARTNER, FOREIGN, OWN[:-1] + "?", "*"],
}
OPERATORS = [
    "StringEquals",
    "StringLike",
    "ForAnyValue:StringLike",
    "ForAnyValue:StringEquals",
    "ForAllValues:StringLike",
    "StringLikeIfExists",
    "StringNotLike",
    "StringEqualsIgnoreCase",
]


def conditions_of(operators: list[str], values: dict[str, list[str]]):
    """Every operator on every key with one value of its pool, or two."""
    return st.sampled_from(
        [
            {operator: {key: chosen}}
            for operator in operators
            for key, pool in values.items()
            for chosen in [[v] for v in pool] + [[a, b] for a in pool for b in pool if a < b]
        ]
    )


ZONE_CONDITIONS = conditions_of(OPERATORS, ZONE_VALUES)
ZONE_PRINCIPALS = st.sampled_from(["*", {"AWS": "*"}, {"Service": "lambda.amazonaws.com"}, {"AWS": FOREIGN}])


@settings(max_examples=examples(15, 50), deadline=None, suppress_health_check=list(HealthCheck))
@given(
    ZONE_PRINCIPALS,
    ZONE_CONDITIONS,
    st.sampled_from([ZONE, Zone(frozenset({OWN}), frozenset(), frozenset({TRUSTED_PATH}))]),
)
def test_an_allow_answered_without_the_solver_is_one_the_solver_finds_no_outsider_for(principal, condition, zone):

    body = statements(anyone(condition) | {"Principal": principal})
    solved = _solved_without_the_shortcut("requires_an_insider", body, zone)
    if solved is not None:  # e.g. two globbed paths under the trusted organization are left to the shortcut
        assert solved == [], (condition, [w.context for w in solved])


def _solved_without_the_shortcut(shortcut: str, body, zone: Zone):
    """The solver's witnesses for `body` with proof_shortcuts.<shortcut> off, where the shortcut answers body[0] (None where
    it does not, or where the solver alone cannot decide)."""
    from aws_facts.iam import proof_shortcuts

    proof_zone = ProofZone(zone.accounts, zone.organizations, zone.org_paths, own_accounts=zone.accounts)
    answered = getattr(proof_shortcuts, shortcut)(body[0], proof_zone)
    event(f"answered without the solver: {answered}")
    if not answered:
        return None
    original = getattr(proof_shortcuts, shortcut)
    try:
        setattr(proof_shortcuts, shortcut, lambda statement, zone: False)
        return outsider_witnesses(body, proof_zone)
    except Unencodable:
        event("the solver alone cannot decide it")
        return None
    finally:
        setattr(proof_shortcuts, shortcut, original)


SOURCE_VALUES = {
    "aws:SourceAccount": [OWN, PARTNER, FOREIGN, OWN[:-1] + "?", "*"],
    "aws:SourceOwner": [OWN, FOREIGN],
    "aws:SourceArn": [
        f"arn:aws:lambda:us-east-1:{OWN}:function:model-server",
        f"arn:aws:lambda:*:{PARTNER}:function:*",
        f"arn:aws:*:{OWN}:*",
        f"arn:aws:lambda:us-east-1:{FOREIGN}:function:f",
        f"arn:aws:lambda:us-east-1:{OWN[:-1]}*:function:f",
        "arn:aws:s3:::models-bucket",
        "arn:*",
        OWN,
    ],
}
SOURCE_OPERATORS = [
    "StringEquals",
    "StringLike",
    "ArnLike",
    "ArnEquals",
    "ForAnyValue:StringEquals",
    "ForAnyValue:ArnLike",
    "ForAllValues:StringEquals",
    "StringEqualsIfExists",
    "ArnLikeIfExists",
    "StringNotEquals",
    "ArnNotLike",
]
SOURCE_CONDITIONS = conditions_of(SOURCE_OPERATORS, SOURCE_VALUES)
SERVICE_PRINCIPALS = st.sampled_from(
    [{"Service": "lambda.amazonaws.com"}, {"Service": ["sagemaker.amazonaws.com", "lambda.amazonaws.com"]}, "*"]
)


@settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
@given(SERVICE_PRINCIPALS, SOURCE_CONDITIONS)
def test_a_service_allow_answered_without_the_solver_is_one_the_solver_finds_no_outside_service_for(
    principal, condition
):
    body = statements(anyone(condition) | {"Principal": principal})
    solved = _solved_without_the_shortcut("requires_a_trusted_source", body, ZONE)
    if solved is not None:
        assert [w for w in solved if w.caller.kind == "service"] == [], (condition, [w.context for w in solved])


@pytest.mark.parametrize(
    ("condition", "answered"),
    [
        ({"StringEquals": {"aws:SourceAccount": PARTNER}}, True),
        ({"ArnLike": {"aws:SourceArn": f"arn:aws:lambda:*:{OWN}:function:*"}}, True),
        ({"StringEquals": {"aws:SourceAccount": [OWN, FOREIGN]}}, False),  # a foreign account's service too
        ({"StringLike": {"aws:SourceArn": f"arn:aws:*:{OWN}:*"}}, False),  # `*` may stand for colons
        ({"StringEqualsIfExists": {"aws:SourceAccount": OWN}}, False),  # met without the key
        ({"ForAllValues:StringEquals": {"aws:SourceAccount": OWN}}, False),  # met without the key
        ({"StringLike": {"aws:SourceAccount": OWN[:-1] + "?"}}, False),  # other accounts too
    ],
)
def test_a_service_allow_bound_to_a_trusted_source_account_is_answered_without_the_solver(condition, answered):
    from aws_facts.iam import proof_shortcuts

    body = statements(anyone(condition) | {"Principal": {"Service": "lambda.amazonaws.com"}})
    proof_zone = ProofZone(ZONE.accounts, ZONE.organizations, ZONE.org_paths, own_accounts=ZONE.accounts)
    assert proof_shortcuts.requires_a_trusted_source(body[0], proof_zone) is answered


NAMED_PRINCIPALS = [
    {"AWS": f"arn:aws:iam::{OWN}:role/reader"},
    {"AWS": f"arn:aws:iam::{FOREIGN}:role/reader"},
    {"AWS": FOREIGN},
    {"AWS": [f"arn:aws:iam::{PARTNER}:root", f"arn:aws:iam::{FOREIGN}:user/u"]},
    {"Service": "lambda.amazonaws.com"},
    {"Service": ["sagemaker.amazonaws.com", "lambda.amazonaws.com"]},
    {"AWS": f"arn:aws:iam::{OWN}:role/reader", "Service": "lambda.amazonaws.com"},
    {"AWS": f"arn:aws:iam::{FOREIGN}:role/*"},
    {"AWS": "*"},
    "*",
]
ALLOW_CONDITIONS = [
    None,
    {"StringEquals": {"aws:SourceAccount": FOREIGN}},
    {"StringEquals": {"aws:SourceAccount": OWN}},
    {"StringEquals": {"aws:PrincipalOrgID": ORG}},
    {"StringNotEquals": {"aws:PrincipalAccount": OWN}},
]


@settings(max_examples=examples(8, 25), deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.lists(st.tuples(st.sampled_from(NAMED_PRINCIPALS), st.sampled_from(ALLOW_CONDITIONS)), min_size=1, max_size=3)
)
def test_skipping_callers_a_principal_cannot_be_changes_no_verdict(allows):
    # An Allow that names no caller of a kind is not asked about that kind: the witnesses are the ones the solver
    # finds when it is asked about every Allow and every kind.
    from aws_facts.iam import proof_shortcuts

    body = statements(*[anyone(condition, sid=f"S{i}") | {"Principal": p} for i, (p, condition) in enumerate(allows)])
    proof_zone = ProofZone(ZONE.accounts, ZONE.organizations, own_accounts=ZONE.accounts)

    def verdict():
        try:
            return sorted(
                (w.statement.index, w.caller.kind, tuple(sorted(w.actions)))
                for w in outsider_witnesses(body, proof_zone)
            )
        except Unencodable as error:
            return str(error)

    skipped = verdict()
    original = proof_shortcuts.names_no_caller_of
    try:
        proof_shortcuts.names_no_caller_of = lambda statement, kind: False
        asked = verdict()
    finally:
        proof_shortcuts.names_no_caller_of = original
    event(f"outsiders: {bool(asked)}")
    assert skipped == asked


@pytest.mark.parametrize(
    "condition",
    [
        {"StringEquals": {"aws:PrincipalOrgID": ORG}},  # the catalog's consumers.orgId
        {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": [f"{ORG}/r-ab12/ou-ab12-11111111/*"]}},  # orgPaths
        {"StringEquals": {"aws:PrincipalAccount": [OWN, PARTNER]}},
    ],
)
def test_the_catalogs_grants_to_the_trusted_zone_need_no_solver(monkeypatch, condition):
    checks = []
    monkeypatch.setattr(z3.Solver, "check", lambda solver, *args: checks.append(solver))
    monkeypatch.setattr(external, "_MEMO", {})
    assert (
        witnesses(
            anyone(condition),
            deny({"ArnNotEquals": {"aws:PrincipalArn": f"arn:aws:iam::{OWN}:role/ci"}}, "ecr:PutImage"),
        )
        == []
    )
    assert checks == []
