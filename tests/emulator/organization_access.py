"""Bridge 32: who may read an organization's accounts, and whom a role's trust admits.

- ListAccounts: "This operation can be called only from the organization's management account
  or by a member account that is a delegated administrator" (AWS Organizations API Reference,
  ListAccounts). moto answers any account, a member with an empty list. Here a caller that is
  neither is refused with ``AccessDeniedException`` ("You don't have permissions to access
  this resource.", the Organizations API's common error), so code that lists the accounts
  from a member account fails as on AWS instead of seeing an organization of nobody.
- AssumeRole: "the role's trust policy ... specifies who can assume the role" (STS API
  Reference, AssumeRole; a caller the trust does not admit gets ``AccessDenied``, "User: ARN is
  not authorized to perform: sts:AssumeRole on resource: ROLE"). moto hands out credentials
  for any role. Here, for a role that exists, its trust policy is evaluated: a ``Deny`` that
  matches refuses, else an ``Allow`` for ``sts:AssumeRole`` whose principal (``*``, the
  caller's account or ``root``, or the caller's role ARN) and every condition match admits.
  Conditions: ``StringEquals``/``StringLike``/``ArnEquals``/``ArnLike`` on
  ``aws:PrincipalOrgID`` (the organization of the caller's account), ``aws:PrincipalAccount``,
  ``aws:PrincipalArn`` (for an assumed-role session, the role's ARN) and
  ``aws:PrincipalTag/KEY`` (the tags of the caller's role) — the IAM User Guide's "AWS global
  condition context keys". Any other operator or key does not match (the strict reading:
  an unknown condition never admits). A role that does not exist keeps moto's leniency: the
  harness reaches member accounts through roles it never creates (``GuardrailsAudit``).
"""

from __future__ import annotations

import fnmatch
import json

from moto.core.exceptions import JsonRESTError, ServiceException
from moto.iam.models import iam_backends
from moto.organizations.models import organizations_backends
from moto.organizations.responses import OrganizationsResponse
from moto.sts.models import sts_backends
from moto.sts.responses import TokenResponse as STSResponse


class _AccessDenied(ServiceException):
    code = "AccessDenied"


def _organization_of(account: str):
    """The organization an account belongs to (management or member), or None."""
    own = organizations_backends[account]["aws"].org
    if own is not None:
        return own, account
    if account in organizations_backends.master_accounts:
        management, partition = organizations_backends.master_accounts[account]
        return organizations_backends[management][partition].org, management
    return None, None


def _caller(access_key: str, account: str) -> dict:
    """The calling principal: its ARN (an assumed role's role ARN), account and tags."""
    for backends in sts_backends.values():
        for backend in backends.values():
            session = backend.get_assumed_role_from_access_key(access_key)
            if session is None:
                continue
            role_account = session.role_arn.split(":")[4]
            role = _role(session.role_arn)
            tags = {}
            if role is not None:
                listed = role.tags.values() if isinstance(role.tags, dict) else role.tags
                tags = {tag["Key"]: tag["Value"] for tag in listed}
            return {"arn": session.role_arn, "account": role_account, "tags": tags, "session": session.arn}
    root = f"arn:aws:iam::{account}:root"
    return {"arn": root, "account": account, "tags": {}, "session": root}


def _role(arn: str):
    parts = arn.split(":")
    if len(parts) < 6 or parts[2] != "iam" or not parts[5].startswith("role/"):
        return None
    name = parts[5].rsplit("/", 1)[-1]
    return next((r for r in iam_backends[parts[4]]["aws"].roles.values() if r.name == name), None)


def _listed(value) -> list:
    return value if isinstance(value, list) else [value]


def _context(caller: dict) -> dict:
    organization, _ = _organization_of(caller["account"])
    context = {
        "aws:principalaccount": caller["account"],
        "aws:principalarn": caller["arn"],
    }
    if organization is not None:
        context["aws:principalorgid"] = organization.id
    for key, value in caller["tags"].items():
        context[f"aws:principaltag/{key}".lower()] = value
    return context


def _condition_holds(condition: dict, context: dict) -> bool:
    for operator, tests in condition.items():
        for key, wanted in tests.items():
            actual = context.get(key.lower())
            if actual is None:
                return False
            if operator in ("StringEquals", "ArnEquals"):
                if actual not in _listed(wanted):
                    return False
            elif operator in ("StringLike", "ArnLike"):
                if not any(fnmatch.fnmatchcase(actual, w) for w in _listed(wanted)):
                    return False
            else:
                return False
    return True


def _principal_matches(principal, caller: dict) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    for entry in _listed(principal.get("AWS", [])):
        if entry == "*" or entry == caller["account"] or entry == caller["arn"]:
            return True
        if entry == f"arn:aws:iam::{caller['account']}:root":
            return True
    return False


def _action_matches(action) -> bool:
    return any(a in ("*", "sts:*", "sts:AssumeRole") for a in _listed(action))


def trust_admits(trust: dict, caller: dict) -> bool:
    context = _context(caller)
    matching = [
        s
        for s in _listed(trust.get("Statement", []))
        if _action_matches(s.get("Action", []))
        and _principal_matches(s.get("Principal"), caller)
        and _condition_holds(s.get("Condition", {}), context)
    ]
    if any(s.get("Effect") == "Deny" for s in matching):
        return False
    return any(s.get("Effect") == "Allow" for s in matching)


def patch() -> None:
    original_assume = STSResponse.assume_role

    def assume_role(self):
        role_arn = self._get_param("RoleArn")
        role = _role(role_arn or "")
        if role is not None:
            caller = _caller(self.get_access_key(), self.current_account)
            trust = role.assume_role_policy_document
            trust = json.loads(trust) if isinstance(trust, str) else trust
            if not trust_admits(trust, caller):
                raise _AccessDenied(
                    f"User: {caller['session']} is not authorized to perform: sts:AssumeRole on "
                    f"resource: {role_arn}"
                )
        return original_assume(self)

    STSResponse.assume_role = assume_role

    original_list = OrganizationsResponse.list_accounts

    def list_accounts(self):
        caller = self.current_account
        organization, management = _organization_of(caller)
        if organization is not None and caller != management:
            backend = organizations_backends[management]["aws"]
            if not any(admin.account.id == caller for admin in backend.admins):
                raise JsonRESTError(
                    "AccessDeniedException", "You don't have permissions to access this resource."
                )
        return original_list(self)

    OrganizationsResponse.list_accounts = list_accounts
