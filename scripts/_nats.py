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


class NoDnsAnswer(LookupError):
    """The resolver asked did not answer at all (timeout, no nameserver): nothing is known."""


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
        raise NoDnsAnswer(f"no DNS answer for {host} within {timeout:g} s") from None
    except dns.resolver.NoNameservers:
        raise NoDnsAnswer(f"no DNS server answered for {host}") from None
    except dns.exception.DNSException as exc:
        raise LookupError(f"cannot resolve {host}: {type(exc).__name__}") from None
    return sorted({record.address for record in answer})


#: What the user must do when a name cannot be resolved from where the tool runs.
USE_VPC_RESOLVER = (
    "pass --nameserver <the VPC resolver, the VPC CIDR base + 2> from inside the VPC "
    "(a private Cloud Map name resolves only there)"
)


@dataclass(frozen=True)
class Source:
    """One place that says where NATS is, and what it resolves to against the running tasks."""

    label: str
    url: str | None
    addresses: tuple[str, ...]
    problem: str | None
    #: The name could not be resolved from here: nothing is known about drift.
    unresolvable: bool = False

    @property
    def drifted(self) -> bool:
        return self.problem is not None and not self.unresolvable

    @property
    def host(self) -> str | None:
        return urlsplit(self.url).hostname if self.url else None


def judge_source(
    label: str,
    url: str | None,
    task_ips: list[str],
    resolver: dns.resolver.Resolver,
    timeout: float,
    *,
    own_nameserver: bool = False,
) -> Source:
    """Where ``url`` points, against the running tasks.

    A name the system resolver cannot resolve is *unresolvable from here*, not drift: a private
    Cloud Map name resolves only inside the VPC. With ``own_nameserver`` (the operator named the
    resolver to ask) NXDOMAIN is an answer, and a missing name is drift; silence never is.
    """
    if not url:
        return Source(label, url, (), "not set")
    host = urlsplit(url).hostname
    if not host:
        return Source(label, url, (), "has no host")
    try:
        addresses = tuple(resolve(resolver, host, timeout))
    except NoDnsAnswer as exc:
        return Source(label, url, (), f"{exc}: {USE_VPC_RESOLVER}", unresolvable=True)
    except LookupError as exc:
        if own_nameserver:
            return Source(label, url, (), str(exc))
        return Source(label, url, (), f"{exc} from here: {USE_VPC_RESOLVER}", unresolvable=True)
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


def fix_commands(stack: str, sources: list[Source], task_ip: str) -> list[str]:
    """How to repair each drifted source, at its source (Pulumi owns NATS_URL).

    An IP is suggested only for a ``nats://`` URL that already holds an IP. A DNS name is stable
    and must stay: when it points at a stopped task, the stale record is the Cloud Map
    registration behind it. A ``tls://`` URL never gets an IP, since TLS verifies the server's
    certificate against the host name in the URL, and an IP would fail that check.
    """
    refresh = f"pulumi up --refresh --stack {stack}"
    fixes: list[str] = []
    for source in sources:
        if not source.drifted or not source.url:
            continue
        parts = urlsplit(source.url)
        scheme = parts.scheme or "nats"
        host = parts.hostname or ""
        if is_ip(host) and scheme == "nats":
            if source.label.startswith("stack config"):
                new_url = f"{scheme}://{task_ip}:{NATS_PORT}"
                fixes.append(
                    f"pulumi config set --path 'dixie:nats.url' '{new_url}' --stack {stack} && {refresh}"
                )
            else:
                fixes.append(refresh)
        elif is_ip(host):
            fixes.append(
                f"{source.label}: {scheme}:// needs the server's DNS name for certificate checks, "
                f"not an IP; set dixie:nats.url to NATS's Cloud Map name, then {refresh}"
            )
        else:
            fixes.append(
                f"{source.label}: {host} is stale at its source; fix NATS's Cloud Map registration "
                f"(aws servicediscovery list-instances for that service: the registered IPv4 must "
                f"be a running task's), then {refresh}"
            )
    return list(dict.fromkeys(fixes))


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
