"""Point Finn at Dixie: set ``/loa-finn/<env>/DIXIE_BASE_URL`` and roll Finn so it reads it.

Replaces the runbook's Task 2.7 (put-parameter, force-new-deployment, wait services-stable) and
is idempotent: when the parameter already holds ``https://<hostname>`` nothing is written and
Finn is not redeployed (``--force`` redeploys anyway). Finn's service is looked up before anything
is written, so a wrong cluster or service name changes nothing. The parameter is a SecureString;
its previous value is never printed.

While it waits for Finn to become stable it says, every poll, how many tasks run and how long is
left. Under ``--json`` a failure is a JSON document too (``result: failed`` with the error and
what had been done by then), so a pipeline reading stdout always gets one document.

Needed only while Finn is not a Pulumi stack reading this stack's ``dixieBaseUrl`` output.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import asdict, dataclass
from typing import Any

from botocore.exceptions import ClientError, WaiterError

from scripts._aws import clients, parameter_value, session_for
from scripts._cli import (
    EXIT_OK,
    OperationFailed,
    describe_failure,
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

PROG = "python -m scripts.wire_finn"
#: ECS's own services-stable waiter polls every 15 s; a shorter --timeout polls more often.
MAX_POLL_SECONDS = 15.0
#: Longest stability wait: ECS gives up on a deployment long before this; inf would wait forever.
MAX_TIMEOUT = 3600.0
#: The waiting and the clock of the stability wait (a test's fake clock replaces them).
_sleep = time.sleep
_clock = time.monotonic


@dataclass
class WiringReport:
    stack: str
    parameter: str
    wanted: str
    previously: str  # "not set", "the same", "a different value" (never the value itself)
    changed: bool
    redeployed: bool
    deployment_id: str | None
    stable: bool | None
    dry_run: bool


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def build_parser() -> argparse.ArgumentParser:
    parser = new_parser(
        PROG,
        "Set Finn's DIXIE_BASE_URL parameter to https://<hostname>, force a new deployment of "
        "Finn's ECS service and wait until it is stable. Already wired: changes nothing.",
        "exit codes: 0 wired (and stable), 1 an AWS step failed or Finn did not become stable, "
        "2 bad usage or input",
    )
    parser.add_argument(
        "--force", action="store_true", help="redeploy Finn even when already wired (default: off)"
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="say what would be done, change nothing (default: off)"
    )
    parser.add_argument(
        "--no-wait",
        action="store_true",
        help="do not wait for Finn's service to become stable (default: wait)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=600.0,
        metavar="SECONDS",
        help="how long to wait for Finn to become stable (default: %(default)g)",
    )
    return parser


def _require_service(ecs: Any, cluster: str, service: str) -> None:
    try:
        found = ecs.describe_services(cluster=cluster, services=[service])["services"]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ClusterNotFoundException":
            raise OperationFailed(f"no ECS cluster {cluster}") from None
        raise
    if not any(s.get("status") == "ACTIVE" for s in found):
        raise OperationFailed(f"no ACTIVE ECS service {service} in cluster {cluster}: nothing changed")


def _state(response: dict[str, Any] | None) -> str:
    for described in (response or {}).get("services", []):
        return (
            f"running {described.get('runningCount')}/{described.get('desiredCount')}, "
            f"{len(described.get('deployments', []))} deployments"
        )
    return "no answer yet"


def wait_stable(ecs: Any, cluster: str, service: str, timeout: float) -> None:
    """Poll ECS's own ``services_stable`` waiter one attempt at a time (its acceptors decide what
    stable and what a terminal failure is), saying where things stand between attempts."""
    waiter = ecs.get_waiter("services_stable")
    delay = min(MAX_POLL_SECONDS, max(1.0, timeout / 10))
    deadline = _clock() + timeout
    while True:
        try:
            waiter.wait(cluster=cluster, services=[service], WaiterConfig={"Delay": 1, "MaxAttempts": 1})
            return
        except WaiterError as exc:
            state = _state(getattr(exc, "last_response", None))
            if "terminal failure" in str(exc):
                raise OperationFailed(f"{service} cannot become stable ({state}): {exc}") from None
            left = deadline - _clock()
            if left <= 0:
                raise OperationFailed(
                    f"{service} did not become stable within {timeout:g} s ({state})"
                ) from None
            pause = min(delay, left)
            progress(f"waiting for {service} to become stable: {state}; {left:.0f} s left")
            _sleep(pause)


def wire(
    ssm: Any,
    ecs: Any,
    *,
    stack: str,
    cluster: str,
    service: str,
    parameter: str,
    wanted: str,
    force: bool,
    dry_run: bool,
    wait: bool,
    timeout: float,
) -> WiringReport:
    _require_service(ecs, cluster, service)
    current = parameter_value(ssm, parameter)
    already = current is not None and current.rstrip("/") == wanted
    previously = "the same" if already else ("not set" if current is None else "a different value")
    report = WiringReport(stack, parameter, wanted, previously, False, False, None, None, dry_run)
    redeploy = force or not already
    if dry_run:
        progress(
            f"dry run: would {'leave' if already else 'set'} {parameter}"
            f"{'' if already else f' to {wanted}'} and "
            f"{'force a new deployment of' if redeploy else 'not redeploy'} {service}"
        )
        return report
    if not already:
        ssm.put_parameter(Name=parameter, Value=wanted, Type="SecureString", Overwrite=True)
        report.changed = True
        progress(f"set {parameter} to {wanted} (was {previously})")
    if not redeploy:
        progress(f"{parameter} already holds {wanted}; {service} not redeployed")
        return report
    updated = ecs.update_service(cluster=cluster, service=service, forceNewDeployment=True)["service"]
    primary: dict[str, Any] = next(
        (d for d in updated.get("deployments", []) if d.get("status") == "PRIMARY"), {}
    )
    report.redeployed = True
    report.deployment_id = primary.get("id")
    progress(f"forced a new deployment of {service} ({report.deployment_id})")
    if wait:
        started = _clock()
        progress(f"waiting up to {timeout:g} s for {service} to become stable")
        try:
            wait_stable(ecs, cluster, service, timeout)
        except OperationFailed as exc:
            report.stable = False
            raise WiringFailed(str(exc), report) from None
        report.stable = True
        progress(f"{service} stable after {_clock() - started:.0f} s")
    return report


class WiringFailed(OperationFailed):
    """A failure after something was done: the report says what."""

    def __init__(self, message: str, report: WiringReport):
        super().__init__(message)
        self.report = report


def main(argv: list[str] | None = None) -> int:
    def body() -> int:
        args = build_parser().parse_args(argv)
        positive(args.timeout, "--timeout", maximum=MAX_TIMEOUT)
        settings = stack_settings(args.stack)
        aws = clients(
            session_for(region_for(args, settings)),
            timeout=min(args.timeout, 60.0),
            services=("ssm", "ecs"),
        )
        try:
            report = wire(
                aws.ssm,
                aws.ecs,
                stack=settings.stack,
                cluster=settings.cluster,
                service=settings.finn.service_name,
                parameter=settings.finn.base_url_parameter,
                wanted=settings.base_url,
                force=args.force,
                dry_run=args.dry_run,
                wait=not args.no_wait,
                timeout=args.timeout,
            )
        except Exception as exc:
            if args.json:
                done = asdict(exc.report) if isinstance(exc, WiringFailed) else {}
                print_json(
                    {
                        "tool": "wire_finn",
                        "stack": settings.stack,
                        **{_camel(k): v for k, v in done.items()},
                        "result": "failed",
                        "error": describe_failure(exc)[1],
                    }
                )
            raise
        if args.json:
            print_json(
                {
                    "tool": "wire_finn",
                    **{_camel(k): v for k, v in asdict(report).items()},
                    "result": "ok",
                    "error": None,
                }
            )
        else:
            print_table(
                f"wire_finn (stack {settings.stack}){' - dry run' if args.dry_run else ''}",
                ("step", "result"),
                [
                    (report.parameter, f"{'set to' if report.changed else 'holds'} {report.wanted}"
                     if not args.dry_run else f"now holds {report.previously}"),
                    (settings.finn.service_name,
                     f"redeployed ({report.deployment_id})" if report.redeployed else "not redeployed"),
                    ("stable", "yes" if report.stable else
                     ("not waited for (--no-wait)" if report.redeployed else "nothing to wait for")),
                ],
            )  # fmt: skip
            print_line(f"verdict: {'wired' if not args.dry_run else 'dry run, nothing changed'}")
        return EXIT_OK

    return run_tool(PROG, body)


if __name__ == "__main__":
    raise SystemExit(main())
