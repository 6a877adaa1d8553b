"""The program's side: every resource the program declares, from an offline evaluation."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from dixie_infra.settings import PROJECT
from scripts._cli import UsageError, progress
from scripts.adopt.kinds import STACK_TYPE


@dataclass(frozen=True)
class Declared:
    """One resource the program declares, with its engine URN and parent component."""

    type: str
    name: str
    urn: str
    parent_name: str | None
    parent_type: str | None
    physical_name: str
    protect: bool
    custom: bool
    plain: Mapping[str, Any]
    secret_inputs: frozenset[str]
    mock_id: str
    mock_outputs: Mapping[str, Any]


def engine_urn(stack: str, type_chain: Iterable[str], name: str) -> str:
    """The URN the engine gives a resource: parent types (without the Stack) joined with ``$``."""
    return f"urn:pulumi:{stack}::{PROJECT}::{'$'.join(type_chain)}::{name}"


def declared_resources(evaluation: Any) -> list[Declared]:
    """The evaluation's resources with engine URNs (the mock monitor's URNs are not the engine's)."""
    by_urn = {r.urn: r for r in evaluation.resources}
    out: list[Declared] = []
    for resource in evaluation.resources:
        if resource.type == STACK_TYPE:
            continue
        chain = [resource.type]
        parent = by_urn.get(resource.parent)
        direct = parent
        while parent is not None and parent.type != STACK_TYPE:
            chain.insert(0, parent.type)
            parent = by_urn.get(parent.parent)
        is_component = direct is not None and direct.type != STACK_TYPE
        out.append(
            Declared(
                type=resource.type,
                name=resource.name,
                urn=engine_urn(evaluation.stack, chain, resource.name),
                parent_name=direct.name if is_component and direct else None,
                parent_type=direct.type if is_component and direct else None,
                physical_name=resource.physical_name,
                protect=resource.protect,
                custom=resource.custom,
                plain=resource.plain,
                secret_inputs=frozenset(k for k in resource.inputs if resource.is_secret_input(k)),
                mock_id=str(resource.id or ""),
                mock_outputs=resource.outputs,
            )
        )
    return out


def evaluate_program(stack: str, config: Mapping[str, Any], secret_keys: list[str]) -> list[Declared]:
    """Every resource the program declares for ``stack`` with this (already read) config."""
    from dixie_infra.offline import evaluate
    from dixie_infra.settings import SettingsError

    # The existing group has no AUTH token; the report tells the operator to keep it off.
    config = {**config, "dixie:redisAuth": False}
    progress(f"evaluating the program offline for stack {stack} ...")
    try:
        evaluation = evaluate(stack, config, secret_keys=secret_keys)
    except SettingsError as exc:
        raise UsageError(f"stack {stack!r}: " + "; ".join(str(p) for p in exc.problems)) from None
    return declared_resources(evaluation)
