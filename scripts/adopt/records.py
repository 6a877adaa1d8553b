"""The report's records: a matched resource, a difference, a missing one, the whole adoption."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scripts.adopt.kinds import Kind
from scripts.adopt.program import Declared


class Effect:
    UPDATE = "update in place"
    REPLACE = "REPLACE"
    REVISION = "new revision (normal)"


@dataclass(frozen=True)
class Difference:
    logical_name: str
    property: str
    current: str
    program: str
    effect: str

    def as_dict(self) -> dict[str, str]:
        return {
            "logicalName": self.logical_name,
            "property": self.property,
            "current": self.current,
            "program": self.program,
            "effect": self.effect,
        }


@dataclass
class Match:
    declared: Declared
    source: str
    import_id: str
    current: Mapping[str, Any]
    kind: Kind | None
    by_address: bool = False
    differences: list[Difference] = field(default_factory=list)

    @property
    def forces_replacement(self) -> bool:
        return any(d.effect == Effect.REPLACE for d in self.differences)


@dataclass(frozen=True)
class Missing:
    """Recorded by terraform, absent from AWS: importing it would fail, creating it would hide
    whatever deleted it (or say that these are the wrong credentials)."""

    address: str
    type: str
    id: str
    logical_name: str | None

    def as_dict(self) -> dict[str, str | None]:
        return {"address": self.address, "type": self.type, "id": self.id, "logicalName": self.logical_name}


@dataclass
class Adoption:
    stack: str
    matched: list[Match] = field(default_factory=list)
    absent: list[tuple[Declared, str]] = field(default_factory=list)
    not_declared: list[tuple[str, str, str, str]] = field(default_factory=list)
    missing: list[Missing] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def replacements(self) -> list[Difference]:
        return [d for m in self.matched for d in m.differences if d.effect == Effect.REPLACE]

    @property
    def ok(self) -> bool:
        return not self.replacements and not self.problems and not self.missing
