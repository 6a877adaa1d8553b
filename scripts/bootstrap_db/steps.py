"""What a run reports: a step's status and statements, and the failure of a named step."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import psycopg

from scripts._cli import OperationFailed
from scripts.pgurl import PgUrl


class Status(StrEnum):
    CREATED = "created"
    PRESENT = "already present"
    UPDATED = "updated"
    NOT_NEEDED = "not needed"
    VERIFIED = "verified"
    PLANNED = "would run"
    FAILED = "failed"


@dataclass(frozen=True)
class Step:
    """One reported step; ``statements`` are the SQL it ran (or would run), password masked."""

    name: str
    status: Status
    detail: str
    statements: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "step": self.name,
            "status": self.status.value,
            "detail": self.detail,
            "statements": list(self.statements),
        }


class StepFailed(OperationFailed):
    """An operation failed inside a named step; the message is already redacted."""

    def __init__(self, step: str, message: str):
        super().__init__(message)
        self.step = step


#: Opens a connection; raises OperationFailed with a safe message.
Connector = Callable[[PgUrl], "psycopg.Connection[Any]"]
