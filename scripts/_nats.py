"""Where NATS really is, and whether the addresses Dixie is configured with still point there.

NATS runs as an ECS task whose private IP changes whenever the task restarts; Dixie is configured
with an address (the stack's ``dixie:nats.url``, written by Pulumi into the ``NATS_URL``
parameter) that is an IP or a DNS name kept by hand. Both go stale silently and Dixie turns
``degraded``. Shared by ``scripts.discover_nats`` and the ``nats-drift`` check.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import dns.exception
import dns.resolver

from dixie_infra.names import NATS_PORT


def running_task_ips(ecs: Any, cluster: str, service: str) -> list[str]:
    """Private IPv4 addresses of the RUNNING tasks of ``service``, sorted."""
    arns: list[str] = []
    for page in ecs.get_paginator("list_tasks").paginate(
        cluster=cluster, serviceName=service, desiredStatus="RUNNING"
    ):
        arns.extend(page.get("taskArns", []))
    ips: set[str] = set()
    for start in range(0, len(arns), 100):  # DescribeTasks takes at most 100 tasks
        for task in ecs.describe_tasks(cluster=cluster, tasks=arns[start : start + 100])["tasks"]:
            # A service's tasks carry group "service:<name>"; filtering on it as well keeps a
            # broader listing (another service's task in the same cluster) from passing as NATS.
            if task.get("group", f"service:{service}") != f"service:{service}":
                continue
            if task.get("lastStatus") != "RUNNING":
                continue
            for attachment in task.get("attachments", []):
                for detail in attachment.get("details", []):
                    if detail.get("name") == "privateIPv4Address" and detail.get("value"):
                        ips.add(detail["value"])
    return sorted(ips, key=ipaddress.ip_address)


def task_url(ip: str) -> str:
    return f"nats://{ip}:{NATS_PORT}"


def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def resolve(resolver: dns.resolver.Resolver, host: str, timeout: float) -> list[str]:
    """IPv4 addresses of ``host`` (itself when it is an IP); LookupError saying why not."""
    if is_ip(host):
        return [host]
    try:
        answer = resolver.resolve(host, "A", lifetime=timeout)
    except dns.resolver.NXDOMAIN:
        raise LookupError(f"{host} does not exist in DNS (NXDOMAIN)") from None
    except dns.resolver.NoAnswer:
        raise LookupError(f"{host} has no A record") from None
    except dns.exception.Timeout:
        raise LookupError(f"no DNS answer for {host} within {timeout:g} s") from None
    except dns.exception.DNSException as exc:
        raise LookupError(f"cannot resolve {host}: {type(exc).__name__}") from None
    return sorted({record.address for record in answer})


@dataclass(frozen=True)
class Source:
    """One place that says where NATS is, and what it resolves to against the running tasks."""

    label: str
    url: str | None
    addresses: tuple[str, ...]
    problem: str | None

    @property
    def drifted(self) -> bool:
        return self.problem is not None


def judge_source(
    label: str,
    url: str | None,
    task_ips: list[str],
    resolver: dns.resolver.Resolver,
    timeout: float,
) -> Source:
    if not url:
        return Source(label, url, (), "not set")
    host = urlsplit(url).hostname
    if not host:
        return Source(label, url, (), "has no host")
    try:
        addresses = tuple(resolve(resolver, host, timeout))
    except LookupError as exc:
        return Source(label, url, (), str(exc))
    if not task_ips:
        return Source(label, url, addresses, "no running NATS task to compare with")
    if set(addresses) & set(task_ips):
        return Source(label, url, addresses, None)
    return Source(
        label,
        url,
        addresses,
        f"points at {', '.join(addresses)}, but NATS runs at {', '.join(task_ips)}",
    )


def fix_commands(stack: str, configured_url: str, config_drifted: bool, task_ip: str) -> list[str]:
    """The commands that repair the drift (Pulumi owns NATS_URL, so the fix goes through it).

    The configured scheme is kept: NATS requires TLS, and a ``tls://`` URL says so explicitly.
    """
    scheme = urlsplit(configured_url).scheme or "nats"
    refresh = f"pulumi up --refresh --stack {stack}"
    if config_drifted:
        new_url = f"{scheme}://{task_ip}:{NATS_PORT}"
        return [f"pulumi config set --path 'dixie:nats.url' '{new_url}' --stack {stack} && {refresh}"]
    return [refresh]


def make_resolver(nameserver: str | None, timeout: float) -> dns.resolver.Resolver:
    """The system resolver, or one asking only ``nameserver``; ValueError when it is malformed."""
    if nameserver is None:
        resolver = dns.resolver.Resolver()
    else:
        host, _, port = nameserver.rpartition(":") if nameserver.count(":") == 1 else (nameserver, "", "53")
        try:
            ipaddress.ip_address(host)
            port_number = int(port)
        except ValueError:
            raise ValueError(f"--nameserver {nameserver!r} is not IP or IP:PORT") from None
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = [host]
        resolver.port = port_number
    resolver.lifetime = timeout
    resolver.timeout = timeout
    return resolver
