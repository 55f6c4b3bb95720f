# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Render nginx_auth's templates as its configure step does, and read the locations back.

The variables are the role's defaults and constants, the site model from the
site_model filter, and the facts configure.yml sets (no certificate yet).
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template

from ansible_collections.aiguard.hardening.plugins.filter.sites import FilterModule

ROLE = Path(__file__).resolve().parents[3] / "roles" / "nginx_auth"
USERS = [{"name": "alice", "password": "alice-lab-password"}]
TOKEN = "sk-lab-aiguard-demo-key"
_MODEL = FilterModule().filters()["site_model"]


def variables(sites, **role_vars):
    """What the role's templates see for these sites and role variables."""
    found = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())
    constants = yaml.safe_load((ROLE / "vars" / "main.yml").read_text())
    found.update((key, value) for key, value in constants.items() if not isinstance(value, str) or "{{" not in value)
    found.update(role_vars)
    settings = ("users", "upload_paths", "client_max_body_size", "rate_limits", "bot_filter", "acme_webroot")
    found["__nginx_auth_model"] = _MODEL(
        sites, **{key: found.get(f"nginx_auth_{key}") for key in settings if key != "users"}, users=USERS
    )
    # The facts configure.yml sets, unless the caller gives them.
    facts = {"__nginx_auth_tls_ready": [], "__nginx_auth_tls_ocsp": [], "ansible_managed": "Ansible managed"}
    for key, value in facts.items():
        found.setdefault(key, value)
    return found


def render(template, sites, **role_vars):
    """``{site name: text}`` for site.conf.j2 (one file a site), or ``{template: text}`` for the others."""
    found = variables(sites, **role_vars)
    source = trust_as_template((ROLE / "templates" / template).read_text())
    loader = DataLoader()
    # As the template module does: includes are found beside the template.
    loader.set_basedir(str(ROLE / "templates"))
    templar = Templar(loader=loader, variables=found)
    if template == "site.conf.j2":
        return {
            site["name"]: templar.copy_with_new_env(available_variables={**found, "site": site}).template(source)
            for site in found["__nginx_auth_model"]["sites_shown"]
        }
    if template == "tokens.conf.j2":
        return {
            site["name"]: templar.copy_with_new_env(available_variables={**found, "item": site}).template(source)
            for site in found["__nginx_auth_model"]["bearer_sites"]
        }
    return {template: templar.template(source)}


_LOCATION = re.compile(r"^    location (?:(=|\^~) )?(\S+) \{$")


def locations(text):
    """``{(modifier, path): body}`` of a server's locations (modifier '' for a plain prefix)."""
    found, current = {}, None
    for line in text.splitlines():
        match = _LOCATION.match(line)
        if match:
            current = (match.group(1) or "", match.group(2))
            found[current] = []
        elif line == "    }":
            current = None
        elif current is not None:
            found[current].append(line.strip())
    return {key: "\n".join(body) for key, body in found.items()}


def auth_of(body):
    """How a location authenticates: bearer, basic or none."""
    if re.search(r"^auth_request /_aiguard_bearer_\w+;$", body, re.M):
        return "bearer"
    if re.search(r'^auth_basic "[^"]+";$', body, re.M):
        return "basic"
    assert "auth_basic off;" in body, body
    return "none"


_MAP = re.compile(r"^map (\$\w+) (\$\w+) \{\n(.*?)^\}", re.M | re.S)


def maps(text):
    """``{target variable: (source variable, [(key, value)])}`` of the map blocks in ``text``."""
    found = {}
    for source, target, body in _MAP.findall(text):
        entries = []
        for line in body.splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                key, value = line.rstrip(";").rsplit(None, 1) if " " in line else (line.rstrip(";"), "")
                entries.append((key.strip().strip('"'), value.strip('"')))
        found[target] = (source, entries)
    return found


def map_value(entries, value):
    """What an nginx map gives for ``value``: an exact key, else the first matching regex, else the default."""
    exact = {key: result for key, result in entries if not key.startswith("~") and key != "default"}
    if value in exact:
        return exact[value]
    for key, result in entries:
        if key.startswith("~*") and re.search(key[2:], value, re.I):
            return result
        if key.startswith("~") and not key.startswith("~*") and re.search(key[1:], value):
            return result
    return dict(entries).get("default", "")


def upstream_headers(body, proxy_conf):
    """``{header: value}`` a location sets towards the app: its proxy_set_header lines and proxy.conf's."""
    lines = []
    for line in body.splitlines():
        if line.startswith("include ") and line.endswith("/proxy.conf;"):
            lines += [item.strip() for item in proxy_conf.splitlines()]
        else:
            lines.append(line)
    headers = {}
    for line in lines:
        match = re.match(r"^proxy_set_header (\S+) (.+);$", line)
        if match:
            assert match.group(1) not in headers, f"{match.group(1)} set twice"
            headers[match.group(1)] = match.group(2).strip('"')
    return headers
