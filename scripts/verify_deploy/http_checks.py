"""Post-deploy checks over DNS and HTTP: the hostname, Dixie's health and Finn's."""

from __future__ import annotations

from scripts import _health, _nats
from scripts._checks import fail
from scripts.verify_deploy.context import Context


def check_dns(ctx: Context) -> str:
    host = ctx.settings.hostname
    try:
        addresses = _nats.resolve(ctx.resolver, host, ctx.timeout)
    except LookupError as exc:
        raise fail(str(exc)) from None
    alb = ctx.settings.alb.dns_name
    try:
        alb_addresses = _nats.resolve(ctx.resolver, alb, ctx.timeout)
    except LookupError as exc:
        raise fail(f"{host} -> {', '.join(addresses)}, but the ALB name: {exc}") from None
    stray = sorted(set(addresses) - set(alb_addresses))
    if stray:
        raise fail(
            f"{host} -> {', '.join(addresses)}; {', '.join(stray)} is not an address of the ALB "
            f"{alb} ({', '.join(alb_addresses)})"
        )
    return f"{host} -> {', '.join(addresses)} (the ALB's addresses)"


def check_dixie_health(ctx: Context) -> str:
    return _health.judge_dixie_status(ctx.dixie_health.get())


def check_finn_circuit(ctx: Context) -> str:
    return _health.judge_finn_circuit(ctx.dixie_health.get(), ctx.latency_ms)


def check_infrastructure(ctx: Context) -> str:
    return _health.judge_infrastructure(ctx.dixie_health.get())


def check_governance(ctx: Context) -> str:
    return _health.judge_governance(ctx.dixie_health.get())


def check_finn_health(ctx: Context) -> str:
    return _health.judge_finn_health(_health.get_json(ctx.http, ctx.finn_url + "/health", ctx.timeout))
