# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The log_shipping model: defaults, derived data, every preflight problem, and agreement with the argument spec."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ansible_collections.aiguard.hardening.plugins.filter.log_shipping import log_shipping_model
from ansible_collections.aiguard.hardening.plugins.module_utils import logshipping

ROOT = Path(__file__).resolve().parents[4]
ROLE = ROOT / "roles" / "log_shipping"
COLLECTOR = {"host": "10.89.0.5", "name": "collector.lab.internal"}
HEYGEM = {"path": "/root/workspace/运行实时日志.log", "name": "heygem"}


def model(**settings):
    settings.setdefault("collectors", [COLLECTOR])
    return logshipping.build(**settings).as_dict()


def problems(**settings):
    settings.setdefault("collectors", [COLLECTOR])
    return logshipping.problems(**settings)


def test_defaults_are_filled_in():
    built = model(files=[HEYGEM])
    assert built["problems"] == []
    assert built["collectors"] == [
        {
            "host": "10.89.0.5",
            "port": 2514,
            "name": "collector.lab.internal",
            "id": "c0",
            "ship": {
                "host": "10.89.0.5",
                "port": 2514,
                "name": "collector.lab.internal",
                "ca_file": "/etc/aiguard/log-shipping/ca.pem",
                "cert_file": "/etc/aiguard/log-shipping/host.pem",
                "key_file": "/etc/aiguard/log-shipping/host.key",
                "timeout": 20,
                "spool": "/var/spool/rsyslog/aiguard_c0.spool",
            },
        }
    ]
    assert built["ship_files"] == ["c0.json"]
    assert built["inputs"] == [
        {"name": "nginx_access", "path": "/var/log/nginx/aiguard-access.json", "tag": "aiguard-nginx_access:"},
        {"name": "nginx_error", "path": "/var/log/nginx/error.log", "tag": "aiguard-nginx_error:"},
        {"name": "heygem", "path": "/root/workspace/运行实时日志.log", "tag": "aiguard-heygem:"},
    ]
    assert built["queue"] == {
        "dir": "/var/spool/rsyslog",
        "max_disk_space": "1g",
        "max_disk_bytes": 1024**3,
        "sync": False,
        "max_messages": 500_000,
    }
    assert built["tls"]["mutual"] is True
    assert built["tls"]["files"] == [
        "/etc/aiguard/log-shipping/ca.pem",
        "/etc/aiguard/log-shipping/host.pem",
        "/etc/aiguard/log-shipping/host.key",
    ]
    assert model(tls_mutual=False)["tls"]["files"] == ["/etc/aiguard/log-shipping/ca.pem"]
    assert built["redact_config"] == {
        "extra_patterns": [],
        "path_prefixes": ["/root/workspace"],
        "truncate_ipv4": False,
        "truncate_ipv6": False,
    }
    # A client ships with its own RELP sender (logship.py); only a collector needs rsyslog-relp (imrelp).
    assert built["packages"] == ["rsyslog", "rsyslog-gnutls", "python3"]
    assert built["collector_settings"] == {"dir": "/var/log/aiguard-collector", "port": 2514, "retention_days": 30}


@pytest.mark.parametrize(
    ("settings", "port", "packages"),
    [
        ({"transport": "tcp-tls"}, 6514, ["rsyslog", "rsyslog-gnutls", "python3"]),
        ({"collectors": [{"host": "logs.example.org", "port": 10514}]}, 10514, None),
        (
            {"collector": True, "client": False, "collectors": []},
            None,
            ["rsyslog", "rsyslog-relp", "rsyslog-gnutls", "python3", "logrotate"],
        ),
    ],
)
def test_transport_ports_and_packages(settings, port, packages):
    built = model(**settings)
    if port is not None:
        assert built["collectors"][0]["port"] == port
    if packages is not None:
        assert built["packages"] == packages
    if settings.get("collectors"):
        assert built["collectors"][0]["name"] == "logs.example.org"


