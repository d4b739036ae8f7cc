"""IAM-style identity policies: parsing, checking and evaluation.

Supported: ``Version``, ``Statement`` (one or a list), ``Sid``, ``Effect``
(Allow/Deny), ``Action``/``NotAction`` and ``Resource``/``NotResource`` with
``*`` and ``?`` wildcards. Anything else (``Condition``, ``Principal``, policy
variables such as ``${aws:username}``...) is refused when the policy is loaded:
a policy the hub cannot fully honour must not be half-enforced. Evaluation is
IAM's: an explicit deny wins, else an allow, else the implicit deny.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ..models import SERVICES, service_model
from . import resources
from .wildcard import Wildcard

KNOWN_KEYS = {"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource"}


class PolicyError(ValueError):
    """A policy document the hub cannot enforce."""


@lru_cache(maxsize=1)
def known_actions() -> frozenset[str]:
    """Every action a policy may name: ``mgh:<Operation>`` for both models, and
    the hub's own (``resources.HUB_ACTIONS``)."""
    api = {f"mgh:{name}".lower() for s in SERVICES for name in service_model(s).operation_names}
    return frozenset(api | {action.lower() for action in resources.HUB_ACTIONS})


def _matches(patterns: tuple[Wildcard, ...], value: str) -> bool:
    return any(p.matches(value) for p in patterns)


@dataclass(frozen=True)
class Statement:
    allow: bool
    # Compiled once, at load: a decision is made per request and per listed row.
    actions: tuple[Wildcard, ...]
    actions_negated: bool
    resources: tuple[Wildcard, ...]
    resources_negated: bool

    def applies(self, action: str, resource: str) -> bool:
        if _matches(self.actions, action) == self.actions_negated:
            return False
        return _matches(self.resources, resource) != self.resources_negated


@dataclass(frozen=True)
class Policy:
    statements: tuple[Statement, ...]

    def decide(self, action: str, resource: str) -> bool:
        """True if the policy allows ``action`` on ``resource``."""
        allowed = False
        for statement in self.statements:
            if statement.applies(action, resource):
                if not statement.allow:
                    return False
                allowed = True
        return allowed


def _strings(statement: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = statement[key]
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not values or not all(isinstance(v, str) and v for v in values):
        raise PolicyError(f"{where}: {key} must be a non-empty string or list of strings")
    return tuple(values)


def parse_policy(document: Any, where: str = "policy") -> Policy:
    """Check a policy document and compile it; ``PolicyError`` says what is wrong."""
    if not isinstance(document, dict):
        raise PolicyError(f"{where}: a policy must be a JSON object")
    unknown = set(document) - {"Version", "Id", "Statement"}
    if unknown:
        raise PolicyError(f"{where}: unsupported policy element(s) {', '.join(sorted(unknown))}")
    if document.get("Version", "2012-10-17") not in ("2012-10-17", "2008-10-17"):
        raise PolicyError(f"{where}: unknown policy Version {document.get('Version')!r}")
    raw = document.get("Statement")
    raw_statements = [raw] if isinstance(raw, dict) else raw
    if not isinstance(raw_statements, list) or not raw_statements:
        raise PolicyError(f"{where}: Statement must be an object or a non-empty list of objects")
    statements = []
    for index, statement in enumerate(raw_statements, start=1):
        at = f"{where}, statement {index}"
        if not isinstance(statement, dict):
            raise PolicyError(f"{at}: a statement must be an object")
        if isinstance(statement.get("Sid"), str) and statement["Sid"]:
            at = f"{at} ({statement['Sid']})"
        unsupported = set(statement) - KNOWN_KEYS
        if unsupported:
            raise PolicyError(
                f"{at}: {', '.join(sorted(unsupported))} is not supported by this hub; "
                "remove it rather than have it silently ignored"
            )
        effect = statement.get("Effect")
        if effect not in ("Allow", "Deny"):
            raise PolicyError(f"{at}: Effect must be Allow or Deny, not {effect!r}")
        if ("Action" in statement) == ("NotAction" in statement):
            raise PolicyError(f"{at}: give exactly one of Action and NotAction")
        if ("Resource" in statement) == ("NotResource" in statement):
            raise PolicyError(f"{at}: give exactly one of Resource and NotResource")
        action_key = "Action" if "Action" in statement else "NotAction"
        resource_key = "Resource" if "Resource" in statement else "NotResource"
        actions = _strings(statement, action_key, at)
        resources = _strings(statement, resource_key, at)
        for key, values in ((action_key, actions), (resource_key, resources)):
            variables = [v for v in values if "${" in v]
            if variables:
                # IAM would substitute them per request; matched literally they
                # would silently allow or deny something else.
                raise PolicyError(
                    f"{at}: {key} {variables[0]!r} uses a policy variable (${{...}}), "
                    "which this hub does not substitute; spell the value out instead"
                )
        # Action names are case-insensitive in IAM; resource ARNs are not.
        compiled_actions = tuple(Wildcard(a, ignore_case=True) for a in actions)
        for action, compiled in zip(actions, compiled_actions, strict=True):
            if action != "*" and not any(compiled.matches(a) for a in known_actions()):
                raise PolicyError(
                    f"{at}: unknown action {action!r} (actions look like mgh:NotifyMigrationTaskState or mighub:ListEvents)"
                )
        for resource in resources:
            if resource != "*" and not resource.startswith("arn:"):
                raise PolicyError(f"{at}: malformed resource {resource!r}: expected '*' or an ARN")
            if resource.startswith("arn:") and len(resource.split(":", 5)) < 6:
                raise PolicyError(f"{at}: malformed ARN {resource!r}: expected arn:aws:mgh:REGION:ACCOUNT:RESOURCE")
        statements.append(
            Statement(
                allow=effect == "Allow",
                actions=compiled_actions,
                actions_negated=action_key == "NotAction",
                resources=tuple(Wildcard(r) for r in resources),
                resources_negated=resource_key == "NotResource",
            )
        )
    return Policy(tuple(statements))
