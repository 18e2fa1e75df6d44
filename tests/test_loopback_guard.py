"""The tests' own guard: whatever the code under test resolves or is redirected to, a test can
reach only this machine. A connect beyond loopback is refused before any packet leaves, and a
name other than this machine's is never sent to a resolver.

These tests never connect to, send to or look up anything but 127.0.0.1 themselves: the guard's
refusals are checked on wrappers around stand-ins that record what would have gone out, so a
broken guard fails a test instead of reaching the network."""

from __future__ import annotations

import socket
import subprocess
import sys
from typing import Any

import loopback_guard
import pytest


def _recorder() -> tuple[list[Any], Any]:
    sent: list[Any] = []

    def stand_in(*args: Any, **named: Any) -> None:
        sent.append(args)

    return sent, stand_in


@pytest.mark.parametrize(
    ("family", "address"),
    [
        (socket.AF_INET, ("192.0.2.1", 80)),
        (socket.AF_INET, ("127.0.0.2", 80)),
        (socket.AF_INET, ("10.0.0.1", 80)),
        (socket.AF_INET, ("169.254.169.254", 80)),
        (socket.AF_INET6, ("::1", 80)),
        (socket.AF_INET6, ("::ffff:192.0.2.1", 80)),
    ],
)
def test_no_address_but_127_0_0_1_is_connected_to(family: int, address: tuple[str, int]) -> None:
    sent, stand_in = _recorder()
    with socket.socket(family, socket.SOCK_STREAM) as sock, pytest.raises(ConnectionRefusedError):
        loopback_guard._loopback_only(stand_in)(sock, address)
    assert sent == []


def test_a_datagram_beyond_loopback_is_refused_before_it_leaves() -> None:
    sent, stand_in = _recorder()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock, pytest.raises(ConnectionRefusedError):
        loopback_guard._loopback_only_datagrams(stand_in)(sock, b"x", ("192.0.2.1", 53))
    assert sent == []


def test_a_name_is_not_looked_up() -> None:
    sent, stand_in = _recorder()
    with pytest.raises(socket.gaierror, match="resolve no names"):
        loopback_guard._local_names_only(stand_in)("news.example", 443)
    assert sent == []


def test_127_0_0_1_passes_the_guard() -> None:
    sent, stand_in = _recorder()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        loopback_guard._loopback_only(stand_in)(sock, ("127.0.0.1", 80))
    assert len(sent) == 1


def test_the_guard_is_in_place_in_the_test_process() -> None:
    assert getattr(socket.socket.connect, "loopback_only", False)


def test_the_guard_is_in_place_in_every_process_a_test_starts() -> None:
    probe = "import socket; print(getattr(socket.socket.connect, 'loopback_only', False))"
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert run.stdout.strip() == "True"


def test_loopback_still_connects() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        assert socket.create_connection(("127.0.0.1", port), timeout=5).close() is None
