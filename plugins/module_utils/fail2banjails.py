# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The fail2ban_jails role's variables as data: its jails, the addresses never banned, its problems.

Plain Python (stdlib and Ansible's argument-spec validator, no AnsibleModule)
so that pytest tests it directly; the filter in
``plugins/filter/fail2ban_jails.py`` is its interface to the role.

``MODEL_OPTIONS`` (argument-spec form, the variables without the
``fail2ban_jails_`` prefix) is the source of the types and defaults;
``roles/fail2ban_jails/meta/argument_specs.yml`` repeats them for Ansible's
own validation and the README, and a unit test keeps the two in step.

* ``build(**settings)``: the ``Model`` the tasks and templates read (the
  jails with their limits and filters, the ``ignoreip`` list, the packages,
  the database purge age); raises ``Fail2banJailsError`` with every problem,
  so nothing is built from input that has one;
* ``problems(**settings)``: every problem, each naming the variable and the fix.

Besides the role's variables the model reads what the host's firewall role
decided (``CONTEXT_OPTIONS``): the networks ufw_allowlist lets reach SSH,
which no jail may ban, and whether ufw_allowlist deletes rules it does not
own, which would lift every ban on its next run.
"""

from __future__ import annotations

import ipaddress
from dataclasses import asdict, dataclass, field

from ansible_collections.aiguard.hardening.plugins.module_utils import argspec

PREFIX = "fail2ban_jails_"
# The role's jails: the short name in the variables, what each one bans for.
JAILS = {
    "auth": "wrong basic-auth credentials (401 from nginx to a request that sent Basic credentials)",
    "token": "wrong bearer tokens (401 from nginx to a request that sent a Bearer token it did not know)",
    "bot": "requests the bot filter dropped and scanner probe paths (nginx's block status, no upstream)",
    "ratelimit": "rate-limit hits (429 from nginx's limit_req or limit_conn, not from the app)",
}
# Defaults per jail: maxretry, findtime and bantime (seconds). A failed-login
# burst alerts at the collector at more than 5 failures in 60 s, so the auth
# jails ban later than that: the alert says who tried before the ban hides it.
JAIL_DEFAULTS = {
    "auth": {"maxretry": 10, "findtime": 600, "bantime": 3600},
    "token": {"maxretry": 10, "findtime": 600, "bantime": 3600},
    "bot": {"maxretry": 10, "findtime": 600, "bantime": 3600},
    "ratelimit": {"maxretry": 50, "findtime": 60, "bantime": 600},
}
BACKENDS = ("pyinotify", "polling")
SSHD_MODES = ("journal", "debian", "off")
BLOCK_STATUSES = (444, 403)
DEFAULT_ACCESS_LOG = "/var/log/nginx/aiguard-access.json"


def _jail_options():
    options = {}
    for jail, limits in JAIL_DEFAULTS.items():
        options[f"{jail}_enabled"] = dict(type="bool", default=True)
        for key, value in limits.items():
            options[f"{jail}_{key}"] = dict(type="int", default=value)
    return options


MODEL_OPTIONS = {
    "access_log": dict(type="str", default=DEFAULT_ACCESS_LOG),
    "backend": dict(type="str", choices=list(BACKENDS), default="pyinotify"),
    **_jail_options(),
    "bantime_increment": dict(type="bool", default=True),
    "bantime_factor": dict(type="float", default=1),
    "bantime_maxtime": dict(type="int", default=604800),
    "bantime_overalljails": dict(type="bool", default=False),
    "admin_networks": dict(type="list", elements="str", default=[]),
    "ignore_networks": dict(type="list", elements="str", default=[]),
    "kill_connections": dict(type="bool", default=True),
    "bot_block_status": dict(type="int", choices=list(BLOCK_STATUSES), default=444),
    "sshd_jail": dict(type="str", choices=list(SSHD_MODES), default="journal"),
}
# What the model reads from ufw_allowlist (its variables of these names, or
# its defaults when the play does not set them).
CONTEXT_OPTIONS = {
    "ufw_admin_networks": dict(type="list", elements="raw", default=[]),
    "ufw_purge_unowned": dict(type="bool", default=False),
}
# Never banned: the host's own loopback.
LOOPBACK = ["127.0.0.0/8", "::1/128"]
# ufw rule comments of the bans: "aiguard-fail2ban aiguard-auth".
UFW_COMMENT = "aiguard-fail2ban"
# fail2ban forgets bans older than this (dbpurgeage) at the least.
MIN_DB_PURGE_AGE = 86400
MAX_TIME = 10 * 365 * 86400


class Fail2banJailsError(ValueError):
    """Input no model is made of; ``problems`` lists every problem, the message joins them."""

    def __init__(self, problems):
        super().__init__("; ".join(problems))
        self.problems = list(problems)


@dataclass
class Model:
    """What the tasks and templates need (``as_dict`` is what the filter returns)."""

    jails: list = field(default_factory=list)
    ignoreip: list = field(default_factory=list)
    access_log: str = DEFAULT_ACCESS_LOG
    backend: str = "pyinotify"
    bantime: dict = field(default_factory=dict)
    db_purge_age: int = MIN_DB_PURGE_AGE
    action: str = "aiguard-ufw"
    sshd_jail: str = "journal"
    packages: list = field(default_factory=list)

    def as_dict(self):
        return {"problems": [], **asdict(self)}


def _network(text):
    """An ip_network of an address or CIDR (host bits allowed), or None if it is not one."""
    try:
        return ipaddress.ip_network(str(text).strip(), strict=False)
    except ValueError:
        return None


def _ignore_problems(networks, name):
    """Problems of a list of networks fail2ban is to ignore; each entry LABEL[INDEX]."""
    found = []
    for index, value in enumerate(networks):
        where = f"{name}[{index}]"
        net = _network(value)
        if net is None:
            found.append(f"{where}: {value!r} is not an IPv4 or IPv6 address or network (CIDR)")
        elif net.prefixlen == 0:
            found.append(
                f"{where}: {value!r} is every IPv{net.version} address: no jail would ban anyone; "
                "list narrower networks"
            )
    return found


def _covered(net, ignored):
    return any(net.version == other.version and net.subnet_of(other) for other in ignored)


def _ssh_problems(admin_networks, ignored, ignore_var):
    """ufw_allowlist's SSH networks that a jail could ban (not inside an ignored network)."""
    found = []
    for index, value in enumerate(admin_networks):
        where = f"ufw_allowlist_admin_networks[{index}]"
        if isinstance(value, str) and value.strip().lower() in ("any", "anywhere"):
            found.append(
                f"{where}: SSH is open to {value!r}, and the jails never ban an SSH-allowed network, so they could "
                "ban no one; list the admin networks SSH really comes from in ufw_allowlist_admin_networks"
            )
            continue
        net = _network(value)
        if net is None:
            continue  # ufw_allowlist's preflight names it
        if net.prefixlen == 0:
            found.append(
                f"{where}: {value!r} lets every IPv{net.version} address reach SSH, and the jails never ban an "
                "SSH-allowed network, so they could ban no one; narrow ufw_allowlist_admin_networks"
            )
        elif not _covered(net, ignored):
            found.append(
                f"{where}: {value!r} may reach SSH but is not in {ignore_var} or {PREFIX}ignore_networks, so a jail "
                f"could ban it and lock the admins out; add it to {ignore_var} (its default is "
                "ufw_allowlist_admin_networks)"
            )
    return found


def _time_problems(values, bad):
    found = []
    for jail in JAILS:
        for key in ("maxretry", "findtime", "bantime"):
            name = f"{jail}_{key}"
            if name in bad:
                continue
            if not 1 <= values[name] <= MAX_TIME:
                what = "failures" if key == "maxretry" else "seconds"
                found.append(f"{PREFIX}{name}: {values[name]} must be a whole number of {what}, at least 1")
    increment = values["bantime_increment"] and "bantime_increment" not in bad
    if "bantime_maxtime" not in bad and not 1 <= values["bantime_maxtime"] <= MAX_TIME:
        found.append(f"{PREFIX}bantime_maxtime: {values['bantime_maxtime']} must be a number of seconds, at least 1")
    elif increment and "bantime_maxtime" not in bad:
        for jail in JAILS:
            name = f"{jail}_bantime"
            if name not in bad and values[name] > values["bantime_maxtime"]:
                found.append(
                    f"{PREFIX}{name}: {values[name]} s is longer than {PREFIX}bantime_maxtime "
                    f"({values['bantime_maxtime']} s), the longest ban of a repeat offender; shorten it or raise "
                    "the maximum"
                )
    if "bantime_factor" not in bad and not 0 < values["bantime_factor"] <= 100:
        found.append(f"{PREFIX}bantime_factor: {values['bantime_factor']} must be above 0 and at most 100")
    return found


def _check(settings):
    """(values with their defaults, context values, problems)."""
    unknown = sorted(set(settings) - set(MODEL_OPTIONS) - set(CONTEXT_OPTIONS))
    if unknown:
        raise TypeError(f"unknown setting(s) of the fail2ban_jails model: {', '.join(unknown)}")
    own = {key: value for key, value in settings.items() if key in MODEL_OPTIONS}
    context = {key: value for key, value in settings.items() if key in CONTEXT_OPTIONS}
    values, bad, found = argspec.validate_keys(MODEL_OPTIONS, own, lambda key: PREFIX + (key or "*"))
    names = {"ufw_admin_networks": "ufw_allowlist_admin_networks", "ufw_purge_unowned": "ufw_allowlist_purge_unowned"}
    ctx, ctx_bad, more = argspec.validate_keys(CONTEXT_OPTIONS, context, lambda key: names.get(key, "ufw_allowlist"))
    found += more
    access_log = values["access_log"]
    if "access_log" not in bad and (not access_log.startswith("/") or "\n" in access_log or " " in access_log):
        found.append(
            f"{PREFIX}access_log: {access_log!r} is not an absolute path without spaces; set it to nginx_auth's "
            "nginx_auth_access_log_json"
        )
    found += _time_problems(values, bad)
    for key in ("admin_networks", "ignore_networks"):
        if key not in bad:
            found += _ignore_problems(values[key], PREFIX + key)
    if not found and not ctx_bad:
        ignored = [_network(text) for text in values["admin_networks"] + values["ignore_networks"]]
        found += _ssh_problems(ctx["ufw_admin_networks"], ignored, PREFIX + "admin_networks")
    if not ctx_bad and ctx["ufw_purge_unowned"]:
        found.append(
            "ufw_allowlist_purge_unowned: true deletes every ufw rule ufw_allowlist does not own, fail2ban's bans "
            "included, on each of its runs; set it false on hosts with fail2ban_jails"
        )
    return values, found


def problems(**settings):
    """Every problem of the role's variables (empty when they are fine)."""
    return _check(settings)[1]


def ignore_list(admin_networks, ignore_networks):
    """Loopback, then the admin networks, then the others: each network once, in fail2ban's spelling."""
    out = []
    for text in LOOPBACK + list(admin_networks) + list(ignore_networks):
        net = _network(text)
        spelled = str(net.network_address) if net.prefixlen == net.max_prefixlen else str(net)
        if spelled not in out:
            out.append(spelled)
    return out


def jail_filter(jail, values):
    """The jail's filter line: the filter file and its parameters."""
    if jail == "bot" and values["bot_block_status"] != 444:
        return f"aiguard-bot[blockstatus={values['bot_block_status']}]"
    return f"aiguard-{jail}"


def build(**settings):
    """The Model of SETTINGS (the role variables without the prefix, and CONTEXT_OPTIONS)."""
    values, found = _check(settings)
    if found:
        raise Fail2banJailsError(found)
    jails = [
        {
            "name": f"aiguard-{jail}",
            "key": jail,
            "about": about,
            "enabled": values[f"{jail}_enabled"],
            "filter": jail_filter(jail, values),
            "maxretry": values[f"{jail}_maxretry"],
            "findtime": values[f"{jail}_findtime"],
            "bantime": values[f"{jail}_bantime"],
        }
        for jail, about in JAILS.items()
    ]
    packages = ["fail2ban"]
    if values["backend"] == "pyinotify":
        packages.append("python3-pyinotify")
    if values["sshd_jail"] == "journal":
        packages.append("python3-systemd")
    if values["kill_connections"]:
        packages.append("conntrack")
    factor = values["bantime_factor"]
    return Model(
        jails=jails,
        ignoreip=ignore_list(values["admin_networks"], values["ignore_networks"]),
        access_log=values["access_log"],
        backend=values["backend"],
        bantime={
            "increment": values["bantime_increment"],
            "factor": int(factor) if float(factor).is_integer() else factor,
            "maxtime": values["bantime_maxtime"],
            "overalljails": values["bantime_overalljails"],
        },
        # A repeat offender is known as long as the database keeps its bans.
        db_purge_age=max(MIN_DB_PURGE_AGE, values["bantime_maxtime"] if values["bantime_increment"] else 0),
        action="aiguard-ufw" if values["kill_connections"] else "aiguard-ufw[kill=no]",
        sshd_jail=values["sshd_jail"],
        packages=packages,
    )
