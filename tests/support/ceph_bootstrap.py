"""The steps that bring a one-node cluster up: monitor, OSD, radosgw, then the S3 user."""

from __future__ import annotations

import json
import uuid

from tests.support.ceph_daemons import Daemons
from tests.support.ceph_errors import CephBootError
from tests.support.ceph_ports import accepts_tcp, answers_http

RGW = "client.rgw.a"
S3_USER_ID = "osiris-test"


def bootstrap_monitor(daemons: Daemons, fsid: str, mon_port: int) -> None:
    d = daemons.workdir
    mon_keyring = d / "mon.keyring"
    admin_keyring = d / "client.admin.keyring"
    daemons.run(
        [
            "ceph-authtool",
            "--create-keyring",
            str(mon_keyring),
            "--gen-key",
            "-n",
            "mon.",
            "--cap",
            "mon",
            "allow *",
        ]
    )
    daemons.run(
        [
            "ceph-authtool",
            "--create-keyring",
            str(admin_keyring),
            "--gen-key",
            "-n",
            "client.admin",
            "--cap",
            "mon",
            "allow *",
            "--cap",
            "osd",
            "allow *",
            "--cap",
            "mds",
            "allow *",
            "--cap",
            "mgr",
            "allow *",
        ]
    )
    daemons.run(["ceph-authtool", str(mon_keyring), "--import-keyring", str(admin_keyring)])
    monmap = d / "monmap"
    daemons.run(
        [
            "monmaptool",
            "--create",
            "--fsid",
            fsid,
            "--addv",
            "a",
            f"[v2:127.0.0.1:{mon_port}]",
            str(monmap),
        ]
    )
    daemons.run(
        ["ceph-mon", "--mkfs", "-i", "a", "--monmap", str(monmap), "--keyring", str(mon_keyring)]
    )
    daemons.spawn("mon.a", ["ceph-mon", "-i", "a"])
    daemons.wait_until("mon.a", "the monitor to listen", lambda: accepts_tcp(mon_port))


def start_osd(daemons: Daemons) -> None:
    d = daemons.workdir
    osd_uuid = str(uuid.uuid4())
    secret = daemons.run(["ceph-authtool", "--gen-print-key"]).strip()
    secret_file = d / "osd-secret.json"
    secret_file.write_text(json.dumps({"cephx_secret": secret}))
    osd_id = daemons.ceph(
        ["osd", "new", osd_uuid, "-i", str(secret_file)], waiting_for="mon.a"
    ).strip()
    if osd_id != "0":
        raise CephBootError(f"expected the first OSD to get id 0, got {osd_id!r}")
    (d / "osd.0.keyring").write_text(f"[osd.0]\n\tkey = {secret}\n")
    daemons.run(["ceph-osd", "-i", "0", "--mkfs", "--osd-uuid", osd_uuid], log_name="osd.0")
    daemons.spawn("osd.0", ["ceph-osd", "-i", "0"])
    daemons.wait_until("osd.0", "osd.0 to be up", lambda: _osd_is_up(daemons))


def _osd_is_up(daemons: Daemons) -> bool:
    dump = json.loads(daemons.ceph(["osd", "dump", "--format", "json"]))
    return any(osd["osd"] == 0 and osd["up"] == 1 for osd in dump["osds"])


def start_radosgw(daemons: Daemons, http_endpoint: str, https_port: int) -> None:
    keyring = daemons.workdir / "client.rgw.a.keyring"
    daemons.ceph(
        [
            "auth",
            "get-or-create",
            "client.rgw.a",
            "mon",
            "allow rw",
            "osd",
            "allow rwx",
            "-o",
            str(keyring),
        ]
    )
    run_radosgw(daemons, http_endpoint, https_port)


def run_radosgw(daemons: Daemons, http_endpoint: str, https_port: int) -> None:
    """Start radosgw; returns once it answers HTTP and accepts TLS connections."""
    daemons.spawn(RGW, ["radosgw", "-n", RGW])
    daemons.wait_until(RGW, "radosgw to answer HTTP", lambda: answers_http(http_endpoint))
    daemons.wait_until(
        "client.rgw.a", "radosgw to accept TLS connections", lambda: accepts_tcp(https_port)
    )


def create_s3_user(daemons: Daemons, access_key: str, secret_key: str) -> None:
    # Only now: creating the user before radosgw listens races with its creation
    # of the default zone.
    daemons.run(
        [
            "radosgw-admin",
            "user",
            "create",
            f"--uid={S3_USER_ID}",
            "--display-name=osiris tests",
            f"--access-key={access_key}",
            f"--secret-key={secret_key}",
        ],
        log_name="client.rgw.a",
    )
