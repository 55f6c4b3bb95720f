# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""log_shipping_collector_forwards: defaults per type, every preflight problem, agreement with the argument spec."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ansible_collections.aiguard.hardening.plugins.module_utils import logforward, logshipping

ROLE = Path(__file__).resolve().parents[4] / "roles" / "log_shipping"
LABEL = "log_shipping_collector_forwards"
ES = {"type": "elasticsearch", "servers": ["https://es1.lab.test:9200"]}
GELF = {"type": "gelf", "host": "graylog.lab.test"}
LOKI = {"type": "loki", "url": "https://loki.lab.test:3100"}
PROGRAM = {
    "type": "program",
    "command": "/usr/local/sbin/aiguard-alert-detect --config /etc/aiguard/alerting/detect.json",
}


def collector(forwards, **settings):
    return {"client": False, "collector": True, "collectors": [], "collector_forwards": forwards, **settings}


def forwards(*entries):
    return logshipping.build(**collector(list(entries))).as_dict()["forwards"]


def test_no_forwards_by_default():
    built = logshipping.build(**collector([])).as_dict()
    assert built["forwards"] == []
    assert "rsyslog-elasticsearch" not in built["packages"]


def test_elasticsearch_defaults():
    (entry,) = forwards(ES)
    assert entry == {
        "type": "elasticsearch",
        "name": "elasticsearch",
        "ca_file": "",
        "queue_max_disk_space": "1g",
        "servers": ["https://es1.lab.test:9200"],
        "index": "aiguard-logs",
        "index_date": "day",
        "bulk": True,
        "user": "",
        "password_file": "",
        "position": 0,
        "queue_file": "aiguard_fwd_elasticsearch",
        "write_secret": False,
        "secret_file": "",
    }


@pytest.mark.parametrize(
    ("settings", "packages"),
    [
        ([ES], True),
        ([{**ES, "type": "opensearch"}], True),
        ([GELF, LOKI], False),
    ],
)
def test_omelasticsearch_is_installed_only_for_its_forwards(settings, packages):
    built = logshipping.build(**collector(settings)).as_dict()
    assert ("rsyslog-elasticsearch" in built["packages"]) is packages


def test_password_value_goes_to_a_root_only_file_and_a_file_is_used_as_it_is():
    given, from_file = forwards(
        {**ES, "user": "aiguard", "password": "s3cret"},
        {**ES, "name": "os", "type": "opensearch", "user": "aiguard", "password_file": "/etc/aiguard/os.pass"},
    )
    assert given["secret_file"] == "/etc/aiguard/log-forward/elasticsearch.secret"
    assert given["write_secret"] is True
    assert from_file["secret_file"] == "/etc/aiguard/os.pass"
    assert from_file["write_secret"] is False
    # The model can be shown: no password in it.
    assert "s3cret" not in repr(logshipping.build(**collector([{**ES, "user": "a", "password": "s3cret"}])).as_dict())
    assert [entry["position"] for entry in (given, from_file)] == [0, 1]


def test_gelf_defaults():
    (entry,) = forwards(GELF)
    assert entry["port"] == 12201
    assert entry["tls"] is True
    assert entry["permitted_peer"] == "graylog.lab.test"
    assert entry["ca_file"] == logforward.SYSTEM_CA_FILE
    (plain,) = forwards({"type": "gelf", "host": "10.0.0.9", "tls": False})
    assert plain["tls"] is False


def test_program_forward():
    (entry,) = forwards(PROGRAM)
    assert entry == {
        "type": "program",
        "name": "program",
        "queue_max_disk_space": "1g",
        "command": PROGRAM["command"],
        "position": 0,
        "queue_file": "aiguard_fwd_program",
    }


def test_loki_settings_file():
    (entry,) = forwards({**LOKI, "labels": {"env": "lab"}, "tenant": "team-a", "user": "u", "password": "p"})
    assert entry["config_file"] == "/etc/aiguard/log-forward/loki.loki.json"
    assert entry["config"] == {
        "url": "https://loki.lab.test:3100/loki/api/v1/push",
        "labels": {"env": "lab"},
        "record_labels": ["host", "source"],
        "tenant": "team-a",
        "user": "u",
        "password_file": "/etc/aiguard/log-forward/loki.secret",
        "ca_file": "",
    }
    assert forwards(LOKI)[0]["config"]["labels"] == {"job": "aiguard"}


