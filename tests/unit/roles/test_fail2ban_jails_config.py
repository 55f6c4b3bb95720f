# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""fail2ban_jails' files, rendered as the role writes them, pass the role's own check.

The check (templates/aiguard-fail2ban-check.j2) runs ``fail2ban-client -t``
on a copy of the configuration with the new file in place and compiles the
aiguard filters. Here it runs on a copy of this machine's Debian
configuration; skipped where fail2ban is not installed.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template

from ansible_collections.aiguard.hardening.plugins.module_utils import fail2banjails

ROLE = Path(__file__).resolve().parents[3] / "roles" / "fail2ban_jails"
DEBIAN_CONF = Path("/etc/fail2ban")
pytestmark = pytest.mark.skipif(
    shutil.which("fail2ban-client") is None or not (DEBIAN_CONF / "jail.conf").exists(),
    reason="no fail2ban here (apt-get install fail2ban, as scripts/bootstrap.sh does)",
)


def render(template, conf, **settings):
    found = yaml.safe_load((ROLE / "vars" / "main.yml").read_text())
    found = {key: value for key, value in found.items() if not isinstance(value, str) or "{{" not in value}
    found.update(
        __fail2ban_jails_dir=str(conf),
        __fail2ban_jails_model=fail2banjails.build(**settings).as_dict(),
        ansible_managed="Ansible managed",
    )
    source = trust_as_template((ROLE / "templates" / template).read_text())
    return Templar(loader=DataLoader(), variables=found).template(source)


def setup(tmp_path, **settings):
    """A copy of Debian's configuration with the role's files, the log, and the check script."""
    conf = tmp_path / "fail2ban"
    shutil.copytree(DEBIAN_CONF, conf, symlinks=True)
    log = tmp_path / "access.json"
    log.write_text("")
    settings.setdefault("access_log", str(log))
    settings.setdefault("backend", "polling")
    for kind in ("filter.d", "action.d"):
        for file in (ROLE / "files" / kind).glob("*.conf"):
            shutil.copy(file, conf / kind / file.name)
    (conf / "fail2ban.d").mkdir(exist_ok=True)
    (conf / "jail.d" / "aiguard-sshd.local").write_text(render("sshd.local.j2", conf, **settings))
    (conf / "fail2ban.d" / "aiguard.local").write_text(render("fail2ban.local.j2", conf, **settings))
    (conf / "jail.d" / "aiguard.local").write_text(render("jail.local.j2", conf, **settings))
    check = tmp_path / "aiguard-fail2ban-check"
    check.write_text(render("aiguard-fail2ban-check.j2", conf, **settings))
    check.chmod(0o755)
    return conf, check


