# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Measure how fast the tests reach a test host: testinfra commands over
``podman exec`` against SSH with a persistent connection (what the verifiers
use), and small Ansible tasks over the podman connection against SSH with
pipelining (what every converge pays).

One throw-away host (named aiguard-bench-PID, removed at the end, even on
failure) from localhost/aiguard-debian:bookworm, on the default network,
with a throw-away key. See benchmarks/README.md.

Usage: .venv/bin/python benchmarks/test_host_transport.py [--commands 100] [--tasks 20]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time

IMAGE = "localhost/aiguard-debian:bookworm"
SSH_OPTS = "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o IdentitiesOnly=yes"


def sh(*argv, **kw):
    return subprocess.run(argv, check=True, capture_output=True, text=True, **kw).stdout.strip()


def wait_for_ssh(address, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((address, 22), timeout=2) as s:
                if s.recv(64).startswith(b"SSH-"):
                    return
        except OSError:
            pass
        time.sleep(0.5)
    sys.exit(f"no SSH server answered on {address}:22 within {timeout}s")


def time_testinfra(spec, n, **kwargs):
    import testinfra

    host = testinfra.get_host(spec, **kwargs)
    host.run("true")  # the first command opens the persistent connection
    start = time.monotonic()
    for _command in range(n):
        host.run("true")
    return (time.monotonic() - start) / n


def time_playbook(tmp, inventory_vars, n):
    playbook = os.path.join(tmp, "tasks.yml")
    with open(playbook, "w", encoding="utf-8") as fh:
        fh.write(
            "- hosts: bench\n  gather_facts: false\n  tasks:\n"
            f"    - ansible.builtin.stat:\n        path: /etc/hostname\n      loop: {list(range(n))}\n"
        )
    inventory = os.path.join(tmp, "inventory.ini")
    with open(inventory, "w", encoding="utf-8") as fh:
        fh.write(f"[bench]\nbench {inventory_vars}\n")
    start = time.monotonic()
    sh("ansible-playbook", "-i", inventory, playbook, env={**os.environ, "ANSIBLE_HOST_KEY_CHECKING": "false"})
    return (time.monotonic() - start) / n


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--commands", type=int, default=100, help="testinfra commands per transport")
    parser.add_argument("--tasks", type=int, default=20, help="Ansible task iterations per transport")
    args = parser.parse_args()
    if subprocess.run(["podman", "image", "exists", IMAGE], check=False).returncode:
        sys.exit(f"{IMAGE} is missing: run scripts/build-images.sh first")
    name = f"aiguard-bench-{os.getpid()}"
    with tempfile.TemporaryDirectory() as tmp:
        key = os.path.join(tmp, "id_ed25519")
        sh("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key)
        try:
            sh(
                "podman",
                "run",
                "--detach",
                "--pull=never",
                f"--name={name}",
                "--systemd=always",
                f"--volume={key}.pub:/root/.ssh/authorized_keys:ro",
                IMAGE,
                "/sbin/init",
            )
            address = sh(
                "podman",
                "container",
                "inspect",
                "--format",
                "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}",
                name,
            )
            wait_for_ssh(address)
            rows = [
                ("testinfra command, podman exec", time_testinfra(f"podman://{name}", args.commands)),
                (
                    "testinfra command, ssh + ControlPersist",
                    time_testinfra(
                        f"ssh://root@{address}",
                        args.commands,
                        ssh_identity_file=key,
                        ssh_extra_args=SSH_OPTS,
                        controlpersist=60,
                        controlpath=os.path.join(tmp, "cm-%%C"),
                    ),
                ),
                (
                    "ansible task, podman connection",
                    time_playbook(tmp, f"ansible_connection=containers.podman.podman ansible_host={name}", args.tasks),
                ),
                (
                    "ansible task, ssh + pipelining",
                    time_playbook(
                        tmp,
                        f"ansible_host={address} ansible_user=root ansible_ssh_private_key_file={key} "
                        f"ansible_ssh_pipelining=true 'ansible_ssh_common_args={SSH_OPTS}'",
                        args.tasks,
                    ),
                ),
            ]
        finally:
            subprocess.run(["podman", "rm", "--force", "--time=2", name], capture_output=True, check=False)
    for label, seconds in rows:
        print(f"{label:<42} {seconds * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
