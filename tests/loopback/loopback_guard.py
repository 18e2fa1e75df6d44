"""The network guard of every test process: sockets connect and send only to 127.0.0.1, and
names resolve only to this machine. conftest installs it in the test process, and this folder's
`sitecustomize` in every Python process a test starts (the `rag` command, `rag mcp`, Ray's
workers), since PYTHONPATH carries the folder to them."""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

ONLY_ADDRESS = ipaddress.ip_address("127.0.0.1")


def _refuse_beyond_loopback(sock: socket.socket, address: Any) -> None:
    """Anything but 127.0.0.1 is refused: not the rest of 127/8, not ::1, not an IPv4-mapped
    form of another address. The servers tests start listen on 127.0.0.1."""
    if sock.family in (socket.AF_INET, socket.AF_INET6):
        host = ipaddress.ip_address(str(address[0]).split("%")[0])
        mapped = getattr(host, "ipv4_mapped", None)
        if (mapped or host) != ONLY_ADDRESS:
            raise ConnectionRefusedError(f"tests connect only to loopback 127.0.0.1, not to {host}")


def _loopback_only(connect):  # type: ignore[no-untyped-def]
    """A socket connect that refuses any address but 127.0.0.1: tests may talk only to
    servers they start on this machine, whatever the code under test resolves or is redirected to."""

    def guarded(self, address, *rest):  # type: ignore[no-untyped-def]
        _refuse_beyond_loopback(self, address)
        return connect(self, address, *rest)

    return guarded


def _loopback_only_datagrams(sendto):  # type: ignore[no-untyped-def]
    """The same for a datagram sent without a connect (`sendto(data[, flags], address)`)."""

    def guarded(self, data, *rest):  # type: ignore[no-untyped-def]
        _refuse_beyond_loopback(self, rest[-1])
        return sendto(self, data, *rest)

    return guarded


def _local_names_only(resolve):  # type: ignore[no-untyped-def]
    """A name lookup that asks no resolver: numeric addresses (whose connects the guard above
    checks), this machine's names and nothing else, so no test sends even a DNS query out."""
    own = {None, "", "localhost", "localhost.localdomain", socket.gethostname()}

    def guarded(host, *rest, **named):  # type: ignore[no-untyped-def]
        name = host.decode() if isinstance(host, bytes) else host
        if name not in own:
            try:
                ipaddress.ip_address(str(name).split("%")[0])
            except ValueError:
                raise socket.gaierror(socket.EAI_NONAME, f"tests resolve no names but this machine's: {name}") from None
        return resolve(host, *rest, **named)

    return guarded


def install() -> None:
    """Once per process: a second call would wrap the wrappers, harmlessly but needlessly."""
    if getattr(socket.socket.connect, "loopback_only", False):
        return
    socket.socket.connect = _loopback_only(socket.socket.connect)  # type: ignore[method-assign]
    socket.socket.connect_ex = _loopback_only(socket.socket.connect_ex)  # type: ignore[method-assign]
    socket.socket.sendto = _loopback_only_datagrams(socket.socket.sendto)  # type: ignore[method-assign]
    socket.getaddrinfo = _local_names_only(socket.getaddrinfo)
    socket.socket.connect.loopback_only = True  # type: ignore[attr-defined]