def test_nginx_logs_can_be_left_out():
    built = model(nginx_access_log="", nginx_error_log="")
    assert built["inputs"] == []


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"collectors": []}, "log_shipping_collectors: a client needs at least one collector"),
        ({"collectors": [{"port": 1}]}, "log_shipping_collectors[0].host: is required"),
        ({"collectors": [{"host": "a b"}]}, "log_shipping_collectors[0].host: 'a b' is not a host name or address"),
        ({"collectors": [{"host": "10.0.0.1", "port": 70000}]}, "log_shipping_collectors[0].port: 70000 is not a port"),
        (
            {"collectors": [{"host": "10.0.0.1", "name": "10.0.0.1"}]},
            "log_shipping_collectors[0].name: '10.0.0.1' is not a name the collector's certificate can carry",
        ),
        ({"collectors": [{"host": "c", "tls": True}]}, "log_shipping_collectors[0]: unknown key(s) tls"),
        ({"collectors": ["c"]}, "log_shipping_collectors: Elements value for option 'collectors' is of type str"),
        ({"transport": "udp"}, "log_shipping_transport: must be one of: relp, tcp-tls"),
        ({"files": [{"path": "/var/log/a.log"}]}, "log_shipping_files[0].name: is required"),
        ({"files": [{"path": "var/log/a.log", "name": "a"}]}, "log_shipping_files[0].path: 'var/log/a.log' is not an"),
        ({"files": [{"path": "/var/log/../a", "name": "a"}]}, "log_shipping_files[0].path: '/var/log/../a' is not an"),
        (
            {"files": [{"path": '/var/log/"a"', "name": "a"}]},
            "log_shipping_files[0].path: '/var/log/\"a\"' has a quote",
        ),
        ({"files": [{"path": "/var/log/a", "name": "A B"}]}, "log_shipping_files[0].name: 'A B' is not a source name"),
        ({"files": [HEYGEM, HEYGEM]}, "log_shipping_files: the name 'heygem' is used twice"),
        ({"files": [{"path": "/x/y", "name": "journal"}]}, "log_shipping_files: the name 'journal' is the role's own"),
        ({"nginx_access_log": "access.json"}, "log_shipping_nginx_access_log: 'access.json' is not an absolute"),
        ({"nginx_error_log": "/var/log/*.log"}, "log_shipping_nginx_error_log: '/var/log/*.log' has a wildcard"),
        ({"journal_units": ["nginx"]}, "log_shipping_journal_units[0]: 'nginx' is not a systemd unit"),
        ({"tls_permitted_peers": ["bad peer"]}, "log_shipping_tls_permitted_peers[0]: 'bad peer' is not a host name"),
        ({"tls_ca_file": "ca.pem"}, "log_shipping_tls_ca_file: 'ca.pem' is not an absolute"),
        ({"queue_max_disk_space": "lots"}, "log_shipping_queue_max_disk_space: 'lots' is not a size of at least 16m"),
        ({"queue_max_disk_space": "1m"}, "log_shipping_queue_max_disk_space: '1m' is not a size of at least 16m"),
        ({"queue_dir": "/var/spool/"}, "log_shipping_queue_dir: '/var/spool/' is not an absolute, normalised path"),
        ({"collector_retention_days": 0}, "log_shipping_collector_retention_days: must be at least 1"),
        ({"collector_retention_days": "many"}, "log_shipping_collector_retention_days: "),
        ({"collector_port": -1}, "log_shipping_collector_port: -1 is not a port"),
        ({"collector_dir": "/srv//logs"}, "log_shipping_collector_dir: '/srv//logs' is not an absolute"),
        (
            {"redact_extra_patterns": [{"name": "x", "regex": "(oops"}]},
            "log_shipping_redact_extra_patterns[0].regex: '(oops' is not a valid regular expression",
        ),
        ({"redact_path_prefixes": ["root"]}, "log_shipping_redact_path_prefixes[0]: 'root' is not an absolute"),
        ({"redact_ipv4": "maybe"}, "log_shipping_redact_ipv4: "),
        ({"client": False, "collector": False}, "log_shipping_client and log_shipping_collector are both false"),
    ],
)
def test_problems_name_the_variable(settings, expected):
    found = problems(**settings)
    assert any(problem.startswith(expected) for problem in found), found
    with pytest.raises(logshipping.LogShippingError):
        logshipping.build(**{"collectors": [COLLECTOR], **settings})


def test_every_problem_at_once():
    found = problems(transport="udp", queue_max_disk_space="x", files=[{"path": "a", "name": "B"}])
    assert [problem.split(":")[0] for problem in found] == [
        "log_shipping_transport",
        "log_shipping_files[0].path",
        "log_shipping_files[0].name",
        "log_shipping_queue_max_disk_space",
    ]


def test_unknown_setting_is_a_programming_error():
    with pytest.raises(TypeError, match="unknown setting"):
        logshipping.problems(colectors=[])


def test_filter_returns_problems_only_or_the_model():
    assert log_shipping_model([], transport="udp") == {
        "problems": [
            "log_shipping_transport: must be one of: relp, tcp-tls, got: udp",
            "log_shipping_collectors: a client needs at least one collector ({host, port, name}); set it, "
            "or log_shipping_client: false",
        ]
    }
    # None means the default, as the role passes unset variables
    assert log_shipping_model([COLLECTOR], transport=None)["transport"] == "relp"


@pytest.mark.parametrize(
    ("text", "size"), [("16m", 16 * 1024**2), ("2G", 2 * 1024**3), ("512k", 512 * 1024), ("0", None)]
)
def test_parse_size(text, size):
    assert logshipping.parse_size(text) == size


# ------------------------------------------------------------------ the argument spec


def argument_spec():
    return yaml.safe_load((ROLE / "meta" / "argument_specs.yml").read_text())["argument_specs"]["main"]["options"]


def _comparable(option):
    keys = ("type", "elements", "default", "choices", "required")
    out = {key: option[key] for key in keys if key in option}
    if not out.get("required"):
        out.pop("required", None)
    return out


@pytest.mark.parametrize("setting", sorted(logshipping.MODEL_OPTIONS))
def test_role_defaults_match_the_model(setting):
    variable = f"log_shipping_{setting}"
    assert _comparable(argument_spec()[variable]) == _comparable(logshipping.MODEL_OPTIONS[setting])
    defaults = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())
    assert defaults[variable] == logshipping.MODEL_OPTIONS[setting]["default"]


@pytest.mark.parametrize(("variable", "options"), [("collectors", "COLLECTOR_OPTIONS"), ("files", "FILE_OPTIONS")])
def test_argument_spec_suboptions_match_the_model(variable, options):
    spec = argument_spec()[f"log_shipping_{variable}"]["options"]
    assert {name: _comparable(option) for name, option in spec.items()} == {
        name: _comparable(option) for name, option in getattr(logshipping, options).items()
    }


def test_every_role_variable_is_in_the_model():
    assert set(argument_spec()) == {f"log_shipping_{key}" for key in logshipping.MODEL_OPTIONS}