def where(index, key=None):
    return f"{LABEL}[{index}]" + (f".{key}" if key else "")


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        (["es"], f"{LABEL}: Elements value for option 'collector_forwards' is of type str"),
        ([{"servers": ["https://a:1"]}], f"{where(0, 'type')}: is required"),
        ([{"type": "splunk"}], f"{where(0, 'type')}: must be one of: elasticsearch, opensearch, gelf, loki, program"),
        ([{**ES, "colour": "red"}], f"{where(0)}: unknown key(s) colour"),
        ([{**ES, "host": "x"}], f"{where(0)}: host not an option of type elasticsearch"),
        ([{**GELF, "labels": {"a": "b"}}], f"{where(0)}: labels not an option of type gelf"),
        ([{"type": "elasticsearch"}], f"{where(0, 'servers')}: is required for type elasticsearch"),
        ([{"type": "gelf"}], f"{where(0, 'host')}: is required for type gelf"),
        ([{"type": "loki"}], f"{where(0, 'url')}: is required for type loki"),
        ([{"type": "program"}], f"{where(0, 'command')}: is required for type program"),
        (
            [{"type": "program", "command": "aiguard-alert-detect"}],
            f"{where(0, 'command')}: 'aiguard-alert-detect' is not",
        ),
        ([{"type": "program", "command": "/bin/sh -c 'x; y'"}], f"{where(0, 'command')}: "),
        ([{**PROGRAM, "url": "http://x"}], f"{where(0)}: url not an option of type program"),
        ([{**ES, "name": "Main ES"}], f"{where(0, 'name')}: 'Main ES' is not a name"),
        ([ES, ES], f"{LABEL}: the name 'elasticsearch' is used twice"),
        ([{**ES, "servers": []}], f"{where(0, 'servers')}: is required (a list of https://HOST:PORT)"),
        (
            [{**ES, "servers": ["http://es:9200"]}],
            f"{where(0, 'servers[0]')}: 'http://es:9200' is not a URL like https",
        ),
        ([{**ES, "servers": ["https://es:99999"]}], f"{where(0, 'servers[0]')}: 'https://es:99999' has a port outside"),
        ([{**ES, "servers": ["https://es/x"]}], f"{where(0, 'servers[0]')}: 'https://es/x' has a path"),
        ([{**ES, "servers": ['https://e"s']}], f"{where(0, 'servers[0]')}: 'https://e\"s' is not a URL"),
        ([{**ES, "index": "Logs"}], f"{where(0, 'index')}: 'Logs' is not an index name"),
        ([{**ES, "index": "_logs"}], f"{where(0, 'index')}: '_logs' is not an index name"),
        ([{**ES, "index_date": "week"}], f"{where(0, 'index_date')}: must be one of: day, month, none"),
        ([{**ES, "bulk": "sometimes"}], f"{where(0, 'bulk')}: "),
        ([{**ES, "user": "aiguard"}], f"{where(0)}: a user needs exactly one of password and password_file"),
        (
            [{**ES, "user": "a", "password": "p", "password_file": "/p"}],
            f"{where(0)}: a user needs exactly one of password and password_file",
        ),
        ([{**ES, "password": "p"}], f"{where(0, 'user')}: is required with password"),
        ([{**ES, "user": "a b", "password": "p"}], f"{where(0, 'user')}: 'a b' has a space"),
        ([{**ES, "user": "a", "password": "p\n"}], f"{where(0, 'password')}: has a control character"),
        ([{**ES, "user": "a", "password_file": "pass"}], f"{where(0, 'password_file')}: 'pass' is not an absolute"),
        ([{**ES, "ca_file": "/etc/ssl/../ca.pem"}], f"{where(0, 'ca_file')}: '/etc/ssl/../ca.pem' is not an absolute"),
        ([{**ES, "queue_max_disk_space": "1m"}], f"{where(0, 'queue_max_disk_space')}: '1m' is not a size of at least"),
        ([{**GELF, "host": "gray log"}], f"{where(0, 'host')}: 'gray log' is not a host name or address"),
        ([{**GELF, "port": 0}], f"{where(0, 'port')}: 0 is not a port"),
        ([{**GELF, "host": "10.0.0.9"}], f"{where(0, 'permitted_peer')}: '10.0.0.9' is not a name a certificate"),
        ([{**GELF, "permitted_peer": "bad peer"}], f"{where(0, 'permitted_peer')}: 'bad peer' is not a name"),
        ([{**GELF, "tls": False, "ca_file": "/ca.pem"}], f"{where(0, 'ca_file')}: only with tls"),
        ([{**LOKI, "url": "loki:3100"}], f"{where(0, 'url')}: 'loki:3100' is not a URL like https"),
        ([{**LOKI, "url": "ftp://loki"}], f"{where(0, 'url')}: 'ftp://loki' is not a URL"),
        ([{**LOKI, "url": "https://loki/loki/api/v1/push"}], f"{where(0, 'url')}: give Loki's base URL"),
        ([{**LOKI, "labels": {"1env": "x"}}], f"{where(0, 'labels')}: '1env' is not a label name"),
        ([{**LOKI, "labels": {"host": "x"}}], f"{where(0, 'labels.host')}: the role sets 'host' from each record"),
        ([{**LOKI, "labels": {"env": ""}}], f"{where(0, 'labels.env')}: must be a non-empty string"),
        ([{**LOKI, "labels": {"env": 3}}], f"{where(0, 'labels.env')}: must be a non-empty string"),
        ([{**LOKI, "tenant": "a b"}], f"{where(0, 'tenant')}: 'a b' is not a tenant ID"),
        (
            [{**LOKI, "url": "http://loki:3100", "user": "u", "password": "p"}],
            f"{where(0)}: a password goes only over https",
        ),
        ([{**LOKI, "url": "http://loki:3100", "ca_file": "/ca.pem"}], f"{where(0, 'ca_file')}: only with an https URL"),
    ],
)
def test_problems_name_the_variable(entries, expected):
    found = logshipping.problems(**collector(entries))
    assert any(problem.startswith(expected) for problem in found), found
    with pytest.raises(logshipping.LogShippingError):
        logshipping.build(**collector(entries))


