"""Find NATS's running task and report whether Dixie's configured addresses still point at it.

Replaces the runbook's list-tasks/describe-tasks dance (Task 2.5, step 5). Prints
``nats://<ip>:4222`` for each RUNNING task of the NATS service, then compares two sources with it:
the stack config's ``dixie:nats.url`` and the stored ``/dixie/<env>/NATS_URL`` parameter (a DNS
name is resolved first). Drift exits 1 and prints the command that fixes it: Pulumi owns
``NATS_URL``, so the fix goes through the stack config and ``pulumi up`` (a changed parameter
also rolls Dixie, which reads it only at start).

A private DNS name (``nats.arrakis-staging.local``) resolves only inside the VPC. When the
system resolver cannot resolve it, that is its own verdict, *unresolvable from here* (exit 3),
never drift: pass ``--nameserver`` with the VPC resolver. With ``--nameserver`` given, NXDOMAIN
is an answer and a missing name is drift. The fix for a DNS name is never an IP (``tls://``
verifies the certificate against the name): a stale name is fixed at its source, the Cloud Map
registration.
"""

from __future__ import annotations

import argparse

from dixie_infra import names
from scripts import _nats
from scripts._aws import clients, parameter_value, session_for
from scripts._cli import (
    EXIT_FAILED,
    EXIT_OK,
    OperationFailed,
    UsageError,
    new_parser,
    positive,
    print_json,
    print_line,
    print_table,
    progress,
    region_for,
    run_tool,
    stack_settings,
)

PROG = "python -m scripts.discover_nats"
#: No drift found, but a source could not be resolved from here, so it was not compared.
EXIT_UNRESOLVABLE = 3
MAX_TIMEOUT = 300.0


def build_parser() -> argparse.ArgumentParser:
    parser = new_parser(
        PROG,
        "Print the running NATS task's nats://<ip>:4222 and report drift of the stack config's "
        "dixie:nats.url and the stored NATS_URL parameter against it.",
        "exit codes: 0 no drift, 1 drift (with the fix) or no running NATS task, "
        "2 bad usage or input, 3 a source's name cannot be resolved from here (pass --nameserver "
        "with the VPC resolver) and no other source drifted",
    )
    parser.add_argument(
        "--timeout", type=float, default=5.0, help="seconds per DNS or AWS call (default: %(default)g)"
    )
    parser.add_argument(
        "--nameserver",
        metavar="IP[:PORT]",
        help="resolve DNS names through this server (default: the system resolver)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    def body() -> int:
        args = build_parser().parse_args(argv)
        positive(args.timeout, "--timeout", maximum=MAX_TIMEOUT)
        settings = stack_settings(args.stack)
        try:
            resolver = _nats.make_resolver(args.nameserver, args.timeout)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        aws = clients(session_for(region_for(args, settings)), timeout=args.timeout, services=("ecs", "ssm"))
        cluster, service = settings.cluster, settings.nats.service_name
        ips = _nats.running_task_ips(aws.ecs, cluster, service)
        if not ips:
            raise OperationFailed(f"no RUNNING task of ECS service {service} in cluster {cluster}")
        parameter = names.parameter_name(settings.environment, "NATS_URL")
        sources = [
            _nats.judge_source(
                "stack config dixie:nats.url",
                settings.nats.url,
                ips,
                resolver,
                args.timeout,
                own_nameserver=args.nameserver is not None,
            ),
            _nats.judge_source(
                f"parameter {parameter}",
                parameter_value(aws.ssm, parameter),
                ips,
                resolver,
                args.timeout,
                own_nameserver=args.nameserver is not None,
            ),
        ]
        drifted = [s for s in sources if s.drifted]
        unresolvable = [s for s in sources if s.unresolvable]
        fixes = _nats.fix_commands(settings.stack, sources, ips[0]) if drifted else []
        verdict = "drift" if drifted else ("unresolvable" if unresolvable else "ok")
        if len(ips) > 1:
            progress(f"{len(ips)} RUNNING tasks of {service} (a deployment in progress?)")
        if args.json:
            print_json(
                {
                    "tool": "discover_nats",
                    "stack": settings.stack,
                    "service": service,
                    "natsUrls": [_nats.task_url(ip) for ip in ips],
                    "taskIps": ips,
                    "verdict": verdict,
                    "drift": bool(drifted),
                    "sources": [
                        {
                            "source": s.label,
                            "url": s.url,
                            "addresses": list(s.addresses),
                            "status": _status(s),
                            "detail": s.problem or "points at a running NATS task",
                        }
                        for s in sources
                    ],
                    "fix": fixes,
                }
            )
        else:
            for ip in ips:
                print_line(_nats.task_url(ip))
            print_table(
                f"NATS drift (stack {settings.stack}, service {service})",
                ("source", "url", "resolves to", "status"),
                [
                    (
                        s.label,
                        s.url or "-",
                        ", ".join(s.addresses) or "-",
                        f"{_status(s).upper()}: {s.problem}" if s.problem else "ok",
                    )
                    for s in sources
                ],
            )
            if drifted:
                print_line(f"verdict: DRIFT ({len(drifted)} of {len(sources)} sources); fix with:")
                for command in fixes:
                    print_line(f"  {command}")
            elif unresolvable:
                print_line(
                    f"verdict: UNRESOLVABLE from here ({len(unresolvable)} of {len(sources)} sources "
                    f"not compared); {_nats.USE_VPC_RESOLVER}"
                )
            else:
                print_line("verdict: no drift")
        if drifted:
            return EXIT_FAILED
        return EXIT_UNRESOLVABLE if unresolvable else EXIT_OK

    return run_tool(PROG, body)


def _status(source: _nats.Source) -> str:
    if source.unresolvable:
        return "unresolvable"
    return "drift" if source.drifted else "ok"


if __name__ == "__main__":
    raise SystemExit(main())
