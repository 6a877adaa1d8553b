"""Health documents as Dixie's ``GET /api/health`` and Finn's ``/health`` serve them.

Shapes follow the app's health route: ``status``, ``services.loa_finn`` {status, latency_ms,
circuit_state, error?}, ``infrastructure`` {postgresql?, redis?, nats?} (a key is absent when that
dependency is not configured), ``governance`` {governor_count, resource_types, health}. Each
variant is the healthy document with the one change its scenario is about.
"""

from __future__ import annotations

import copy
from typing import Any


def healthy() -> dict[str, Any]:
    return {
        "status": "healthy",
        "version": "2.0.0",
        "uptime_seconds": 5321,
        "services": {
            "dixie": {"status": "healthy"},
            "loa_finn": {"status": "healthy", "latency_ms": 12, "circuit_state": "closed"},
            "knowledge_corpus": {"status": "healthy"},
        },
        "infrastructure": {
            "postgresql": {"status": "healthy", "latency_ms": 2},
            "redis": {"status": "healthy", "latency_ms": 1},
            "nats": {"status": "healthy", "latency_ms": 1},
        },
        "reputation_service": {"initialized": True, "aggregate_count": 0},
        "governance": {
            "governor_count": 3,
            "resource_types": ["knowledge", "reputation", "schedule"],
            "health": "healthy",
        },
        "timestamp": "2026-02-28T10:00:00.000Z",
    }


def _edit(**changes: Any) -> dict[str, Any]:
    doc = copy.deepcopy(healthy())
    for path, value in changes.items():
        node = doc
        *parents, leaf = path.split("__")
        for key in parents:
            node = node[key]
        if value is _DELETE:
            del node[leaf]
        else:
            node[leaf] = value
    return doc


_DELETE = object()


def degraded_nats_unreachable() -> dict[str, Any]:
    """Sprint 3's state: NATS's security group did not admit Dixie."""
    return _edit(
        status="degraded",
        infrastructure__nats={"status": "unreachable", "error": "connect ETIMEDOUT 10.0.3.41:4222"},
    )


def unhealthy_finn_unreachable() -> dict[str, Any]:
    return _edit(
        status="unhealthy",
        services__loa_finn={
            "status": "unreachable",
            "latency_ms": 5002,
            "error": "fetch failed",
            "circuit_state": "open",
        },
    )


def circuit_open() -> dict[str, Any]:
    return _edit(
        status="degraded",
        services__loa_finn={"status": "degraded", "latency_ms": 30, "circuit_state": "open"},
    )


def finn_latency(ms: int) -> dict[str, Any]:
    return _edit(services__loa_finn={"status": "healthy", "latency_ms": ms, "circuit_state": "closed"})


def governance_degraded() -> dict[str, Any]:
    return _edit(governance={"governor_count": 3, "resource_types": [], "health": "degraded"})


def governance_absent() -> dict[str, Any]:
    return _edit(governance=_DELETE)


def without_redis() -> dict[str, Any]:
    return _edit(infrastructure__redis=_DELETE)


def without_infrastructure() -> dict[str, Any]:
    return _edit(infrastructure=_DELETE)


def finn_healthy() -> dict[str, Any]:
    return {"status": "ok", "uptime": 86400, "dependencies": {"dixie": {"status": "connected"}}}


def finn_dixie_disconnected() -> dict[str, Any]:
    return {
        "status": "degraded",
        "dependencies": {"dixie": {"status": "disconnected", "error": "ECONNREFUSED"}},
    }
