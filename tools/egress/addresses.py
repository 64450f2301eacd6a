"""Which addresses an outbound request may reach: the classifier and the operator's allow-list.

Internal means loopback, private, link-local, multicast, unspecified, reserved, shared address
space (100.64.0.0/10) or anything else ``ipaddress`` says is not globally routable. IPv6 forms
that embed an IPv4 address (``::ffff:127.0.0.1``, 6to4, Teredo) are judged by that address.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def _embedded(ip: IPAddress) -> IPAddress | None:
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip.sixtofour is not None:
            return ip.sixtofour
        if ip.teredo is not None:
            return ip.teredo[1]
        packed = ip.packed
        if packed[:12] == bytes(12) and int(ip) > 1:  # ::a.b.c.d (IPv4-compatible), not :: or ::1
            return ipaddress.IPv4Address(packed[12:])
    return None


def internal_reason(ip: IPAddress) -> str | None:
    """Why ``ip`` is internal ("loopback", "private", ...), or ``None`` for a public address."""
    inner = _embedded(ip)
    if inner is not None:
        reason = internal_reason(inner)
        return f"{reason} (embedded in {ip})" if reason else None
    checks = (
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("private", ip.is_private),
        ("reserved", ip.is_reserved),
    )
    for name, hit in checks:
        if hit:
            return name
    if not ip.is_global:
        return "not globally routable"
    return None


@dataclass(frozen=True)
class AllowList:
    """Hosts, addresses and networks the operator lets requests reach although internal."""

    hosts: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def parse(cls, entries: Iterable[str]) -> AllowList:
        """From ``FAST_GENAI_ALLOWED_INTERNAL_HOSTS`` entries: a host name, an IP or a CIDR."""
        hosts: set[str] = set()
        networks: list[IPNetwork] = []
        for raw in entries:
            entry = raw.strip().lower()
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            except ValueError:
                hosts.add(entry.rstrip("."))
        return cls(frozenset(hosts), tuple(networks))

    def allows_host(self, host: str) -> bool:
        return host.lower().rstrip(".").strip("[]") in self.hosts

    def allows_address(self, ip: IPAddress) -> bool:
        candidates = [ip]
        inner = _embedded(ip)
        if inner is not None:
            candidates.append(inner)
        return any(c.version == n.version and c in n for c in candidates for n in self.networks)

    def __bool__(self) -> bool:
        return bool(self.hosts or self.networks)
