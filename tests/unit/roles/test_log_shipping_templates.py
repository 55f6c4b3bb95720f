# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""log_shipping's rsyslog templates, rendered through Ansible's templar from the model as the role does.

The scenario runs them through a real ``rsyslogd -N1``; these tests pin what
each setting puts in them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template

from ansible_collections.aiguard.hardening.plugins.module_utils import logshipping

ROLE = Path(__file__).resolve().parents[3] / "roles" / "log_shipping"
COLLECTOR = {"host": "10.89.0.5", "name": "collector.lab.internal"}


def render(template, **settings):
    settings.setdefault("collectors", [COLLECTOR])
    constants = yaml.safe_load((ROLE / "vars" / "main.yml").read_text())
    found = {key: value for key, value in constants.items() if not isinstance(value, str) or "{{" not in value}
    found["__log_shipping_model"] = logshipping.build(**settings).as_dict()
    found["ansible_managed"] = "Ansible managed"
    source = trust_as_template((ROLE / "templates" / template).read_text())
    return Templar(loader=DataLoader(), variables=found).template(source)


def test_client_relp_with_mutual_tls():
    text = render("client.conf.j2", files=[{"path": "/root/workspace/运行实时日志.log", "name": "heygem"}])
    # RELP is spoken by aiguard-log-ship (logship.py), its settings in a file per collector.
    assert "omrelp" not in text
    assert 'module(load="omprog")' in text
    assert 'binary="/usr/local/sbin/aiguard-log-ship /etc/aiguard/log-ship/c0.json"' in text
    assert 'confirmMessages="on" useTransactions="on"' in text
    assert 'queue.type="Disk" queue.filename="aiguard_c0"' in text
    assert 'queue.maxDiskSpace="1g" queue.saveOnShutdown="on"' in text
    assert 'queue.size="500000"' in text
    assert 'file="/root/workspace/运行实时日志.log" tag="aiguard-heygem:"' in text
    assert 'addMetadata="on" persistStateInterval="0" persistStateAfterSubmission="on"' in text
    assert 'ruleset(name="aiguard_file_heygem" queue.type="Direct")' in text
    assert 'set $!aiguard_source = "heygem";' in text
    assert 'property(name="$!aiguard_prev" format="json")' in text
    assert '$!_SYSTEMD_UNIT == ["nginx.service", "ufw.service"' in text
    assert 'forceSingleInstance="on"' in text


def test_client_tcp_tls_without_client_certificate():
    text = render("client.conf.j2", transport="tcp-tls", tls_mutual=False, journal_units=[])
    assert "omrelp" not in text
    assert 'type="omfwd"' in text
    assert 'port="6514"' in text
    assert 'StreamDriverMode="1" StreamDriverAuthMode="x509/name"' in text
    assert 'StreamDriverPermittedPeers="collector.lab.internal"' in text
    assert "CertFile" not in text
    assert "imjournal" not in text


@pytest.mark.parametrize(
    ("settings", "auth"),
    [
        ({}, 'tls.authMode="certvalid"'),
        ({"tls_permitted_peers": ["*.lab.internal", "app1"]}, 'tls.permittedPeer=["*.lab.internal", "app1"]'),
        ({"tls_mutual": False}, None),
    ],
)
def test_collector_relp(settings, auth):
    text = render("collector.conf.j2", client=False, collector=True, collectors=[], **settings)
    assert 'input(type="imrelp" port="2514" ruleset="aiguard_collect"' in text
    assert 'tls="on"' in text
    if auth:
        assert auth in text
    else:
        assert "authMode" not in text
    assert 'confirmMessages="on"' in text


def test_collector_tcp_tls():
    text = render("collector.conf.j2", client=False, collector=True, collectors=[], transport="tcp-tls")
    assert 'StreamDriver.AuthMode="x509/certvalid"' in text
    assert 'input(type="imtcp" port="6514"' in text


def test_logrotate_keeps_the_retention_days():
    text = render("logrotate.j2", client=False, collector=True, collectors=[], collector_retention_days=9)
    assert "/var/log/aiguard-collector/*/*.log {" in text
    assert re.search(r"^\s+rotate 9$", text, re.M)
    assert re.search(r"^\s+compress$", text, re.M)
