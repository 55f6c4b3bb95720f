# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tests of procnet against /proc/net tables captured on a real host.

See fixtures/procnet/README.md for what was listening when they were taken.
"""

from __future__ import annotations

import ipaddress
import json
import os
import socket
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.aiguard.hardening.plugins.module_utils import procnet

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "procnet"
TABLES = {name: (FIXTURES / "net" / name).read_text() for name in ("tcp", "tcp6", "udp", "udp6")}
# The capturing process and its forked child both hold every socket; 11410
# runs as uid 65534 and holds only the UDP socket on 7873.
PARENT, CHILD, NOBODY = 11368, 11409, 11410


@pytest.mark.parametrize(
    ("text", "byteorder", "expected"),
    [
        ("0100007F", "little", "127.0.0.1"),
        ("00000000", "little", "0.0.0.0"),
        ("020200C0", "little", "192.0.2.2"),
        ("507100CB", "little", "203.0.113.80"),
        ("7F000001", "big", "127.0.0.1"),
        ("00000000000000000000000001000000", "little", "::1"),
        ("00000000000000000000000000000000", "little", "::"),
        ("000000FD000000000000000002000000", "little", "fd00::2"),
        ("0000000000000000FFFF00000100007F", "little", "::ffff:127.0.0.1"),
        ("0000000000000000FFFF000000000000", "little", "::ffff:0.0.0.0"),
        ("000080FE00000000FF00FC00010000FE", "little", "fe80::fc:ff:fe00:1"),  # link-local, read from a live socket
        ("00000000000000000000000000000001", "big", "::1"),
        ("0100007f", "little", "127.0.0.1"),  # lower case hex
    ],
)
def test_decode_address(text, byteorder, expected):
    assert procnet.decode_address(text, byteorder) == ipaddress.ip_address(expected)


@pytest.mark.parametrize(
    ("text", "byteorder"),
    [
        ("", "little"),
        ("0100007", "little"),
        ("0100007F00", "little"),
        ("000000000000000000000000010000", "little"),
        ("ZZ00007F", "little"),
        ("0100007F", "middle"),
    ],
)
def test_decode_address_rejects(text, byteorder):
    with pytest.raises(ValueError):
        procnet.decode_address(text, byteorder)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0100007F:1FFC", ("127.0.0.1", 8188)),
        ("00000000:1EB4", ("0.0.0.0", 7860)),
        ("00000000:0000", ("0.0.0.0", 0)),
        ("00000000000000000000000001000000:2CAA", ("::1", 11434)),
        ("0000000000000000FFFF00000100007F:0BB8", ("::ffff:127.0.0.1", 3000)),
    ],
)
def test_decode_endpoint(text, expected):
    ip, port = procnet.decode_endpoint(text)
    assert (ip, port) == (ipaddress.ip_address(expected[0]), expected[1])


@pytest.mark.parametrize("text", ["0100007F", "0100007F:", "0100007F:1FFCC", "0100007F:XYZW", ":1FFC"])
def test_decode_endpoint_rejects(text):
    with pytest.raises(ValueError):
        procnet.decode_endpoint(text)


def _kernel_hex(ip):
    """Format an address the way a little-endian kernel does (%08X per word)."""
    packed = ip.packed
    return "".join(f"{int.from_bytes(packed[i : i + 4], 'little'):08X}" for i in range(0, len(packed), 4))


@given(st.one_of(st.ip_addresses(v=4), st.ip_addresses(v=6)))
def test_decode_address_round_trips(ip):
    assert procnet.decode_address(_kernel_hex(ip)) == ip


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("127.0.0.1", ("127.0.0.1", False, False, "loopback")),
        ("127.0.0.53", ("127.0.0.53", False, False, "loopback")),
        ("127.255.255.254", ("127.255.255.254", False, False, "loopback")),
        ("0.0.0.0", ("0.0.0.0", False, True, "exposed")),
        ("192.0.2.2", ("192.0.2.2", False, False, "exposed")),
        ("10.88.0.1", ("10.88.0.1", False, False, "exposed")),
        ("128.0.0.1", ("128.0.0.1", False, False, "exposed")),
        ("::1", ("::1", False, False, "loopback")),
        ("::", ("::", False, True, "exposed")),
        ("fd00::2", ("fd00::2", False, False, "exposed")),
        ("fe80::fc:ff:fe00:1", ("fe80::fc:ff:fe00:1", False, False, "exposed")),
        ("::ffff:127.0.0.1", ("127.0.0.1", True, False, "loopback")),
        ("::ffff:127.1.2.3", ("127.1.2.3", True, False, "loopback")),
        ("::ffff:0.0.0.0", ("0.0.0.0", True, True, "exposed")),
        ("::ffff:192.0.2.2", ("192.0.2.2", True, False, "exposed")),
        ("::2", ("::2", False, False, "exposed")),
    ],
)
def test_classify(address, expected):
    assert procnet.classify(ipaddress.ip_address(address)) == expected


# (address, port, mapped, wildcard, scope, uid, inode) of every listener in
# each captured table; the other rows of the tables are not listeners.
EXPECTED = {
    "tcp": [
        ("0.0.0.0", 2024, False, True, "exposed", 0, 1658),
        ("0.0.0.0", 7860, False, True, "exposed", 0, 88996),
        ("127.0.0.1", 8188, False, False, "loopback", 0, 88995),
        ("192.0.2.2", 9000, False, False, "exposed", 0, 88997),
    ],
    "tcp6": [
        ("::", 3000, False, True, "exposed", 0, 89000),
        ("127.0.0.1", 7861, True, False, "loopback", 0, 89001),
        ("0.0.0.0", 7862, True, True, "exposed", 0, 89002),
        ("::", 8080, False, True, "exposed", 0, 88999),
        ("fd00::2", 9001, False, False, "exposed", 0, 89003),
        ("::1", 11434, False, False, "loopback", 0, 88998),
    ],
    "udp": [
        ("0.0.0.0", 7870, False, True, "exposed", 0, 89005),
        ("0.0.0.0", 7873, False, True, "exposed", 65534, 89014),
        ("127.0.0.1", 8125, False, False, "loopback", 0, 89004),
    ],
    "udp6": [
        ("::", 7871, False, True, "exposed", 0, 89007),
        ("127.0.0.1", 7872, True, False, "loopback", 0, 89008),
        ("::1", 8126, False, False, "loopback", 0, 89006),
    ],
}


@pytest.mark.parametrize(
    ("table", "rows", "expected"),
    [
        ("tcp", 7, EXPECTED["tcp"]),
        ("tcp6", 7, EXPECTED["tcp6"]),
        ("udp", 4, EXPECTED["udp"]),
        ("udp6", 4, EXPECTED["udp6"]),
    ],
)
def test_parse_listeners_of_captured_tables(table, rows, expected):
    assert len(procnet.parse_table(TABLES[table], table)) == rows
    listeners = procnet.parse_listeners(TABLES[table], table)
    got = sorted(
        (item["address"], item["port"], item["mapped"], item["wildcard"], item["scope"], item["uid"], item["inode"])
        for item in listeners
    )
    assert got == sorted(expected)
    for item in listeners:
        assert item["protocol"] == table
        assert item["family"] == ("ipv6" if table.endswith("6") else "ipv4")
        assert item["pids"] == [] and item["processes"] == []


@pytest.mark.parametrize(
    ("table", "state", "remote", "local_port", "listening"),
    [
        ("tcp", 0x0A, "00000000:0000", 7860, True),  # LISTEN
        ("tcp", 0x01, "0100007F:A1D6", 8188, False),  # ESTABLISHED
        ("tcp", 0x06, "507100CB:0050", 34006, False),  # TIME_WAIT
        ("tcp", 0x07, "00000000:0000", 7860, False),  # CLOSE: bound, not listening
        ("tcp6", 0x0A, "00000000000000000000000000000000:0000", 8080, True),
        ("tcp6", 0x01, "0000000000000000FFFF00000100007F:C8D6", 3000, False),
        ("udp", 0x07, "00000000:0000", 7870, True),  # bound, unconnected
        ("udp", 0x01, "0100007F:1FBD", 45694, False),  # connect()ed
        ("udp", 0x07, "0100007F:1FBD", 45694, False),  # remote set: not a listener
        ("udp", 0x07, "00000000:0000", 0, False),  # no local port
        ("udp6", 0x07, "00000000000000000000000000000000:0000", 7871, True),
        ("udp6", 0x01, "00000000000000000000000001000000:1FBE", 52998, False),
    ],
)
def test_is_listening(table, state, remote, local_port, listening):
    local = "00000000" if table in ("tcp", "udp") else "0" * 32
    row = {
        "local": procnet.decode_endpoint(f"{local}:{local_port:04X}"),
        "remote": procnet.decode_endpoint(remote),
        "state": state,
        "uid": 0,
        "inode": 1,
    }
    assert procnet.is_listening(row, table) is listening


# One good LISTEN (or bound UDP) line of each captured table.
GOOD = {table: TABLES[table].splitlines()[1] for table in TABLES}
GOOD_TCP = TABLES["tcp"].splitlines()[3]  # 0.0.0.0:7860
GOOD_TCP6 = GOOD["tcp6"]  # ::1:11434


@pytest.mark.parametrize(
    ("table", "bad"),
    [
        ("tcp", ""),
        ("tcp", "   "),
        ("tcp", TABLES["tcp"].splitlines()[0]),  # the header
        ("tcp", GOOD_TCP[:40]),  # truncated
        ("tcp", GOOD_TCP.replace("00000000:1EB4", "0000000G:1EB4")),  # bad hex
        ("tcp", GOOD_TCP.replace("00000000:1EB4", "00000000")),  # no port
        ("tcp", GOOD_TCP.replace("00000000:1EB4", "000000:1EB4")),  # short address
        ("tcp", GOOD_TCP.replace(" 0A ", " XX ")),  # bad state
        ("tcp", GOOD_TCP.replace(" 88996 ", " inode ")),  # bad inode
        ("tcp", GOOD_TCP.replace("   2: ", "   x: ")),  # bad slot
        ("tcp", GOOD_TCP.replace("   2: ", "   2 ")),  # no slot colon
        ("tcp", GOOD_TCP6),  # an IPv6 row in the IPv4 table
        ("tcp6", GOOD_TCP),  # an IPv4 row in the IPv6 table
        ("udp", "\x00\xff garbage \u2603"),
        ("udp6", "1: 2: 3: 4: 5: 6: 7: 8: 9: 10:"),
    ],
)
def test_malformed_lines_are_skipped(table, bad):
    good = GOOD[table]
    text = "\n".join([TABLES[table].splitlines()[0], bad, good, bad]) + "\n"
    rows = procnet.parse_table(text, table)
    assert len(rows) == 1
    assert rows[0] == procnet.parse_table(good, table)[0]


@given(st.text())
def test_parse_table_never_raises(text):
    for table in ("tcp", "tcp6", "udp", "udp6"):
        procnet.parse_listeners(text, table)


def test_parse_table_rejects_unknown_table():
    with pytest.raises(ValueError, match="unknown socket table"):
        procnet.parse_table(TABLES["tcp"], "raw")


@pytest.mark.parametrize(
    ("link", "inode"),
    [
        ("socket:[88996]", 88996),
        ("socket:[0]", 0),
        ("socket:[]", None),
        ("socket:[12a]", None),
        ("pipe:[71571]", None),
        ("anon_inode:[eventpoll]", None),
        ("/dev/null", None),
        ("/tmp/socket:[1]", None),
    ],
)
def test_socket_inode(link, inode):
    assert procnet.socket_inode(link) == inode


def by_port(listeners):
    return {(item["protocol"], item["port"]): item for item in listeners}


@pytest.mark.parametrize(
    ("protocol", "port", "pids", "processes"),
    [
        ("tcp", 7860, [PARENT, CHILD], ["python3"]),
        ("tcp", 8188, [PARENT, CHILD], ["python3"]),
        ("tcp6", 7861, [PARENT, CHILD], ["python3"]),
        ("udp", 7873, [NOBODY], ["python3"]),
        ("udp6", 8126, [PARENT, CHILD], ["python3"]),
        ("tcp", 2024, [], []),  # owner in another PID namespace
    ],
)
def test_pid_mapping_of_captured_processes(proc_tree, protocol, port, pids, processes):
    listener = by_port(procnet.read_listeners(proc_tree()))[(protocol, port)]
    assert listener["pids"] == pids
    assert listener["processes"] == processes


# Extra processes next to the captured ones: (processes, protocol, port,
# expected pids, expected names).
NOISE = {
    "1": {"comm": "systemd", "fds": {"0": "/dev/null", "3": "anon_inode:[eventpoll]", "4": "socket:[5555]"}},
    "77": {"comm": "sshd", "fds": {"3": "socket:[1658]", "4": "pipe:[71571]"}},
    "78": {"comm": None, "fds": {"5": "socket:[1658]"}},  # comm vanished
    "79": {"comm": "gradio worker", "fds": {"9": "socket:[88996]"}},
    "80": {"comm": "idle", "fds": {}},
}


@pytest.mark.parametrize(
    ("protocol", "port", "pids", "processes"),
    [
        ("tcp", 2024, [77, 78], ["sshd"]),
        ("tcp", 7860, [79, PARENT, CHILD], ["gradio worker", "python3"]),
        ("tcp", 9000, [PARENT, CHILD], ["python3"]),
    ],
)
def test_pid_mapping_with_other_processes(proc_tree, protocol, port, pids, processes):
    all_processes = json.loads((FIXTURES / "processes.json").read_text())
    all_processes.update(NOISE)
    listener = by_port(procnet.read_listeners(proc_tree(processes=all_processes)))[(protocol, port)]
    assert (listener["pids"], listener["processes"]) == (pids, processes)


@pytest.mark.parametrize(
    ("failing", "error"),
    [
        ("listdir", PermissionError),  # another user's process, not root
        ("listdir", FileNotFoundError),  # exited between readdir and listdir
        ("readlink", PermissionError),
        ("readlink", FileNotFoundError),  # fd closed mid-scan
        ("readlink", ProcessLookupError),
    ],
)
def test_pid_mapping_tolerates_unreadable_processes(proc_tree, monkeypatch, failing, error):
    root = proc_tree()
    real = getattr(os, failing)

    def flaky(path, *args, **kwargs):
        if f"{os.sep}{CHILD}{os.sep}fd" in str(path):
            raise error(path)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(procnet.os, failing, flaky)
    listeners = by_port(procnet.read_listeners(root))
    assert listeners[("tcp", 7860)]["pids"] == [PARENT]
    assert listeners[("udp", 7873)]["pids"] == [NOBODY]


def test_pid_mapping_tolerates_unreadable_comm(proc_tree, monkeypatch):
    root = proc_tree()
    real_open = open

    def flaky_open(path, *args, **kwargs):
        if str(path).endswith(f"{os.sep}{NOBODY}{os.sep}comm"):
            raise PermissionError(path)
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr("builtins.open", flaky_open)
    listener = by_port(procnet.read_listeners(root))[("udp", 7873)]
    assert (listener["pids"], listener["processes"]) == ([NOBODY], [])


def test_socket_owners_without_wanted_inodes_does_not_scan(tmp_path):
    assert procnet.socket_owners([], str(tmp_path / "absent")) == {}
    assert procnet.socket_owners([1], str(tmp_path / "absent")) == {}


@pytest.mark.parametrize(
    ("protocols", "tables"),
    [
        (["tcp", "udp"], {"tcp", "tcp6", "udp", "udp6"}),
        (["tcp"], {"tcp", "tcp6"}),
        (["udp"], {"udp", "udp6"}),
        (("udp", "udp"), {"udp", "udp6"}),
    ],
)
def test_read_listeners_protocols(proc_tree, protocols, tables):
    listeners = procnet.read_listeners(proc_tree(), protocols)
    assert {item["protocol"] for item in listeners} == tables
    assert len(listeners) == sum(len(EXPECTED[table]) for table in tables)
    keys = [(item["port"], item["protocol"], item["address"], item["inode"]) for item in listeners]
    assert keys == sorted(keys)


def test_read_listeners_without_ipv6_tables(proc_tree):
    root = proc_tree(tables={"tcp": TABLES["tcp"], "udp": TABLES["udp"]})
    assert {item["protocol"] for item in procnet.read_listeners(root)} == {"tcp", "udp"}


@pytest.mark.parametrize(
    ("setup", "match"),
    [
        ("absent", "proc_root must be a mounted procfs"),
        ("no net tables", "none of .*net/tcp.* exists"),
        ("table is a directory", "cannot read .*net/tcp6"),
    ],
)
def test_read_listeners_errors(tmp_path, setup, match):
    root = tmp_path / "proc"
    if setup != "absent":
        (root / "net").mkdir(parents=True)
    if setup == "table is a directory":
        (root / "net" / "tcp").write_text(TABLES["tcp"])
        (root / "net" / "tcp6").mkdir()
    with pytest.raises(procnet.ProcNetError, match=match):
        procnet.read_listeners(str(root))


@pytest.mark.parametrize("protocols", [[], ["sctp"], ["tcp", "icmp"]])
def test_read_listeners_rejects_protocols(proc_tree, protocols):
    with pytest.raises(procnet.ProcNetError, match="tcp and/or udp"):
        procnet.read_listeners(proc_tree(), protocols)


def test_read_listeners_on_this_host():
    """A socket opened here shows up in the real /proc, held by this process."""
    opened = [socket.socket(socket.AF_INET, socket.SOCK_STREAM)]
    opened[0].bind(("127.0.0.1", 0))
    opened[0].listen()
    expected = {("tcp", opened[0].getsockname()[1]): ("127.0.0.1", "loopback", False)}
    if socket.has_ipv6:
        try:
            v6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
            v6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            v6.bind(("::", 0))
        except OSError:  # IPv6 disabled on this host
            pass
        else:
            opened.append(v6)
            expected[("udp6", v6.getsockname()[1])] = ("::", "exposed", True)
    try:
        listeners = procnet.read_listeners()
    finally:
        for sock in opened:
            sock.close()
    found = by_port(listeners)
    for key, (address, scope, wildcard) in expected.items():
        item = found[key]
        assert (item["address"], item["scope"], item["wildcard"]) == (address, scope, wildcard)
        assert os.getpid() in item["pids"]


def listener(address, port, protocol="tcp", processes=("python3",)):
    shown, mapped, wildcard, scope = procnet.classify(ipaddress.ip_address(address))
    return {
        "protocol": protocol,
        "family": "ipv6" if protocol.endswith("6") else "ipv4",
        "address": shown,
        "port": port,
        "mapped": mapped,
        "wildcard": wildcard,
        "scope": scope,
        "inode": port,
        "uid": 0,
        "pids": [1000 + port],
        "processes": list(processes),
    }


@pytest.mark.parametrize(
    ("listeners", "summary", "counts"),
    [
        (
            [],
            "0 listening sockets: 0 loopback-only, 0 exposed",
            dict(total=0, loopback=0, exposed=0, wildcard=0, tcp=0, tcp6=0, udp=0, udp6=0),
        ),
        (
            [listener("127.0.0.1", 8188)],
            "1 listening socket: 1 loopback-only, 0 exposed",
            dict(total=1, loopback=1, exposed=0, wildcard=0, tcp=1, tcp6=0, udp=0, udp6=0),
        ),
        (
            [
                listener("127.0.0.1", 8188),
                listener("::1", 11434, "tcp6", ["ollama"]),
                listener("0.0.0.0", 7860),
                listener("::", 22, "tcp6", ["sshd"]),
                listener("0.0.0.0", 5353, "udp", ["avahi-daemon"]),
            ],
            "5 listening sockets: 2 loopback-only, 3 exposed "
            "(0.0.0.0:7860 python3, [::]:22 sshd, 0.0.0.0:5353/udp avahi-daemon)",
            dict(total=5, loopback=2, exposed=3, wildcard=3, tcp=2, tcp6=2, udp=1, udp6=0),
        ),
        (
            [listener("::ffff:0.0.0.0", 7862, "tcp6", []), listener("fd00::2", 9001, "udp6", ["a", "b"])],
            "2 listening sockets: 0 loopback-only, 2 exposed (0.0.0.0:7862 ?, [fd00::2]:9001/udp a,b)",
            dict(total=2, loopback=0, exposed=2, wildcard=1, tcp=0, tcp6=1, udp=0, udp6=1),
        ),
        (
            [listener("0.0.0.0", port) for port in range(8000, 8012)],
            "12 listening sockets: 0 loopback-only, 12 exposed ("
            + ", ".join(f"0.0.0.0:{port} python3" for port in range(8000, 8010))
            + ", 2 more)",
            dict(total=12, loopback=0, exposed=12, wildcard=12, tcp=12, tcp6=0, udp=0, udp6=0),
        ),
    ],
)
def test_summarize(listeners, summary, counts):
    assert procnet.summarize(listeners) == (counts, summary)


def test_summarize_captured_host(proc_tree):
    counts, summary = procnet.summarize(procnet.read_listeners(proc_tree()))
    assert counts == dict(total=16, loopback=6, exposed=10, wildcard=8, tcp=4, tcp6=6, udp=3, udp6=3)
    assert summary == (
        "16 listening sockets: 6 loopback-only, 10 exposed (0.0.0.0:2024 ?, [::]:3000 python3, "
        "0.0.0.0:7860 python3, 0.0.0.0:7862 python3, 0.0.0.0:7870/udp python3, [::]:7871/udp python3, "
        "0.0.0.0:7873/udp python3, [::]:8080 python3, 192.0.2.2:9000 python3, [fd00::2]:9001 python3)"
    )


@pytest.mark.parametrize(
    ("ports", "expected"),
    [
        ([], []),
        ([7860], [("tcp", "0.0.0.0", 7860)]),
        (["7860"], [("tcp", "0.0.0.0", 7860)]),
        ([8188, 11434, 7861, 7872, 8125, 8126], []),  # all loopback-only
        ([7862, 9001], [("tcp6", "0.0.0.0", 7862), ("tcp6", "fd00::2", 9001)]),
        ([7873, 7871, 1], [("udp6", "::", 7871), ("udp", "0.0.0.0", 7873)]),
    ],
)
def test_exposed_ports(proc_tree, ports, expected):
    listeners = procnet.read_listeners(proc_tree())
    got = [(item["protocol"], item["address"], item["port"]) for item in procnet.exposed_ports(listeners, ports)]
    assert got == expected


@pytest.mark.parametrize(
    ("ports", "expected"),
    [
        (None, 16),
        ([], 16),
        ([7860], 1),
        ([8188, 8126], 2),
        ([1], 0),
    ],
)
def test_select_ports(proc_tree, ports, expected):
    listeners = procnet.read_listeners(proc_tree())
    selected = procnet.select_ports(listeners, ports)
    assert len(selected) == expected
    assert all(ports is None or not ports or item["port"] in ports for item in selected)


@pytest.mark.parametrize(
    ("ports", "bad"),
    [([], []), ([1, 22, 65535], []), ([0, 7860, 65536, -1], [0, 65536, -1])],
)
def test_invalid_ports(ports, bad):
    assert procnet.invalid_ports(ports) == bad


@pytest.mark.parametrize(
    ("ports", "expected"),
    [
        (
            [7860],
            "1 socket on fail_on_exposed port 7860 listens beyond loopback: "
            f"tcp 0.0.0.0:7860 (python3 pids {PARENT},{CHILD}). Bind the service",
        ),
        (
            [7873, 2024],
            "2 sockets on fail_on_exposed ports 2024, 7873 listen beyond loopback: "
            "tcp 0.0.0.0:2024 (uid 0, owner not visible: another user's (run as root) or another "
            f"PID namespace's); udp 0.0.0.0:7873 (python3 pid {NOBODY}). Bind the service",
        ),
        ([8080, 9001], f"tcp6 [::]:8080 (python3 pids {PARENT},{CHILD}); tcp6 [fd00::2]:9001"),
    ],
)
def test_exposure_message(proc_tree, ports, expected):
    offending = procnet.exposed_ports(procnet.read_listeners(proc_tree()), ports)
    message = procnet.exposure_message(offending)
    assert expected in message
    assert message.endswith("or remove the port from fail_on_exposed.")