def test_only_a_collector_forwards():
    found = logshipping.problems(collectors=[{"host": "c.lab.test"}], collector_forwards=[ES])
    assert found == [f"{LABEL}: only a collector forwards; set log_shipping_collector: true or leave it empty"]


def test_every_forward_problem_at_once_with_the_others():
    found = logshipping.problems(
        **collector([{"type": "gelf"}, {**LOKI, "tenant": "a b"}], queue_max_disk_space="x", collector_port=-1)
    )
    assert [problem.split(":")[0] for problem in found] == [
        "log_shipping_queue_max_disk_space",
        "log_shipping_collector_port",
        f"{where(0, 'host')}",
        f"{where(1, 'tenant')}",
    ]


def test_a_forward_of_each_type_is_accepted():
    built = forwards(
        {**ES, "user": "aiguard", "password_file": "/etc/aiguard/es.pass", "ca_file": "/etc/aiguard/es-ca.pem"},
        {"type": "opensearch", "servers": ["https://[fd00::5]:9200", "https://10.0.0.6:9200"], "index_date": "none"},
        {**GELF, "port": 12202, "permitted_peer": "*.lab.test", "queue_max_disk_space": "256M"},
        {**LOKI, "url": "http://10.0.0.7:3100/", "labels": {"env": "lab", "team_x": "a"}},
    )
    assert [entry["name"] for entry in built] == ["elasticsearch", "opensearch", "gelf", "loki"]
    assert built[2]["queue_max_disk_space"] == "256m"
    assert built[3]["config"]["url"] == "http://10.0.0.7:3100/loki/api/v1/push"


# ------------------------------------------------------------------ the argument spec and defaults


def _comparable(option):
    return {key: option[key] for key in ("type", "elements", "choices", "required", "no_log") if option.get(key)}


def test_argument_spec_suboptions_match_the_model():
    options = yaml.safe_load((ROLE / "meta" / "argument_specs.yml").read_text())["argument_specs"]["main"]["options"]
    spec = options[LABEL]["options"]
    assert {name: _comparable(option) for name, option in spec.items()} == {
        name: _comparable(option) for name, option in logforward.FORWARD_OPTIONS.items()
    }
    # No defaults in the spec: they are the type's (TYPE_DEFAULTS).
    assert not [name for name, option in spec.items() if "default" in option]


def test_every_type_has_only_known_options():
    for kind, defaults in logforward.TYPE_DEFAULTS.items():
        assert set(defaults) <= set(logforward.FORWARD_OPTIONS), kind


def test_the_role_uses_the_model_s_directory():
    constants = yaml.safe_load((ROLE / "vars" / "main.yml").read_text())
    assert constants["__log_shipping_forward_dir"] == logforward.FORWARD_DIR
