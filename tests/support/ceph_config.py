"""``ceph.conf`` for the one-node cluster: one monitor, one memstore OSD, one radosgw."""

from __future__ import annotations

from pathlib import Path

from tests.support.ceph_ports import Ports
from tests.support.ceph_tls import certificate_path, private_key_path

# A UNIX socket path must fit in sun_path (108 bytes with the terminating NUL).
MAX_UNIX_SOCKET_PATH = 100


def ceph_conf(workdir: Path, ports: Ports, fsid: str, memstore_bytes: int) -> str:
    """Every daemon's configuration: all state in ``workdir``, all sockets on 127.0.0.1."""
    d = workdir
    p = ports
    tls = d / "tls"
    admin_socket = str(d / "run" / "$name.asok")
    if len(admin_socket) > MAX_UNIX_SOCKET_PATH:
        # Too long for a UNIX socket; the sockets are a debugging aid only.
        admin_socket = ""
    # tcp_nodelay: with Nagle's algorithm on, beast's second write of a PUT's answer
    # waited for the client's delayed ACK, so every write on a kept-alive connection
    # took 44 ms instead of ~5 (measured; GETs and the first request of a connection
    # were not affected). Production gateways are tuned the same way.
    frontend = (
        f"beast endpoint=127.0.0.1:{p.http} ssl_endpoint=127.0.0.1:{p.https}"
        f" ssl_certificate={certificate_path(tls)} ssl_private_key={private_key_path(tls)}"
        " tcp_nodelay=1"
    )
    return f"""\
[global]
fsid = {fsid}
mon host = v2:127.0.0.1:{p.mon}
mon initial members = a
public addr = 127.0.0.1
ms bind msgr1 = false
ms bind msgr2 = true
ms bind ipv6 = false
ms bind port min = {p.messenger_min}
ms bind port max = {p.messenger_max}
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
keyring = {d}/$name.keyring
run dir = {d}/run
admin socket = {admin_socket}
log file = {d}/log/$name.log
pid file = {d}/run/$name.pid
mon data = {d}/mon/$cluster-$id
osd data = {d}/osd/$cluster-$id
# One OSD: every pool has a single replica and placement stays on this host.
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon warn on pool no redundancy = false
# A nearly full CI disk must not stop the monitor: its store is tiny.
mon data avail crit = 0
osd objectstore = memstore
memstore device bytes = {memstore_bytes}

[mon]
# Without these each pool creation waits ~1 s for a paxos round (13 s boot instead of 2 s).
paxos propose interval = 0.05
paxos min wait = 0.01

[client.rgw.a]
rgw frontends = {frontend}
rgw data = {d}/rgw
# One lifecycle "day" lasts 10 s, and lifecycle processing may run at any hour.
rgw lc debug interval = 10
rgw lifecycle work time = 00:00-23:59
"""
