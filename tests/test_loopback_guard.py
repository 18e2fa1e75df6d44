"""The tests' own guard: whatever the code under test resolves or is redirected to, a test can
reach only this machine. A connect beyond loopback is refused before any packet leaves, and a
name other than this machine's is never sent to a resolver."""

from __future__ import annotations

import socket

import pytest


def test_a_connect_beyond_loopback_is_refused_before_it_leaves() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock, pytest.raises(ConnectionRefusedError):
        sock.connect(("192.0.2.1", 80))  # TEST-NET-1: routed nowhere, and never tried


def test_a_datagram_beyond_loopback_is_refused_before_it_leaves() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock, pytest.raises(ConnectionRefusedError):
        sock.sendto(b"x", ("192.0.2.1", 53))


@pytest.mark.parametrize("address", ["127.0.0.2", "10.0.0.1", "169.254.169.254"])
def test_no_address_but_127_0_0_1_is_connected_to(address: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock, pytest.raises(ConnectionRefusedError):
        sock.connect((address, 80))


def test_no_ipv6_address_is_connected_to() -> None:
    with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock, pytest.raises(ConnectionRefusedError):
        sock.connect(("::1", 80))


def test_a_name_is_not_looked_up() -> None:
    with pytest.raises(socket.gaierror, match="resolve no names"):
        socket.getaddrinfo("news.example", 443)


def test_loopback_still_connects() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        assert socket.create_connection(("127.0.0.1", port), timeout=5).close() is None
