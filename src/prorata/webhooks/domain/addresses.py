"""Which network addresses a webhook may be sent to: public ones only, unless allowed.

A receiver URL is chosen by a tenant, and the worker that POSTs to it sits inside the
install's network. Without this rule a tenant could make the worker call loopback services,
the cloud metadata address (169.254.169.254) or anything on the private network, and read the
answer's status, error and duration back from the delivery attempts: a port scanner. Every
address a name resolves to is checked (an attacker's name may resolve to one public and one
private address), IPv4-mapped and 6to4 IPv6 forms are unwrapped to the IPv4 address inside.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(values: Iterable[str]) -> list[Network]:
    """`["10.0.0.0/8", "127.0.0.1/32"]` → networks; a bad entry raises ValueError (a settings error)."""
    return [ipaddress.ip_network(v.strip(), strict=False) for v in values if v and v.strip()]


def _inner(address: Address) -> Address:
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address.sixtofour is not None:
            return address.sixtofour
        if address.teredo is not None:
            return address.teredo[1]
    return address


def refusal(address: Address, allowed: Iterable[Network] = ()) -> str | None:
    """Why `address` may not receive webhooks ("loopback", "private", …), None when it may.

    An address inside one of the `allowed` networks (an on-premises receiver) is always
    accepted.
    """
    for candidate in {address, _inner(address)}:
        if any(candidate.version == n.version and candidate in n for n in allowed):
            return None
    for candidate in (_inner(address), address):
        if candidate.is_unspecified:
            return "unspecified"
        if candidate.is_loopback:
            return "loopback"
        if candidate.is_link_local:  # includes 169.254.169.254, the cloud metadata address
            return "link_local"
        if candidate.is_multicast:
            return "multicast"
        if candidate.is_reserved:
            return "reserved"
        if candidate.is_private:
            return "private"
        if not candidate.is_global:
            return "reserved"
    return None
