"""scripts/lab.sh and scripts/build-images.sh refuse bad situations cleanly.

Each case stops before anything is created (or removes what it created),
names the problem and what to do. They run against a throw-away inventory
with their own host names and ports, so they never touch a running lab.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAB = ROOT / "scripts" / "lab.sh"
BUILD = ROOT / "scripts" / "build-images.sh"
NAME = "aiguard-labtest-app"

pytestmark = pytest.mark.skipif(
    shutil.which("podman") is None, reason="podman is not installed (run scripts/bootstrap.sh)"
)


def podman(*args):
    return subprocess.run(["podman", *args], capture_output=True, text=True, check=False)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def inventory(tmp_path):
    port = free_port()
    inv = tmp_path / "inventory"
    inv.mkdir()
    (inv / "hosts.yml").write_text(
        "all:\n  hosts:\n"
        f"    {NAME}:\n      lab_image: localhost/aiguard-labapp:bookworm\n"
        f"      lab_network: aiguard-labtest\n      lab_published_ports: ['127.0.0.1:{port}:80']\n"
    )
    yield inv, port
    podman("rm", "-f", NAME)


def lab(inv, *args, env=None):
    full = {
        **os.environ,
        "AIGUARD_LAB_INVENTORY": str(inv),
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
    }
    full.update(env or {})
    return subprocess.run([str(LAB), *args], capture_output=True, text=True, env=full, check=False)


def test_port_in_use_stops_before_creating_anything(inventory):
    inv, port = inventory
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", port))
        busy.listen()
        proc = lab(inv, "up")
    assert proc.returncode != 0
    assert f"port 127.0.0.1:{port} for {NAME} is already in use" in proc.stderr
    assert "nothing was created" in proc.stderr
    assert podman("container", "exists", NAME).returncode != 0


def test_name_taken_by_a_foreign_container(inventory):
    inv, _port = inventory
    assert podman("create", "--name", NAME, "localhost/aiguard-debian:bookworm", "true").returncode == 0
    proc = lab(inv, "up")
    assert proc.returncode != 0
    assert f"container name {NAME} is taken by a container the lab did not create" in proc.stderr
    assert f"podman rm -f {NAME}" in proc.stderr
    # The foreign container is left as it was, and not labelled as ours.
    labels = podman("container", "inspect", "--format", "{{.Config.Labels}}", NAME).stdout
    assert "aiguard.lab" not in labels


def test_podman_missing_and_not_installable(inventory, tmp_path):
    """A PATH without podman and without apt-get: the script says what to install."""
    inv, _port = inventory
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for d in ("/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin"):
        for tool in Path(d).iterdir() if Path(d).is_dir() else []:
            if tool.name in ("podman", "apt-get") or (bindir / tool.name).exists():
                continue
            (bindir / tool.name).symlink_to(tool)
    proc = lab(inv, "up", env={"PATH": f"{Path(sys.executable).parent}:{bindir}"})
    assert proc.returncode != 0
    assert "podman is missing and cannot be installed here" in proc.stderr
    assert "install podman, runc and debootstrap" in proc.stderr


def test_failed_image_build_leaves_nothing_behind(tmp_path):
    image = "localhost/aiguard-labtest-broken"
    env = {
        **os.environ,
        "AIGUARD_BASE_IMAGE": image,
        "AIGUARD_DEBIAN_MIRROR": "http://127.0.0.1:9/debian",
        "TMPDIR": str(tmp_path),
    }
    proc = subprocess.run([str(BUILD), "base", "bookworm"], capture_output=True, text=True, env=env, check=False)
    assert proc.returncode != 0
    assert "debootstrap of bookworm failed" in proc.stderr
    assert "AIGUARD_DEBIAN_MIRROR" in proc.stderr
    assert podman("image", "exists", f"{image}:bookworm").returncode != 0
    # The throw-away root filesystem is gone; its log is kept for the user.
    assert not [p for p in tmp_path.iterdir() if p.is_dir()]
    assert [p for p in tmp_path.iterdir() if p.name.endswith(".log")]


def test_host_that_cannot_be_created_rolls_back_the_run(tmp_path):
    """The second host fails to start: the first, created by the same run, is removed."""
    inv = tmp_path / "inventory"
    inv.mkdir()
    second = NAME + "2"
    (inv / "hosts.yml").write_text(
        "all:\n  hosts:\n"
        f"    {NAME}:\n      lab_image: localhost/aiguard-labapp:bookworm\n      lab_network: aiguard-labtest\n"
        f"    {second}:\n      lab_image: localhost/aiguard-labtest-no-such-image:none\n"
        "      lab_network: aiguard-labtest\n"
    )
    try:
        proc = lab(inv, "up")
        assert proc.returncode != 0
        assert f"creating {second} failed; removing the hosts this run created: {NAME}" in proc.stderr
        assert "nothing of this run is left behind" in proc.stderr
        assert podman("container", "exists", NAME).returncode != 0
        assert podman("container", "exists", second).returncode != 0
    finally:
        podman("rm", "-f", NAME, second)
        podman("network", "rm", "aiguard-labtest")
