"""What one offline run of the program recorded: each resource as the engine would have received
it, the stack outputs, the invokes. Readers over that record for tests, the plan and the policy
pack. Uses only Pulumi's public RPC helpers for secret sigils.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from pulumi.runtime import rpc

from dixie_infra import aws_types
from dixie_infra.aws_types import MASK

STACK_TYPE = aws_types.STACK


def is_secret(value: Any) -> bool:
    return rpc.is_rpc_secret(value)


def unwrap(value: Any) -> Any:
    """The plain value of a recorded input: secret sigils removed, recursively."""
    if rpc.is_rpc_secret(value):
        return unwrap(rpc.unwrap_rpc_secret(value))
    if isinstance(value, dict):
        return {k: unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap(v) for v in value]
    return value


def mask(value: Any) -> Any:
    """The value with every secret replaced by :data:`MASK`."""
    if rpc.is_rpc_secret(value):
        return MASK
    if isinstance(value, dict):
        return {k: mask(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask(v) for v in value]
    return value


@dataclass
class Resource:
    """One registered resource, as the engine would have received it."""

    type: str
    name: str
    urn: str
    parent: str
    custom: bool
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    id: str
    dependencies: tuple[str, ...]
    property_dependencies: dict[str, tuple[str, ...]]
    protect: bool
    provider: str
    additional_secret_outputs: tuple[str, ...]
    custom_timeouts: dict[str, str]
    delete_before_replace: bool
    ignore_changes: tuple[str, ...]

    @property
    def plain(self) -> dict[str, Any]:
        """Inputs with secrets unwrapped (for assertions on values)."""
        return unwrap(self.inputs)

    @property
    def physical_name(self) -> str:
        return aws_types.physical_name(self.type, self.plain)

    def is_secret_input(self, key: str) -> bool:
        return is_secret(self.inputs.get(key))


@dataclass
class Evaluation:
    """The outcome of one offline run of the program."""

    stack: str
    resources: list[Resource] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    invokes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def stack_urn(self) -> str:
        return next(r.urn for r in self.resources if r.type == STACK_TYPE)

    def of_type(self, type_: str) -> list[Resource]:
        return [r for r in self.resources if r.type == type_]

    def one(self, type_: str, name: str | None = None) -> Resource:
        found = [r for r in self.of_type(type_) if name is None or r.name == name]
        if len(found) != 1:
            raise LookupError(f"expected one {type_} named {name!r}, found {[r.name for r in found]}")
        return found[0]

    def by_urn(self, urn: str) -> Resource:
        return next(r for r in self.resources if r.urn == urn)

    def waits_for(self, resource: Resource) -> set[str]:
        """URNs ``resource`` waits for directly: explicit dependencies, the resources behind its
        inputs, and every descendant of a component among them (waiting for a component means
        waiting for all it holds)."""
        direct = set(resource.dependencies)
        for urns in resource.property_dependencies.values():
            direct |= set(urns)
        expanded: set[str] = set()
        pending = list(direct)
        while pending:
            urn = pending.pop()
            if urn in expanded:
                continue
            expanded.add(urn)
            pending.extend(r.urn for r in self.resources if r.parent == urn)
        return expanded

    def depends_on(self, resource: Resource) -> set[str]:
        """URNs of everything ``resource`` waits for, transitively."""
        seen: set[str] = set()
        pending = [resource]
        while pending:
            for urn in self.waits_for(pending.pop()):
                if urn not in seen:
                    seen.add(urn)
                    pending.append(self.by_urn(urn))
        return seen

    @property
    def aws_resources(self) -> list[Resource]:
        return [r for r in self.resources if r.custom and r.type.startswith("aws:")]

    @property
    def plain_outputs(self) -> dict[str, Any]:
        return unwrap(self.outputs)


def iter_secret_strings(evaluation: Evaluation) -> Iterator[str]:
    """Every plaintext secret value the program handled (for leak tests)."""

    def walk(value: Any, secret: bool) -> Iterator[str]:
        if rpc.is_rpc_secret(value):
            yield from walk(rpc.unwrap_rpc_secret(value), True)
        elif isinstance(value, dict):
            for v in value.values():
                yield from walk(v, secret)
        elif isinstance(value, list):
            for v in value:
                yield from walk(v, secret)
        elif secret and isinstance(value, str) and len(value) >= 8:
            yield value

    for resource in evaluation.resources:
        if resource.type == aws_types.SSM_PARAMETER and resource.plain.get("type") == "String":
            # The provider marks every parameter value secret; a String parameter holds none.
            continue
        yield from walk(resource.inputs, False)
        yield from walk(resource.outputs, False)
