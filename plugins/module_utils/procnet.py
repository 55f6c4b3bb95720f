# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Listening sockets from Linux ``/proc/net/{tcp,tcp6,udp,udp6}``.

Plain Python (stdlib only, no AnsibleModule) so that the listen_audit module,
the unit tests and host-side tools share it.  Every file is read below a
``proc_root`` (default ``/proc``), so a copied or fake tree can stand in.

The kernel prints each address as the in-memory ``__be32`` words formatted
with ``%08X`` in host byte order: on little-endian hosts (amd64, arm64)
``127.0.0.1`` reads ``0100007F`` and ``::1`` reads
``00000000000000000000000001000000``.  Ports are already in host order.
"""

from __future__ import annotations

import ipaddress
import os
import sys

PROC_ROOT = "/proc"
PROTOCOLS = ("tcp", "udp")
# The /proc/net tables that hold each protocol's IPv4 and IPv6 sockets.
TABLES = {"tcp": ("tcp", "tcp6"), "udp": ("udp", "udp6")}
TCP_LISTEN = 0x0A
# UDP has no LISTEN state: a bound socket that is not connect()ed reports
# TCP_CLOSE with an all-zero remote end.
UDP_UNCONNECTED = 0x07
LOOPBACK = "loopback"
EXPOSED = "exposed"
# How many exposed sockets the one-line summary names before "N more".
SUMMARY_NAMES = 10


class ProcNetError(Exception):
    """A socket table could not be read; the message says what to check."""


def decode_address(text, byteorder="little"):
    """Decode a /proc/net hex address into an IPv4Address or IPv6Address.

    8 hex digits are IPv4, 32 are IPv6 (four 32-bit words, each printed in
    host byte order). ``byteorder`` is that of the host the table came from.
    Raises ValueError for anything else.
    """
    if len(text) not in (8, 32):
        raise ValueError(f"address {text!r} is neither 8 (IPv4) nor 32 (IPv6) hex digits")
    raw = bytes.fromhex(text)
    if byteorder == "little":
        raw = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    elif byteorder != "big":
        raise ValueError(f"byteorder must be 'little' or 'big', not {byteorder!r}")
    if len(raw) == 4:
        return ipaddress.IPv4Address(raw)
    return ipaddress.IPv6Address(raw)


def decode_endpoint(text, byteorder="little"):
    """Decode ``ADDR:PORT`` (both hex) into ``(ip_address, port)``."""
    addr, sep, port = text.partition(":")
    if not sep or len(port) != 4:
        raise ValueError(f"endpoint {text!r} is not HEXADDR:HEXPORT")
    return decode_address(addr, byteorder), int(port, 16)


def parse_table(text, table, byteorder="little"):
    """Parse one /proc/net/{tcp,tcp6,udp,udp6} table into row dicts.

    Each row has local and remote ``(ip, port)``, ``state`` (int), ``uid``
    and ``inode``.  The header and any malformed line are skipped.
    """
    if table not in ("tcp", "tcp6", "udp", "udp6"):
        raise ValueError(f"unknown socket table {table!r}")
    want = ipaddress.IPv6Address if table.endswith("6") else ipaddress.IPv4Address
    rows = []
    for line in text.splitlines():
        fields = line.split()
        # sl local remote st tx:rx tr:when retrnsmt uid timeout inode ...
        if len(fields) < 10 or not fields[0].endswith(":") or not fields[0][:-1].isdigit():
            continue
        try:
            local = decode_endpoint(fields[1], byteorder)
            remote = decode_endpoint(fields[2], byteorder)
            state = int(fields[3], 16)
            uid = int(fields[7])
            inode = int(fields[9])
        except ValueError:
            continue
        if not isinstance(local[0], want) or not isinstance(remote[0], want):
            continue
        rows.append({"local": local, "remote": remote, "state": state, "uid": uid, "inode": inode})
    return rows


def is_listening(row, table):
    """True if a parsed row is a TCP listener or a bound, unconnected UDP socket."""
    if table.startswith("tcp"):
        return row["state"] == TCP_LISTEN
    remote_ip, remote_port = row["remote"]
    return row["state"] == UDP_UNCONNECTED and remote_ip.is_unspecified and remote_port == 0 and row["local"][1] != 0


def classify(ip):
    """Describe an address: ``(address, mapped, wildcard, scope)``.

    IPv4-mapped IPv6 addresses (``::ffff:a.b.c.d``) are shown and judged as
    their IPv4 address. Loopback is 127.0.0.0/8 and ::1; everything else,
    the wildcards 0.0.0.0 and :: included, is exposed.
    """
    mapped = isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None
    effective = ip.ipv4_mapped if mapped else ip
    scope = LOOPBACK if effective.is_loopback else EXPOSED
    return str(effective), mapped, effective.is_unspecified, scope


def parse_listeners(text, table, byteorder="little"):
    """The listening sockets of one table, as listener dicts without owners."""
    listeners = []
    for row in parse_table(text, table, byteorder):
        if not is_listening(row, table):
            continue
        ip, port = row["local"]
        address, mapped, wildcard, scope = classify(ip)
        listeners.append(
            {
                "protocol": table,
                "family": "ipv6" if table.endswith("6") else "ipv4",
                "address": address,
                "port": port,
                "mapped": mapped,
                "wildcard": wildcard,
                "scope": scope,
                "inode": row["inode"],
                "uid": row["uid"],
                "pids": [],
                "processes": [],
            }
        )
    return listeners


def socket_inode(link):
    """The inode of an fd symlink target ``socket:[INODE]``, else None."""
    if link.startswith("socket:[") and link.endswith("]") and link[8:-1].isdigit():
        return int(link[8:-1])
    return None


def read_comm(pid, proc_root=PROC_ROOT):
    """The command name of a process, or None if it is gone or unreadable."""
    try:
        with open(os.path.join(proc_root, str(pid), "comm"), encoding="utf-8", errors="replace") as fh:
            return fh.read().rstrip("\n") or None
    except OSError:
        return None


def socket_owners(inodes, proc_root=PROC_ROOT):
    """Map socket inodes to the processes holding them: ``{inode: [(pid, comm)]}``.

    Scans ``PROC_ROOT/PID/fd/*``. Processes that exit during the scan, and
    those whose fds cannot be read (other users' when not root), are skipped.
    """
    wanted = set(inodes)
    owners = {}
    if not wanted:
        return owners
    try:
        entries = os.listdir(proc_root)
    except OSError:
        return owners
    for pid in sorted(int(name) for name in entries if name.isascii() and name.isdigit()):
        fd_dir = os.path.join(proc_root, str(pid), "fd")
        try:
            fds = os.listdir(fd_dir)
        except OSError:
            continue
        held = set()
        for fd in fds:
            try:
                inode = socket_inode(os.readlink(os.path.join(fd_dir, fd)))
            except OSError:
                continue
            if inode in wanted:
                held.add(inode)
        if held:
            comm = read_comm(pid, proc_root)
            for inode in held:
                owners.setdefault(inode, []).append((pid, comm))
    return owners


def read_listeners(proc_root=PROC_ROOT, protocols=PROTOCOLS, byteorder=None):
    """Every listening socket under ``proc_root``, with its owning processes.

    ``protocols`` picks "tcp" and/or "udp" (each covers IPv4 and IPv6).
    A missing table is skipped (tcp6 and udp6 are absent when IPv6 is
    disabled) but ProcNetError is raised if a table cannot be read or none
    exists, so that an audit never passes on data it did not see.
    ``byteorder`` defaults to this host's.
    """
    unknown = [p for p in protocols if p not in TABLES]
    if unknown or not protocols:
        raise ProcNetError(f"protocols must be tcp and/or udp, not {list(protocols)!r}")
    byteorder = byteorder or sys.byteorder
    tables = [table for protocol in dict.fromkeys(protocols) for table in TABLES[protocol]]
    listeners = []
    missing = []
    for table in tables:
        path = os.path.join(proc_root, "net", table)
        try:
            with open(path, encoding="ascii", errors="replace") as fh:
                text = fh.read()
        except FileNotFoundError:
            missing.append(path)
            continue
        except OSError as exc:
            raise ProcNetError(f"cannot read {path}: {exc.strerror or exc}") from exc
        listeners.extend(parse_listeners(text, table, byteorder))
    if len(missing) == len(tables):
        raise ProcNetError(
            f"none of {', '.join(missing)} exists; proc_root must be a mounted procfs "
            f"(normally /proc) or a copy of one with a net/ directory"
        )
    owners = socket_owners([item["inode"] for item in listeners if item["inode"]], proc_root)
    for item in listeners:
        held_by = sorted(owners.get(item["inode"], []), key=lambda owner: owner[0])
        item["pids"] = [pid for pid, _comm in held_by]
        item["processes"] = list(dict.fromkeys(comm for _pid, comm in held_by if comm))
    listeners.sort(key=lambda item: (item["port"], item["protocol"], item["address"], item["inode"]))
    return listeners


def select_ports(listeners, ports):
    """The listeners on ``ports``; all of them if ``ports`` is None or empty."""
    if not ports:
        return list(listeners)
    wanted = {int(port) for port in ports}
    return [item for item in listeners if item["port"] in wanted]


def exposed_ports(listeners, ports):
    """The listeners on ``ports`` that are reachable beyond loopback."""
    wanted = {int(port) for port in ports}
    return [item for item in listeners if item["port"] in wanted and item["scope"] == EXPOSED]


def invalid_ports(ports):
    """The entries of ``ports`` that are not TCP/UDP port numbers (1-65535)."""
    return [port for port in ports if not 0 < port < 65536]


def endpoint(listener):
    """``ADDR:PORT``, with an IPv6 address in brackets."""
    address = listener["address"]
    if ":" in address:
        address = f"[{address}]"
    return f"{address}:{listener['port']}"


def owner_names(listener):
    """The process names of a listener, or "?" if none could be seen."""
    return ",".join(listener["processes"]) or "?"


def summarize(listeners):
    """Counts and a one-line human summary: ``(counts, summary)``.

    counts has total, loopback, exposed, wildcard and one entry per table
    (tcp, tcp6, udp, udp6).
    """
    exposed = [item for item in listeners if item["scope"] == EXPOSED]
    counts = {
        "total": len(listeners),
        "loopback": len(listeners) - len(exposed),
        "exposed": len(exposed),
        "wildcard": sum(1 for item in listeners if item["wildcard"]),
    }
    for table in ("tcp", "tcp6", "udp", "udp6"):
        counts[table] = sum(1 for item in listeners if item["protocol"] == table)
    plural = "" if counts["total"] == 1 else "s"
    summary = (
        f"{counts['total']} listening socket{plural}: {counts['loopback']} loopback-only, {counts['exposed']} exposed"
    )
    if exposed:
        names = [
            f"{endpoint(item)}{'/udp' if item['protocol'].startswith('udp') else ''} {owner_names(item)}"
            for item in exposed[:SUMMARY_NAMES]
        ]
        if len(exposed) > SUMMARY_NAMES:
            names.append(f"{len(exposed) - SUMMARY_NAMES} more")
        summary += f" ({', '.join(names)})"
    return counts, summary


def exposure_message(offending):
    """The failure message for sockets exposed on ports that must stay local."""
    ports = sorted({item["port"] for item in offending})
    described = []
    for item in offending:
        pids = item["pids"]
        if pids:
            who = f"{owner_names(item)} pid{'s' if len(pids) > 1 else ''} {','.join(map(str, pids))}"
        else:
            who = f"uid {item['uid']}, owner not visible: another user's (run as root) or another PID namespace's"
        described.append(f"{item['protocol']} {endpoint(item)} ({who})")
    count = len(offending)
    return (
        f"{count} socket{'' if count == 1 else 's'} on fail_on_exposed port"
        f"{'' if len(ports) == 1 else 's'} {', '.join(map(str, ports))} "
        f"listen{'s' if count == 1 else ''} beyond loopback: {'; '.join(described)}. "
        'Bind the service to 127.0.0.1 or ::1 (for a Gradio app: server_name="127.0.0.1") '
        "and reach it through the authenticated front door, or remove the port from fail_on_exposed."
    )
