"""Loopback ports for a cluster: a free block of them, and whether a daemon listens yet."""

from __future__ import annotations

import random
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass

from tests.support.ceph_errors import CephBootError

# Ports come from below Linux's default ephemeral range (32768-60999), where the
# kernel never hands out outgoing connection ports that could steal ours later.
PORT_SEARCH_RANGE = (20000, 32000)
# mon, HTTP, HTTPS, then the messenger range for the OSD (4 sockets) and spares.
PORT_BLOCK_SIZE = 16


@dataclass(frozen=True)
class Ports:
    mon: int
    http: int
    https: int
    messenger_min: int
    messenger_max: int


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def find_free_ports(attempts: int = 200) -> Ports:
    """A block of consecutive free loopback ports, randomly placed to avoid parallel runs."""
    low, high = PORT_SEARCH_RANGE
    for _ in range(attempts):
        base = random.randrange(low, high - PORT_BLOCK_SIZE)
        if all(_port_is_free(port) for port in range(base, base + PORT_BLOCK_SIZE)):
            return Ports(
                mon=base,
                http=base + 1,
                https=base + 2,
                messenger_min=base + 3,
                messenger_max=base + PORT_BLOCK_SIZE - 1,
            )
    raise CephBootError(f"no block of {PORT_BLOCK_SIZE} free ports found in {PORT_SEARCH_RANGE}")


def answers_http(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except urllib.error.HTTPError:
        return True  # any HTTP status means the frontend is serving
    except OSError:
        return False


def accepts_tcp(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return True
    except OSError:
        return False
