"""Shared pytest fixtures for the testinfra verifiers of every scenario.

Molecule runs the verifier with MOLECULE_INVENTORY_FILE and
MOLECULE_SCENARIO_DIRECTORY set. Test hosts are reached the way Ansible
reaches them, over SSH (address and key from Molecule's inventory), with
testinfra's ssh backend and one persistent connection per host: much faster
than going through Ansible, or ``podman exec``, for every command.
"""

from __future__ import annotations

import functools
import json
import os
import re
import subprocess
from dataclasses import dataclass, field

import pytest
import testinfra


@functools.cache
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


def ssh_host(name):
    """A testinfra host for a test host of the scenario, over SSH."""
    hv = _inventory()["_meta"]["hostvars"][name]
    return testinfra.get_host(
        f"ssh://{hv.get('ansible_user', 'root')}@{hv['ansible_host']}:{hv.get('ansible_port', 22)}",
        ssh_identity_file=hv["ansible_private_key_file"],
        ssh_extra_args="-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR",
        controlpersist=300,
        controlpath="/tmp/aiguard-ssh-%%C",  # testinfra %-formats the command
    )


@pytest.fixture
def node(request):
    """A testinfra host for one test host of the scenario."""
    return ssh_host(request.param)


@pytest.fixture(scope="session")
def host_of():
    """Get a testinfra host by name, e.g. to test from a client host."""
    return ssh_host


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
