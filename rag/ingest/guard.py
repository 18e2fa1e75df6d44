"""The safety of fetching: which addresses and schemes may be fetched from, and the connection
layer that enforces it. `address_problem` is a pure function (resolved addresses in, verdict out);
`CheckedTransport` resolves each host once, checks every address, and opens the socket to a
checked address (the pin), so a DNS answer that changes between check and connect cannot slip
through, for the first request and every redirect alike. Every socket operation also waits at
most until the deadline of the request this thread is making (`deadline`), so a server that
trickles a byte a second cannot stretch a request past its total time.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx

from rag.errors import RagError

# Cloud instance metadata: never fetched, whatever --allow-private says (nothing news lives there).
METADATA = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "169.254.170.2", "100.100.100.200", "fd00:ec2::254")
)

Resolver = Callable[[str, int], Sequence[str]]


class FetchError(RagError):
    """A fetch that failed; the message is one line saying why."""


class Refused(FetchError):
    """An address or scheme rag will not fetch from."""


def address_problem(host: str, addresses: Sequence[str], allow_private: bool = False) -> str | None:
    """Why `host`, resolved to `addresses`, must not be fetched from; None when it may be.
    Every address must pass: a name that resolves to one public and one private address is
    refused, since the connection could go to either.

    >>> address_problem("example.org", ["93.184.215.14"]) is None
    True
    >>> address_problem("localhost", ["127.0.0.1"]).split(";")[0]
    'localhost resolves to 127.0.0.1, a loopback address'
    """
    if not addresses:
        return f"{host} resolves to no address"
    for text in addresses:
        try:
            ip = ipaddress.ip_address(text.split("%")[0])
        except ValueError:
            return f"{host} resolves to {text!r}, which is not an IP address"
        if isinstance(ip, ipaddress.IPv6Address):
            ip = ip.ipv4_mapped or ip.sixtofour or ip
        if ip in METADATA:
            return f"{host} resolves to {ip}, a cloud metadata address; never fetched"
        kind = _non_public(ip)
        if kind and not allow_private:
            return (
                f"{host} resolves to {ip}, a {kind} address; refused "
                "(pass --allow-private or set RAG_ALLOW_PRIVATE=1 to fetch from your own network)"
            )
    return None


def _non_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    for kind, flag in (
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("unspecified", ip.is_unspecified),
        ("reserved", ip.is_reserved),
        ("private", ip.is_private),
    ):
        if flag:
            return kind
    return None if ip.is_global else "non-public"


def scheme_problem(url: str) -> str | None:
    try:
        parts = urlsplit(url)
    except ValueError:
        return "not a valid address"
    if parts.scheme.lower() not in ("http", "https"):
        return f"{parts.scheme or 'no'} scheme; only http:// and https:// addresses are fetched"
    if not parts.hostname:
        return "no host in the address"
    return None


def resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise httpcore.ConnectError(f"cannot resolve {host} ({exc})") from None
    return [str(info[4][0]) for info in infos]


# The deadline of the request this thread is making: every socket operation waits at most until it.
_local = threading.local()


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Within the block, this thread's socket operations end `seconds` from now at the latest."""
    _local.deadline = time.monotonic() + seconds
    try:
        yield
    finally:
        _local.deadline = None


def check_deadline() -> None:
    """Raise httpcore.ReadTimeout when this thread's deadline has passed."""
    _bounded(None)


def _bounded(timeout: float | None) -> float | None:
    deadline: float | None = getattr(_local, "deadline", None)
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise httpcore.ReadTimeout("the time for this request ran out")
    return left if timeout is None else min(timeout, left)


class _BoundedStream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _bounded(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _bounded(timeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        return _BoundedStream(self._stream.start_tls(ssl_context, server_hostname, _bounded(timeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _CheckedBackend(httpcore.NetworkBackend):
    """Resolves the host once, checks every address, and connects to a checked address (the
    pin): httpcore hands the host name here, so redirects and kept-alive pools all pass through."""

    def __init__(self, allow_private: bool, resolve: Resolver = resolve) -> None:
        self._allow_private = allow_private
        self._resolve = resolve
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        addresses = list(dict.fromkeys(self._resolve(host, port)))
        problem = address_problem(host, addresses, self._allow_private)
        if problem:
            raise Refused(problem)
        failure: Exception = httpcore.ConnectError(f"cannot connect to {host}")
        for address in addresses:
            try:
                stream = self._inner.connect_tcp(address, port, _bounded(timeout), local_address, socket_options)
            except httpcore.ConnectError as exc:
                failure = exc
                continue
            return _BoundedStream(stream)
        raise failure

    def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options: Any = None) -> Any:
        raise Refused("unix sockets are never fetched from")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class CheckedTransport(httpx.HTTPTransport):
    def __init__(self, allow_private: bool, resolve: Resolver = resolve) -> None:
        super().__init__(trust_env=False)  # no proxy from the environment: we connect where we checked
        # httpx takes no network backend of its own; the pool it built is replaced by one whose
        # every connection goes through the address check (same TLS settings, no proxy).
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            network_backend=_CheckedBackend(allow_private, resolve),
        )
