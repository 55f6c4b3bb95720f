"""Shared pytest fixtures for the testinfra verifiers of every scenario.

Molecule runs the verifier with MOLECULE_INVENTORY_FILE and
MOLECULE_SCENARIO_DIRECTORY set. Test hosts are Podman containers, so each
host is reached with testinfra's podman backend (``podman exec``), which is
much faster than going through Ansible for every command.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import dataclass, field

import pytest
import testinfra


def _inventory():
    out = subprocess.run(
        ["ansible-inventory", "-i", os.environ["MOLECULE_INVENTORY_FILE"], "--list"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out)


def group_hosts(group="all"):
    """Names of the scenario's hosts in an inventory group."""
    inv = _inventory()
    if group == "all":
        return sorted(inv["_meta"]["hostvars"])
    return sorted(inv.get(group, {}).get("hosts", []))


def pytest_generate_tests(metafunc):
    """Tests that take ``node`` run once per host of ``testinfra_group``."""
    if "node" in metafunc.fixturenames:
        names = group_hosts(getattr(metafunc.module, "testinfra_group", "all"))
        metafunc.parametrize("node", names, indirect=True, ids=names)


@pytest.fixture(scope="session")
def hosts_in():
    """Names of the scenario's hosts in a group: ``hosts_in("ai_apps")``."""
    return group_hosts


@pytest.fixture(scope="session")
def hostvars():
    return _inventory()["_meta"]["hostvars"]


@pytest.fixture
def node(request):
    """A testinfra host for one test host of the scenario."""
    return testinfra.get_host(f"podman://{request.param}")


@pytest.fixture(scope="session")
def host_of():
    """Get a testinfra host by name, e.g. to test from a client host."""
    return lambda name: testinfra.get_host(f"podman://{name}")


@dataclass
class Recap:
    output: str
    rc: int = 0
    changed: dict = field(default_factory=dict)
    failed: dict = field(default_factory=dict)


def run_converge(*args):
    """Run the scenario's converge playbook with extra ansible-playbook args."""
    playbook = os.path.join(os.environ["MOLECULE_SCENARIO_DIRECTORY"], "converge.yml")
    proc = subprocess.run(
        ["ansible-playbook", "-i", os.environ["MOLECULE_INVENTORY_FILE"], *args, playbook],
        capture_output=True,
        text=True,
        check=False,
    )
    output = proc.stdout + proc.stderr
    recap = Recap(output=output, rc=proc.returncode)
    for host, changed, failed in re.findall(
        r"^(\S+)\s+:\s+ok=\d+\s+changed=(\d+)\s+unreachable=\d+\s+failed=(\d+)", output, re.M
    ):
        if int(changed):
            recap.changed[host] = int(changed)
        if int(failed):
            recap.failed[host] = int(failed)
    return recap


@pytest.fixture(scope="session")
def converge():
    """Run the converge playbook again, e.g. with ``-e`` overrides: ``converge("-e", json)``."""
    return run_converge


@pytest.fixture(scope="session")
def converge_check():
    """Run the scenario's converge playbook again in check and diff mode.

    Molecule's own ``check`` step shows the diff but does not fail on
    changes; the shared sequence leaves it out and this fixture is what
    asserts that a converged host reports no change in check mode.
    """
    recap = run_converge("--check", "--diff")
    assert recap.rc == 0 or recap.failed, recap.output
    return recap
