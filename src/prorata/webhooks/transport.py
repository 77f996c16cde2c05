"""One webhook POST, safe against the receiver: the SSRF guard, a total deadline, no redirects.

- The URL's host is resolved here and every address checked (`domain.addresses`); the
  connection then goes to the checked address itself, so a name cannot resolve to a public
  address for the check and to 127.0.0.1 for the connection (DNS rebinding).
- `PRORATA_WEBHOOK_TIMEOUT` is the deadline of the whole request — connect, TLS, sending,
  status line, headers and the first 4 KiB of the body — not of each socket operation: a
  watchdog shuts the socket down when it passes, so a receiver that trickles one byte every few
  seconds holds a sender for the deadline at most.
- Redirects are not followed (http.client never follows them); a 3xx is a failed attempt.
- Every failure (refused address, DNS, refused connection, reset, TLS, a status line that is
  not HTTP, the deadline) comes back as (None, error text): `post` never raises.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

from .domain.addresses import Address, Network, parse_networks, refusal

USER_AGENT = "Prorata-Webhooks/1"
MAX_READ = 4096


class UrlRefused(Exception):
    def __init__(self, code: str, reason: str = ""):
        self.code = code
        self.reason = reason
        super().__init__(f"{code}: {reason}" if reason else code)


def deadline_seconds() -> float:
    return float(getattr(settings, "PRORATA_WEBHOOK_TIMEOUT", 10))


def http_allowed() -> bool:
    return bool(getattr(settings, "PRORATA_WEBHOOK_ALLOW_HTTP", False))


def allowed_networks() -> list[Network]:
    return parse_networks(getattr(settings, "PRORATA_WEBHOOK_ALLOWED_NETWORKS", ()))


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str


def _resolve(host: str, port: int) -> list[Address]:
    import ipaddress

    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[Address] = []
    for info in infos:
        raw = str(info[4][0]).split("%", 1)[0]
        addresses.append(ipaddress.ip_address(raw))
    return addresses


def check_scheme(url: str) -> None:
    scheme = urlsplit(url).scheme.lower()
    if scheme != "https" and not (scheme == "http" and http_allowed()):
        raise UrlRefused("webhook_url_insecure", scheme)


def check_addresses(host: str, port: int, *, unresolvable_ok: bool = False) -> list[Address]:
    """Every address `host` resolves to, each one allowed; raises UrlRefused otherwise."""
    try:
        addresses = _resolve(host, port)
    except (OSError, UnicodeError, ValueError) as exc:
        if unresolvable_ok:
            return []
        raise UrlRefused("webhook_url_unresolvable", f"{type(exc).__name__}: {exc}"[:200]) from None
    if not addresses:
        if unresolvable_ok:
            return []
        raise UrlRefused("webhook_url_unresolvable", host)
    allowed = allowed_networks()
    for address in addresses:
        why = refusal(address, allowed)
        if why is not None:
            raise UrlRefused("webhook_url_private", f"{address} ({why})")
    return addresses


def target_for(url: str) -> Target:
    """The checked target of `url`; raises UrlRefused."""
    check_scheme(url)
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    addresses = check_addresses(host, port)
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(parts.scheme.lower(), host, port, path, str(addresses[0]))


class _Watchdog:
    """Shuts the connection's socket down when the deadline passes."""

    def __init__(self, seconds: float):
        self.expired = False
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def start(self) -> None:
        self._timer.start()

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sock = sock
            if self.expired:
                self._shutdown()

    def _fire(self) -> None:
        with self._lock:
            self.expired = True
            self._shutdown()

    def _shutdown(self) -> None:
        if self._sock is not None:
            try:
                self._sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cancel(self) -> None:
        self._timer.cancel()


def _connection(target: Target, timeout: float, watchdog: _Watchdog) -> http.client.HTTPConnection:
    # The connection goes to the address that was checked, with the URL's host as Host header
    # and TLS server name.
    class Pinned(http.client.HTTPConnection):
        def connect(self) -> None:
            self.sock = socket.create_connection((target.address, target.port), timeout=timeout)
            watchdog.watch(self.sock)

    class PinnedTLS(http.client.HTTPSConnection):
        def connect(self) -> None:
            raw = socket.create_connection((target.address, target.port), timeout=timeout)
            watchdog.watch(raw)
            self.sock = self._context.wrap_socket(raw, server_hostname=target.host)  # type: ignore[attr-defined]
            watchdog.watch(self.sock)

    if target.scheme == "https":
        return PinnedTLS(target.host, target.port, timeout=timeout, context=ssl.create_default_context())
    return Pinned(target.host, target.port, timeout=timeout)


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str, int]:
    """POST once: (status code or None, error text, duration in ms). Never raises."""
    started = time.monotonic()
    deadline = deadline_seconds()
    status: int | None = None
    error = ""
    watchdog = _Watchdog(deadline)
    conn = None
    try:
        target = target_for(url)
        watchdog.start()
        conn = _connection(target, deadline, watchdog)
        conn.request("POST", target.path, body=body, headers={
            **headers, "Content-Type": "application/json", "User-Agent": USER_AGENT,
        })
        response = conn.getresponse()
        status = response.status
        response.read(MAX_READ)
        if 300 <= status < 400:
            error = f"HTTP {status}: redirect not followed"
        elif not 200 <= status < 300:
            error = f"HTTP {status}"
    except UrlRefused as exc:
        error = f"refused: {exc}"
    except Exception as exc:  # every failure of a receiver is a failed attempt, never a crash
        if watchdog.expired:
            status, error = None, f"deadline of {deadline:g} s exceeded"
        else:
            status, error = None, f"{type(exc).__name__}: {exc}"
    finally:
        watchdog.cancel()
        if conn is not None:
            try:
                conn.close()
            except Exception:
                pass
    if watchdog.expired and status is not None and not error:
        # The answer came, but its body did not within the deadline.
        status, error = None, f"deadline of {deadline:g} s exceeded"
    duration = int((time.monotonic() - started) * 1000)
    return status, error[:300], duration
