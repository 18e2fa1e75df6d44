"""Loaded by every Python process a test starts (PYTHONPATH names this folder): the same
loopback-only network guard as the test process's own (loopback_guard)."""

import loopback_guard

loopback_guard.install()
