"""The built collection installs and resolves by FQCN outside this checkout.

Builds the tarball with ``ansible-galaxy collection build``, installs it with
``ansible-galaxy collection install`` into an empty collections path, and
then, from a directory outside the repository and with only that path
configured, runs playbooks that use every module and role of the collection
by its fully qualified name.

The tarball is built from a copy of the checkout to which the test adds one
small role, ``fqcn_probe``, so that role resolution is proven even while the
collection ships few roles; every real role and module is checked as well.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
GALAXY = yaml.safe_load((ROOT / "galaxy.yml").read_text())
FQCN = f"{GALAXY['namespace']}.{GALAXY['name']}"
PROBE = "fqcn_probe"


def run(args, cwd, env):
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, f"{' '.join(map(str, args))} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


@pytest.fixture(scope="module")
def outside(tmp_path_factory):
    """A directory outside the repo, with only the installed collection."""
    base = tmp_path_factory.mktemp("outside")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "MOLECULE_"))}
    env.update(
        ANSIBLE_COLLECTIONS_PATH=str(base / "collections"),
        ANSIBLE_CONFIG=str(base / "ansible.cfg"),
        ANSIBLE_LOCAL_TEMP=str(base / "tmp"),
        PATH=f"{BIN}:{env.get('PATH', '')}",
    )
    (base / "ansible.cfg").write_text("[defaults]\ncollections_scan_sys_path = true\n")
    src = base / "src"
    shutil.copytree(ROOT, src, symlinks=True, ignore=shutil.ignore_patterns(".git", ".venv", ".cache", "__pycache__"))
    probe = src / "roles" / PROBE
    (probe / "tasks").mkdir(parents=True)
    (probe / "meta").mkdir()
    (probe / "tasks" / "main.yml").write_text(
        "- name: Say where the role runs from\n"
        "  ansible.builtin.debug:\n    msg: 'fqcn_probe {{ fqcn_probe_word }} {{ role_path }}'\n"
    )
    (probe / "meta" / "argument_specs.yml").write_text(
        "argument_specs:\n  main:\n    short_description: Probe\n"
        "    options:\n      fqcn_probe_word:\n        type: str\n        required: true\n"
        "        description: A word to print.\n"
    )
    out = run([BIN / "ansible-galaxy", "collection", "build", "--output-path", base, str(src)], base, env)
    tarball = base / f"{GALAXY['namespace']}-{GALAXY['name']}-{GALAXY['version']}.tar.gz"
    assert tarball.is_file(), out
    # Dependencies come from the installed `ansible` package; no server is asked.
    # --force: this tarball goes in even when ansible-galaxy believes the
    # collection installed already (it has said so while ansible-test sanity
    # ran beside it, leaving the path empty).
    run(
        [BIN / "ansible-galaxy", "collection", "install", "--offline", "--force", "-p", base / "collections", tarball],
        base,
        env,
    )
    assert (base / "collections" / "ansible_collections" / "aiguard" / "hardening" / "MANIFEST.json").is_file()
    return {"base": base, "env": env, "tarball": tarball}


def members(tarball):
    with tarfile.open(tarball) as tar:
        return tar.getnames()


def shipped(tarball, kind):
    """Names of the roles or modules inside the tarball."""
    names = members(tarball)
    if kind == "roles":
        return sorted({n.split("/")[1] for n in names if n.startswith("roles/") and n.count("/") >= 2})
    return sorted(
        Path(n).stem
        for n in names
        if n.startswith("plugins/modules/") and n.endswith(".py") and not Path(n).stem.startswith("_")
    )


def test_tarball_holds_the_collection_and_not_the_dev_tree(outside):
    names = members(outside["tarball"])
    with tarfile.open(outside["tarball"]) as tar:
        manifest = json.loads(tar.extractfile("MANIFEST.json").read())
    assert manifest["collection_info"]["version"] == GALAXY["version"]
    assert manifest["collection_info"]["dependencies"] == GALAXY["dependencies"]
    assert "meta/runtime.yml" in names and "playbooks/site.yml" in names
    for dev_only in ("molecule", "tests", "scripts", "lab", ".ci", ".venv", ".cache", "Makefile"):
        assert not any(n == dev_only or n.startswith(dev_only + "/") for n in names), dev_only


def test_installed_collection_is_listed(outside):
    out = run([BIN / "ansible-galaxy", "collection", "list", FQCN, "--format", "json"], outside["base"], outside["env"])
    listed = {name: info["version"] for path in json.loads(out).values() for name, info in path.items()}
    assert listed.get(FQCN) == GALAXY["version"]


def test_every_module_resolves_and_runs_by_fqcn(outside):
    modules = shipped(outside["tarball"], "modules")
    assert modules, "the collection ships no module"
    doc = json.loads(
        run([BIN / "ansible-doc", "--json", *[f"{FQCN}.{m}" for m in modules]], outside["base"], outside["env"])
    )
    assert sorted(doc) == sorted(f"{FQCN}.{m}" for m in modules)
    # listen_audit only reads /proc, so it can run for real on the controller.
    playbook = outside["base"] / "use_modules.yml"
    playbook.write_text(
        yaml.safe_dump(
            [
                {
                    "name": "Use the collection's modules by FQCN",
                    "hosts": "localhost",
                    "connection": "local",
                    "gather_facts": False,
                    "tasks": [
                        {"name": "Run listen_audit", f"{FQCN}.listen_audit": {}, "register": "audit"},
                        {"name": "Check its result", "ansible.builtin.assert": {"that": ["audit.summary is string"]}},
                    ],
                }
            ]
        )
    )
    run(
        [BIN / "ansible-playbook", "-i", "localhost,", "-e", f"ansible_python_interpreter={sys.executable}", playbook],
        outside["base"],
        outside["env"],
    )


def test_every_role_and_playbook_resolves_by_fqcn(outside):
    roles = shipped(outside["tarball"], "roles")
    assert PROBE in roles
    real = [r for r in roles if r != PROBE]
    playbook = outside["base"] / "use_roles.yml"
    playbook.write_text(
        yaml.safe_dump(
            [
                {
                    "name": "Use the collection's roles by FQCN",
                    "hosts": "all",
                    "gather_facts": False,
                    "roles": [f"{FQCN}.{r}" for r in real],
                }
            ]
        )
    )
    run([BIN / "ansible-playbook", "--syntax-check", "-i", "localhost,", playbook], outside["base"], outside["env"])
    # A role runs by its FQCN from the installed collection, argument spec included.
    probe = outside["base"] / "use_probe.yml"
    probe.write_text(
        yaml.safe_dump(
            [
                {
                    "name": "Run a role by FQCN",
                    "hosts": "localhost",
                    "connection": "local",
                    "gather_facts": False,
                    "roles": [{"role": f"{FQCN}.{PROBE}", "fqcn_probe_word": "resolved"}],
                }
            ]
        )
    )
    out = run(
        [BIN / "ansible-playbook", "-i", "localhost,", "-e", f"ansible_python_interpreter={sys.executable}", probe],
        outside["base"],
        outside["env"],
    )
    assert "fqcn_probe resolved " + str(outside["base"] / "collections") in out
    bad = outside["base"] / "use_probe_badly.yml"
    bad.write_text(
        yaml.safe_dump(
            [
                {
                    "name": "Run a role by FQCN without its required variable",
                    "hosts": "localhost",
                    "connection": "local",
                    "gather_facts": False,
                    "roles": [f"{FQCN}.{PROBE}"],
                }
            ]
        )
    )
    proc = subprocess.run(
        [BIN / "ansible-playbook", "-i", "localhost,", bad],
        cwd=outside["base"],
        env=outside["env"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode != 0 and "fqcn_probe_word" in proc.stdout + proc.stderr
    # The collection's own site playbook, by its FQCN.
    run(
        [BIN / "ansible-playbook", "--syntax-check", "-i", "localhost,", f"{FQCN}.site"],
        outside["base"],
        outside["env"],
    )
