"""The egress policy: resolve a host once, refuse internal addresses, hand back what to dial.

Both guarded transports (``httpx_guard`` for httpx clients, ``requests_guard`` for requests
sessions) call ``EgressPolicy.resolve`` for every new connection, redirects included, and then
connect to exactly the addresses it returned, so a name cannot resolve to a public address for
the check and to an internal one for the connection (DNS rebinding).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field

from tools.egress.addresses import AllowList, IPAddress, internal_reason
from tools.errors import AddressNotAllowed
from tools.settings import ToolSettings

SETTING = "FAST_GENAI_ALLOWED_INTERNAL_HOSTS"


@dataclass(frozen=True)
class Target:
    """One checked address to connect to."""

    family: socket.AddressFamily
    ip: str
    port: int


@dataclass(frozen=True)
class EgressPolicy:
    """Refuses internal addresses unless the host, address or network is on ``allow``."""

    allow: AllowList = field(default_factory=AllowList)

    @classmethod
    def from_entries(cls, entries: Iterable[str]) -> EgressPolicy:
        return cls(AllowList.parse(entries))

    def check(self, host: str, ip: IPAddress) -> None:
        """Raise ``AddressNotAllowed`` when ``host`` (resolved to ``ip``) may not be reached."""
        reason = internal_reason(ip)
        if reason is None or self.allow.allows_host(host) or self.allow.allows_address(ip):
            return
        shown = host if host == str(ip) else f"{host} ({ip})"
        raise AddressNotAllowed(
            f"refused to connect to {shown}: a {reason} address",
            hint=f"an operator can allow it by listing the host, address or network in {SETTING}",
        )

    def resolve(self, host: str, port: int) -> list[Target]:
        """Every address ``host`` resolves to, each checked; raises ``socket.gaierror`` when the
        name does not resolve and ``AddressNotAllowed`` when any address is refused."""
        bare = host.strip("[]")
        infos = socket.getaddrinfo(bare, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
        targets: list[Target] = []
        for family, _type, _proto, _name, sockaddr in infos:
            if family not in (socket.AF_INET, socket.AF_INET6):
                continue  # type: ignore[unreachable]
            text = str(sockaddr[0]).split("%", 1)[0]
            self.check(bare, ipaddress.ip_address(text))
            target = Target(family, str(sockaddr[0]), int(sockaddr[1]))
            if target not in targets:
                targets.append(target)
        if not targets:
            raise socket.gaierror(socket.EAI_NONAME, f"{host} has no IPv4 or IPv6 address")
        return targets


def policy_for(settings: ToolSettings) -> EgressPolicy:
    """The policy of ``settings.allowed_internal_hosts``."""
    return EgressPolicy.from_entries(settings.allowed_internal_hosts)