def run(*argv):
    return subprocess.run([str(arg) for arg in argv], capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize(
    "settings",
    [
        {},
        {"bot_block_status": 403, "kill_connections": False, "admin_networks": ["198.51.100.0/24", "2001:db8::/48"]},
        {"bantime_increment": False, "auth_enabled": False, "sshd_jail": "off"},
    ],
    ids=["defaults", "403-no-kill-networks", "no-increment"],
)
def test_the_rendered_configuration_passes_the_check(tmp_path, settings):
    conf, check = setup(tmp_path, **settings)
    done = run(check)
    assert done.returncode == 0, done.stdout + done.stderr
    dump = run("fail2ban-client", "-c", conf, "-d")
    assert dump.returncode == 0, dump.stderr
    commands = [ast.literal_eval(line) for line in dump.stdout.splitlines() if line.startswith("[")]
    model = fail2banjails.build(**{"backend": "polling", **settings}).as_dict()
    for jail in model["jails"]:
        assert (["add", jail["name"], "polling"] in commands) is jail["enabled"], jail["name"]
        if jail["enabled"]:
            assert ["set", jail["name"], "addignoreip", *model["ignoreip"]] in commands
            assert ["set", jail["name"], "maxretry", jail["maxretry"]] in commands
            assert ["set", jail["name"], "bantime.increment", model["bantime"]["increment"]] in commands
    # Debian's sshd jail: from the journal, with the same ignore list, or off.
    assert (["add", "sshd", "systemd"] in commands) is (settings.get("sshd_jail", "journal") == "journal")


@pytest.mark.parametrize(
    ("dest", "text", "error"),
    [
        ("filter.d/aiguard-auth.conf", "[Definition]\nfailregex = ^(<ADDR>\n", "does not compile"),
        ("jail.d/aiguard.local", "[aiguard-auth]\nenabled = true\nfilter = aiguard-auth\naction = nothing-here\n", ""),
        ("action.d/aiguard-ufw.conf", "[Definition\nactionban = x\n", ""),
    ],
    ids=["bad-regex", "missing-action", "broken-action"],
)
def test_a_broken_file_fails_the_check_and_is_not_put_in_place(tmp_path, dest, text, error):
    conf, check = setup(tmp_path)
    before = (conf / dest).read_text()
    new = tmp_path / "new"
    new.write_text(text)
    done = run(check, new, conf / dest)
    assert done.returncode != 0
    assert error in done.stderr
    assert (conf / dest).read_text() == before


def test_a_file_outside_the_configuration_is_refused(tmp_path):
    _conf, check = setup(tmp_path)
    new = tmp_path / "new"
    new.write_text("")
    done = run(check, new, "/etc/passwd")
    assert done.returncode == 2 and "is not below" in done.stderr


def test_a_fresh_debian_configuration_takes_the_files_in_the_roles_order(tmp_path):
    """Each file, in configure.yml's order, passes the check on the configuration the steps before it left.

    Debian 12's own sshd jail reads /var/log/auth.log; without it (no rsyslog,
    as on this machine) the package's configuration fails the check until the
    role's sshd file is in place, so the filters and the action are checked
    on their own first.
    """
    conf = tmp_path / "fail2ban"
    shutil.copytree(DEBIAN_CONF, conf, symlinks=True)
    log = tmp_path / "access.json"
    log.write_text("")
    settings = {"access_log": str(log), "backend": "polling"}
    check = tmp_path / "aiguard-fail2ban-check"
    check.write_text(render("aiguard-fail2ban-check.j2", conf, **settings))
    check.chmod(0o755)
    names = yaml.safe_load((ROLE / "vars" / "main.yml").read_text())
    steps = [
        (ROLE / "files" / "filter.d" / f"{name}.conf", f"filter.d/{name}.conf")
        for name in names["__fail2ban_jails_filters"]
    ]
    steps += [
        (ROLE / "files" / "action.d" / f"{name}.conf", f"action.d/{name}.conf")
        for name in names["__fail2ban_jails_actions"]
    ]
    for template, dest in [
        ("sshd.local.j2", "jail.d/aiguard-sshd.local"),
        ("fail2ban.local.j2", "fail2ban.d/aiguard.local"),
        ("jail.local.j2", "jail.d/aiguard.local"),
    ]:
        rendered = tmp_path / template
        rendered.write_text(render(template, conf, **settings))
        steps.append((rendered, dest))
    (conf / "fail2ban.d").mkdir(exist_ok=True)
    for source, dest in steps:
        done = run(check, source, conf / dest)
        assert done.returncode == 0, f"{dest}: {done.stderr}"
        shutil.copy(source, conf / dest)
    done = run(check)
    assert done.returncode == 0, done.stderr


def _action_commands(tmp_path, kill):
    """actionban and actionunban of aiguard-ufw as fail2ban builds them, for a jail named aiguard-auth."""
    conf, _check = setup(tmp_path, kill_connections=kill)
    dump = run("fail2ban-client", "-c", conf, "-d")
    for command in (ast.literal_eval(line) for line in dump.stdout.splitlines() if line.startswith("[")):
        if command[:4] == ["multi-set", "aiguard-auth", "action", "aiguard-ufw"]:
            return dict(command[4])
    raise AssertionError(dump.stdout + dump.stderr)


@pytest.mark.parametrize(
    ("kill", "address", "ban", "unban"),
    [
        (
            True,
            "203.0.113.7",
            [
                "flock -w 60 /run/aiguard-fail2ban-ufw.lock",
                "ufw prepend deny from 203.0.113.7 to any comment aiguard-fail2ban aiguard-auth",
                "ss -K dst [203.0.113.7]",
                "conntrack -D -f ipv4 -s 203.0.113.7",
            ],
            ["flock -w 60 /run/aiguard-fail2ban-ufw.lock", "ufw delete deny from 203.0.113.7 to any"],
        ),
        (
            False,
            "203.0.113.7",
            [
                "flock -w 60 /run/aiguard-fail2ban-ufw.lock",
                "ufw prepend deny from 203.0.113.7 to any comment aiguard-fail2ban aiguard-auth",
            ],
            ["flock -w 60 /run/aiguard-fail2ban-ufw.lock", "ufw delete deny from 203.0.113.7 to any"],
        ),
        # No /etc/default/ufw with IPV6=yes on this machine: ufw refuses IPv6 rules, so the action skips them.
        (True, "2001:db8::7", [], []),
    ],
    ids=["kill", "no-kill", "ipv6-off"],
)
def test_the_ban_action_runs_exactly_these_commands(tmp_path, kill, address, ban, unban):
    if address.count(":") and Path("/etc/default/ufw").exists():
        pytest.skip("ufw is installed here: the IPv6 case depends on its settings")
    actions = _action_commands(tmp_path, kill)
    stubs = tmp_path / "bin"
    stubs.mkdir()
    calls = tmp_path / "calls"
    for name in ("ufw", "ss", "conntrack"):
        (stubs / name).write_text(f'#!/bin/sh\necho "{name} $*" >>{calls}\n')
    (stubs / "flock").write_text(f'#!/bin/sh\necho "flock $1 $2 $3" >>{calls}\nshift 3\nexec "$@"\n')
    for stub in stubs.iterdir():
        stub.chmod(0o755)
    for key, want in (("actionban", ban), ("actionunban", unban)):
        script = actions[key].replace("<ip>", address)
        assert "<" not in script, script
        calls.write_text("")
        done = subprocess.run(
            ["/bin/sh", "-c", script],
            env={"PATH": f"{stubs}:/usr/bin:/bin"},
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert calls.read_text().splitlines() == want
