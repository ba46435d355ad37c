"""The caller kinds of the effective-access proof's request (proof_request.py), one subclass each: the
identity keys each kind's identity sets, as z3 terms, and the constraints that make the caller an outsider:
a principal of an account (`AwsRequest`), anyone (`AnonymousRequest`), a service acting with or without a
source (`ServiceRequest`). An identity's terms are created when a formula needs them: an unused part costs the
solver nothing."""

from __future__ import annotations

import z3

from .principals import unique_ids_named
from .proof_request import Request, Slots, one_value
from .proof_terms import account_field, arn_re, cat, current_terms, glob_re, member, str_val
from .wildcard import has_glob, split_arn


class AwsRequest(Request):
    """A principal of an account (12 digits) that is not trusted and not the resource's owner: its root, a user
    or a role session, in no organization or in one outside the trusted ones."""

    kind = "aws"

    def _identity(self) -> None:
        self.account = z3.String("account")
        self.constraints += [
            z3.InRe(self.account, current_terms().account_re),
            z3.Not(member(self.account, self.zone.accounts)),
            self.account != self.res_account,
        ]
        self.org_relevant["principal"] = z3.BoolVal(True)
        self.lazy.update(
            {
                "aws:principalaccount": lambda: one_value(self.account),
                "kms:calleraccount": lambda: one_value(self.account),
                "aws:principalarn": lambda: one_value(self._principal_arn()),
                "aws:principalisawsservice": lambda: one_value("false"),
                "aws:principaltype": lambda: one_value(
                    z3.If(
                        self.arns()[2] == 0,
                        str_val("Account"),
                        z3.If(self.arns()[2] == 1, str_val("User"), str_val("AssumedRole")),
                    )
                ),  # a role acts through its sessions
                "aws:principalorgid": lambda: one_value(*reversed(self._organization("principal", "id"))),
                "aws:principalorgpaths": lambda: one_value(*reversed(self._organization("principal", "path"))),
                "aws:username": self._username,
                "aws:userid": self._userid,
            }
        )

    def arns(self) -> tuple[z3.SeqRef, z3.SeqRef, z3.ArithRef]:
        """(the principal's ARN: root, a user or a role, with its path; the ARN of a role session; 0 root,
        1 user, 2 role, 3 a role's session). A session's role is read as `role/<name>` by the evaluator, so a
        session's role has the path `/` here. The ARN is `arn:<partition>:iam::<account>:<tail>` with one
        term for the tail (fewer terms solve faster)."""
        if not hasattr(self, "parn"):
            self.tail, self.ptype = z3.String("principal_tail"), z3.Int("principal_type")
            name, path = (
                z3.Plus(current_terms().name_char),
                z3.Star(z3.Concat(z3.Plus(current_terms().name_char), z3.Re("/"))),
            )
            partition: z3.SeqRef | str = "aws"
            if len(self.partitions) > 1:
                partition = z3.String("partition")
                self.constraints.append(member(partition, self.partitions))
            self.constraints += [
                z3.InRe(
                    self.tail, z3.Union(z3.Re("root"), z3.Concat(z3.Union(z3.Re("user/"), z3.Re("role/")), path, name))
                ),
                self.ptype >= 0,
                self.ptype <= 3,
                (self.ptype == 0) == (self.tail == str_val("root")),
                (self.ptype == 1) == z3.PrefixOf(str_val("user/"), self.tail),
            ]
            self.parn = cat("arn:", partition, ":iam::", self.account, ":", self.tail)
            # An STS principal: a role's session (its role is `role/<name>`) or a federated user.
            self.session_name, self.sts_tail = z3.String("role_name"), z3.String("sts_tail")
            self.sarn = cat("arn:", partition, ":sts::", self.account, ":", self.sts_tail)
            if self.sessions:
                role_session = z3.PrefixOf(
                    z3.Concat(str_val("assumed-role/"), self.session_name, str_val("/")), self.sts_tail
                )
                self.constraints += [
                    z3.InRe(self.session_name, name),
                    z3.InRe(
                        self.sts_tail,
                        z3.Union(
                            z3.Concat(z3.Re("assumed-role/"), name, z3.Re("/"), name),
                            z3.Concat(z3.Re("federated-user/"), name),
                        ),
                    ),
                    z3.Implies(
                        z3.And(self.ptype == 3, role_session),
                        self.tail == z3.Concat(str_val("role/"), self.session_name),
                    ),
                    z3.Implies(
                        self.ptype == 3, z3.Or(role_session, z3.PrefixOf(str_val("federated-user/"), self.sts_tail))
                    ),
                ]
            else:
                self.constraints.append(self.ptype != 3)  # no value names an STS principal: a role stands for them
        return self.parn, self.sarn, self.ptype

    def _principal_arn(self) -> z3.SeqRef:
        """aws:PrincipalArn: a role session's is its role's ARN, a federated user's its own."""
        parn, sarn, ptype = self.arns()
        return z3.If(z3.And(ptype == 3, z3.PrefixOf(str_val("federated-user/"), self.sts_tail)), sarn, parn)

    def _username(self) -> Slots:
        """A user's name (free here: the last part of the user's ARN)."""
        self.arns()
        return one_value(z3.String("user_name"), self.ptype == 1)

    def _userid(self) -> Slots:
        """aws:userid is `<unique id>[:<session>]`: a unique id the document names (`unique_ids_named`) is one
        principal's, an outsider's is another."""
        tests = self.tests.get("aws:userid", [])
        named = unique_ids_named(tests)
        slots = self._requester("aws:userid", tests)
        for i, value in enumerate(slots.values):
            for unique in sorted(named):
                outside = z3.And(value != str_val(unique), z3.Not(z3.PrefixOf(str_val(unique + ":"), value)))
                self.constraints.append(z3.Implies(slots.has(i), outside))
        return slots


