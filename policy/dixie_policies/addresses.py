"""Which part of a set of CIDRs is public address space, reasoned on the addresses, not the text.

A rule is world-reachable when the addresses it admits include public ones, however the CIDRs are
written: ``0.0.0.0/0``, ``0.0.0.0/1`` + ``128.0.0.0/1``, ``::/1`` + ``8000::/1``, 256 ``/8``s, or
an IPv4-mapped ``::ffff:0:0/96``. Whatever is not in :data:`NOT_PUBLIC` counts as public; the list
is the address space a VPC, a peered network or the host itself can use (RFC 1918, RFC 6598
shared space, link-local, loopback, IPv6 unique-local), so a documentation or reserved range
counts as public too: the pack refuses it rather than reason about what routes it.

Public space is judged per rule: if no rule admits a public address, their union admits none,
so splitting the internet across several rules (or several resources) cannot slip through.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

NOT_PUBLIC: tuple[Network, ...] = tuple(
    ipaddress.ip_network(cidr)
    for cidr in (
        "10.0.0.0/8",  # RFC 1918
        "172.16.0.0/12",  # RFC 1918
        "192.168.0.0/16",  # RFC 1918
        "100.64.0.0/10",  # RFC 6598 shared address space (VPCs may use it)
        "169.254.0.0/16",  # link-local (instance metadata, Time Sync)
        "127.0.0.0/8",  # loopback
        "fc00::/7",  # unique-local
        "fe80::/10",  # link-local
        "::1/128",  # loopback
    )
)

PUBLIC_SPACE: dict[int, tuple[Network, ...]] = {}


@dataclass(frozen=True)
class Reach:
    """What a list of CIDR strings admits."""

    public: tuple[Network, ...]  # collapsed public part
    invalid: tuple[str, ...]  # entries that are not CIDRs (AWS would refuse them; so does the pack)

    @property
    def any_public(self) -> bool:
        return bool(self.public)

    def describe(self) -> str:
        """``all public IPv4 space`` / ``public addresses such as 8.8.8.0/24``: for messages (CIDRs
        are never secrets)."""
        whole = [v for v in (4, 6) if _covers_all_public(self.public, v)]
        if whole:
            return " and ".join(f"all public IPv{v} space" for v in whole)
        return f"public addresses such as {self.public[0]}"


def _minus(network: Network, hole: Network) -> list[Network]:
    """``network`` without ``hole`` (a network of the other IP version leaves it whole)."""
    if not network.overlaps(hole):
        return [network]
    if isinstance(network, ipaddress.IPv4Network) and isinstance(hole, ipaddress.IPv4Network):
        return [] if network.subnet_of(hole) else list(network.address_exclude(hole))
    if isinstance(network, ipaddress.IPv6Network) and isinstance(hole, ipaddress.IPv6Network):
        return [] if network.subnet_of(hole) else list(network.address_exclude(hole))
    return [network]


def _subtract(networks: Iterable[Network], holes: Iterable[Network]) -> list[Network]:
    remaining = list(networks)
    for hole in holes:
        remaining = [piece for network in remaining for piece in _minus(network, hole)]
    return remaining


def _collapse(networks: Iterable[Network]) -> tuple[Network, ...]:
    v4 = [n for n in networks if n.version == 4]
    v6 = [n for n in networks if n.version == 6]
    return (*ipaddress.collapse_addresses(v4), *ipaddress.collapse_addresses(v6))


def _all_public(version: int) -> tuple[Network, ...]:
    if version not in PUBLIC_SPACE:
        everything = ipaddress.ip_network("0.0.0.0/0" if version == 4 else "::/0")
        PUBLIC_SPACE[version] = _collapse(_subtract([everything], NOT_PUBLIC))
    return PUBLIC_SPACE[version]


def _covers_all_public(public: tuple[Network, ...], version: int) -> bool:
    mine = [n for n in public if n.version == version]
    return bool(mine) and not _subtract(_all_public(version), mine)


def reach(cidrs: Iterable[object]) -> Reach:
    networks: list[Network] = []
    invalid: list[str] = []
    for cidr in cidrs:
        try:
            networks.append(ipaddress.ip_network(str(cidr).strip(), strict=False))
        except ValueError:
            invalid.append(str(cidr))
    return Reach(_collapse(_subtract(networks, NOT_PUBLIC)), tuple(invalid))


__all__ = ["NOT_PUBLIC", "Reach", "reach"]