class AnonymousRequest(Request):
    """Anyone (\"*\"): aws:PrincipalType is \"Anonymous\", no other identity key."""

    kind = "anonymous"

    def _identity(self) -> None:
        self.lazy["aws:principaltype"] = lambda: one_value("Anonymous")


class ServiceRequest(Request):
    """A service principal acting with no source, or for a source (account, ARN, organization) outside the zone."""

    kind = "service"

    def _identity(self) -> None:
        self.service = z3.String("service")
        self.constraints.append(z3.InRe(self.service, current_terms().service_re))
        has_account, source_account = z3.Bool("has_source_account"), z3.String("source_account")
        has_arn, source_arn = z3.Bool("has_source_arn"), z3.String("source_arn")
        self.constraints.append(z3.InRe(source_account, current_terms().account_re))
        self.org_relevant["source"] = z3.Or(has_account, has_arn)
        either = z3.Or(has_account, has_arn)
        self.lazy.update(
            {
                "aws:principalisawsservice": lambda: one_value("true"),
                "aws:principalservicename": lambda: one_value(self.service),
                "aws:principalservicenameslist": lambda: one_value(self.service),
                "aws:sourceaccount": lambda: one_value(source_account, has_account),
                "aws:sourceowner": lambda: one_value(source_account, has_account),
                "aws:sourcearn": lambda: one_value(source_arn, has_arn),
                "aws:sourceorgid": lambda: self._source_org("id", either),
                "aws:sourceorgpaths": lambda: self._source_org("path", either),
            }
        )
        own = self.zone.accounts
        literal_arns = {v for c in self.tests.get("aws:sourcearn", []) for v in c.values if not has_glob(v)}
        accountless = {v for v in literal_arns if (p := split_arn(v)) is not None and not p[4]}
        self.source = (has_account, source_account, has_arn, source_arn)
        # The source ARN is an outsider's: its account field is not trusted, and it is not an account-less ARN
        # (an S3 bucket) the document spells out, which is the owner's. The account field is a term of its own,
        # tied to the ARN by every pattern that fixes it: the ARN's partition, service and region hold no colon,
        # so a pattern whose fifth field is written out fixes the account of every ARN it matches. (A regular
        # expression for "an ARN whose account is not trusted" is much slower to solve.)
        seg = z3.Star(current_terms().noncolon)
        head = z3.Concat(z3.Re("arn:"), seg, z3.Re(":"), seg, z3.Re(":"), seg, z3.Re(":"))
        arn_account = z3.String("source_arn_account")
        self.source_arn_account = arn_account
        self.constraints += [
            z3.InRe(source_arn, z3.Concat(head, seg, z3.Re(":"), z3.Star(current_terms().any))),
            z3.InRe(arn_account, seg),
            z3.Not(member(arn_account, own)),
            arn_account != self.res_account,
            z3.Not(member(source_arn, accountless)),
        ]
        for condition in self.tests.get("aws:sourcearn", []):
            for value in condition.values:
                fixed = account_field(value, condition.base.startswith("arn"))
                if fixed is not None and not (condition.variables and "${" in value):
                    pattern = arn_re(value) if condition.base.startswith("arn") else glob_re(value)
                    field = z3.InRe(arn_account, arn_re(fixed)) if has_glob(fixed) else arn_account == str_val(fixed)
                    self.constraints.append(z3.Implies(z3.InRe(source_arn, pattern), field))
        self.constraints += [
            z3.Not(z3.And(has_account, z3.Or(member(source_account, own), source_account == self.res_account))),
        ]

    def _source_org(self, part: str, either: z3.BoolRef) -> Slots:
        in_org, term = self._organization("source", part)
        return one_value(term, z3.And(in_org, either))


# The request of each caller kind proof.py asks about.
REQUESTS: dict[str, type[Request]] = {"aws": AwsRequest, "anonymous": AnonymousRequest, "service": ServiceRequest}
