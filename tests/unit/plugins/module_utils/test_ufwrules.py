# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tests of ufwrules against ufw's own files, captured on a real host.

See fixtures/ufw/README.md for the commands that made them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ansible_collections.aiguard.hardening.plugins.module_utils import ufwrules as u

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "ufw"
V4 = (FIXTURES / "etc" / "ufw" / "user.rules").read_text()
V6 = (FIXTURES / "etc" / "ufw" / "user6.rules").read_text()
CURRENT = u.parse_rules(V4, u.IPV4) + u.parse_rules(V6, u.IPV6)

# What the fixture's tagged rules were made from.
DECLARED = [
    {"port": "22", "sources": ["192.0.2.0/24", "2001:db8:1::/48"], "action": "limit", "comment": "ssh"},
    {"port": "80,443", "sources": ["any"], "comment": "nginx front door"},
    {"port": 7860, "sources": ["198.51.100.7/32"], "comment": "gradio"},
    {"port": "5000:5010", "proto": "udp", "sources": ["10.0.0.0/8"]},
]


def rule(**kwargs):
    base = dict(family=u.IPV4, action="allow", proto="tcp", dport="22", src="0.0.0.0/0")
    return u.Rule(**dict(base, **kwargs))


def test_parse_captured_rules():
    assert len(CURRENT) == 16
    assert [r.text for r in CURRENT if r.owned("aiguard")] == [
        "ufw limit in proto tcp from 192.0.2.0/24 to 0.0.0.0/0 port 22 comment 'aiguard: ssh'",
        "ufw allow in proto tcp from 0.0.0.0/0 to 0.0.0.0/0 port 80,443 comment 'aiguard: nginx front door'",
        "ufw allow in proto tcp from 198.51.100.7 to 0.0.0.0/0 port 7860 comment 'aiguard: gradio'",
        "ufw allow in proto udp from 10.0.0.0/8 to 0.0.0.0/0 port 5000:5010 comment 'aiguard'",
        "ufw limit in proto tcp from 2001:db8:1::/48 to ::/0 port 22 comment 'aiguard: ssh'",
        "ufw allow in proto tcp from ::/0 to ::/0 port 80,443 comment 'aiguard: nginx front door'",
    ]
    logged = [r for r in CURRENT if r.logtype]
    assert [(r.family, r.action, r.logtype, r.comment) for r in logged] == [
        (u.IPV4, "allow", "log", "hand: ä logged"),
        (u.IPV6, "allow", "log", "hand: ä logged"),
    ]
    route = [r for r in CURRENT if r.route]
    assert route[0].argv(delete=True) == [
        "ufw",
        "route",
        "delete",
        "allow",
        "in",
        "on",
        "eth0",
        "out",
        "on",
        "eth1",
        "proto",
        "tcp",
        "from",
        "10.1.0.0/16",
        "to",
        "10.2.0.0/16",
        "port",
        "5432",
    ]
    iface = next(r for r in CURRENT if r.direction == "in_eth0")
    assert iface.argv() == [
        "ufw",
        "allow",
        "in",
        "on",
        "eth0",
        "proto",
        "udp",
        "from",
        "192.0.2.53",
        "port",
        "53",
        "to",
        "0.0.0.0/0",
        "port",
        "53",
    ]
    assert next(r.argv() for r in CURRENT if r.proto == "any") == [
        "ufw",
        "allow",
        "in",
        "from",
        "0.0.0.0/0",
        "to",
        "0.0.0.0/0",
        "port",
        "9100",
    ]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("### tuple ### allow tcp 22 0.0.0.0/0 any 10.0.0.1/32 in", ("allow", "", "10.0.0.1", "")),
        ("### tuple ### allow_log-all tcp 22 0.0.0.0/0 any 0.0.0.0/0 in", ("allow", "log-all", "0.0.0.0/0", "")),
        ("### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 OpenSSH - in", ("allow", "", "0.0.0.0/0", "")),
        ("### tuple ### deny any 25 0.0.0.0/0 any 0.0.0.0/0 in comment=78", ("deny", "", "0.0.0.0/0", "x")),
        ("-A ufw-user-input -p tcp --dport 22 -j ACCEPT", None),
        ("### RULES ###", None),
    ],
)
def test_parse_tuple(line, expected):
    parsed = u.parse_tuple(line, u.IPV4)
    if expected is None:
        assert parsed is None
    else:
        assert (parsed.action, parsed.logtype, parsed.src, parsed.comment) == expected


@pytest.mark.parametrize(
    "line",
    [
        "### tuple ### allow tcp 22 0.0.0.0/0",
        "### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in comment=zz",
    ],
)
def test_parse_tuple_refuses_what_it_cannot_read(line):
    with pytest.raises(u.UfwError, match="ufw rule"):
        u.parse_tuple(line, u.IPV4)


def test_read_state_of_captured_host():
    state = u.read_state(str(FIXTURES))
    assert (state.installed, state.enabled, state.incoming, state.outgoing, state.logging, state.ipv6) == (
        True,
        True,
        "deny",
        "allow",
        "medium",
        True,
    )
    assert len(state.rules) == 16


def test_read_state_without_ufw(tmp_path):
    state = u.read_state(str(tmp_path))
    assert (state.installed, state.enabled, state.rules) == (False, False, [])


@pytest.mark.parametrize(
    ("value", "ipv6", "problem"),
    [
        ("10.0.0.0/8", True, None),
        ("192.0.2.7", True, None),
        ("2001:db8::/32", True, None),
        ("any", True, None),
        ("Anywhere", True, None),
        ("10.0.0.300/24", True, "'10.0.0.300/24' is not an IPv4 or IPv6 address or network"),
        ("10.0.0.1/8", True, "'10.0.0.1/8' has host bits set; the network is 10.0.0.0/8"),
        ("10.0.0.0/33", True, "is not an IPv4 or IPv6"),
        ("2001:db8::/32", False, "is an IPv6 network but IPv6 is turned off"),
        ("", True, "is not an IPv4"),
    ],
)
def test_network_problem(value, ipv6, problem):
    got = u.network_problem("v[0]", value, ipv6)
    if problem is None:
        assert got is None
    else:
        assert got.startswith("v[0]: ") and problem in got


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (22, "22"),
        ("22", "22"),
        ("7860:7870", "7860:7870"),
        ("80,443", "80,443"),
        ("80,8000:8010", "80,8000:8010"),
        ("65535", "65535"),
    ],
)
def test_normalize_port(value, expected):
    assert u.normalize_port(value) == expected


@pytest.mark.parametrize("value", ["0", "65536", "http", "22-25", "7870:7860", "80, 443", True, "1:1", ""])
def test_port_parts_rejects(value):
    with pytest.raises(ValueError):
        u.port_parts(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(22, 22), ("22", 22), (" 65535 ", 65535), ("80,443", None), ("8000:8100", None), (0, None), ("ssh", None)],
)
def test_single_port(value, expected):
    if expected is None:
        with pytest.raises(ValueError):
            u.single_port(value)
    else:
        assert u.single_port(value) == expected


@pytest.mark.parametrize(
    ("rules", "messages"),
    [
        (DECLARED, []),
        ([{"port": "22", "sources": ["10.0.0.0/33"]}], ["x[0].sources[0]: '10.0.0.0/33' is not an IPv4"]),
        ([{"port": "70000", "sources": ["any"]}], ["x[0].port: '70000' has a port outside 1-65535"]),
        ([{"port": "ssh", "sources": ["any"]}], ["x[0].port: 'ssh' is not a port"]),
        ([{"port": "22", "proto": "icmp", "sources": ["any"]}], ["x[0].proto: 'icmp' is not one of tcp, udp, any"]),
        ([{"port": "1:2", "proto": "any", "sources": ["any"]}], ["only takes with proto tcp or udp"]),
        ([{"port": "1:2,3:4,5:6,7:8,9:10,11:12,13:14,15:16", "sources": ["any"]}], ["names 16 ports"]),
        ([{"port": "22", "sources": []}], ["x[0].sources must be a non-empty list"]),
        ([{"port": "22", "sources": "10.0.0.0/8"}], ["x[0].sources must be a non-empty list"]),
        ([{"port": "22"}], ["x[0].sources must be"]),
        ([{"sources": ["any"]}], ["x[0].port is missing"]),
        ([{"port": "22", "sources": ["any"], "comment": "it's"}], ['x[0].comment: "it\'s" must be']),
        ([{"port": "22", "sources": ["any"], "action": "deny"}], ["x[0].action: 'deny' is not one of allow, limit"]),
        ([{"port": "22", "sources": ["any"], "from": "x"}], ["x[0] has unknown keys from"]),
        (["22/tcp"], ["x[0] must be a dict"]),
        ("22", ["x must be a list"]),
        (
            [{"port": "22", "sources": ["any", "fd00::/8"]}, {"port": 0, "sources": ["1.2.3.4/24"]}],
            ["x[1].port: 0 has a port outside", "x[1].sources[0]: '1.2.3.4/24' has host bits set"],
        ),
    ],
)
def test_rule_problems_name_the_variable_and_value(rules, messages):
    problems = u.rule_problems(rules, "x")
    assert len(problems) == len(messages), problems
    for problem, message in zip(problems, messages, strict=True):
        assert message in problem


def test_rule_problems_ipv6_off():
    assert u.rule_problems([{"port": "22", "sources": ["fd00::/8"]}], "x", ipv6=False) == [
        "x[0].sources[0]: 'fd00::/8' is an IPv6 network but IPv6 is turned off"
    ]


@pytest.mark.parametrize(
    ("tag", "ok"), [("aiguard", True), ("team.fw-1", True), ("", False), ("a b", False), ("a:b", False), ("-x", False)]
)
def test_tag_problem(tag, ok):
    assert (u.tag_problem(tag) is None) == ok


def test_desired_rules_expand_sources_and_families():
    desired = u.desired_rules(DECLARED, "aiguard")
    ssh_v4 = [r.text for r in CURRENT if r.owned("aiguard") and r.family == u.IPV4][:1]
    assert [r.text for r in desired] == [
        *ssh_v4,
        "ufw limit in proto tcp from 2001:db8:1::/48 to ::/0 port 22 comment 'aiguard: ssh'",
        "ufw allow in proto tcp from 0.0.0.0/0 to 0.0.0.0/0 port 80,443 comment 'aiguard: nginx front door'",
        "ufw allow in proto tcp from ::/0 to ::/0 port 80,443 comment 'aiguard: nginx front door'",
        "ufw allow in proto tcp from 198.51.100.7 to 0.0.0.0/0 port 7860 comment 'aiguard: gradio'",
        "ufw allow in proto udp from 10.0.0.0/8 to 0.0.0.0/0 port 5000:5010 comment 'aiguard'",
    ]
    no_v6 = u.desired_rules([{"port": "80", "sources": ["any"]}], "fw", ipv6=False)
    assert [(r.family, r.src, r.comment) for r in no_v6] == [(u.IPV4, "0.0.0.0/0", "fw")]


def test_desired_rules_merge_duplicates_and_refuse_conflicts():
    same = u.desired_rules([{"port": "22", "sources": ["10.0.0.0/8"]}, {"port": 22, "sources": ["10.0.0.0/8"]}], "t")
    assert len(same) == 1
    with pytest.raises(u.UfwError, match=r"rules\[0\] and rules\[1\] both cover tcp port 22 from 10.0.0.0/8"):
        u.desired_rules(
            [{"port": "22", "sources": ["10.0.0.0/8"]}, {"port": "22", "sources": ["10.0.0.0/8"], "action": "limit"}],
            "t",
        )


@pytest.mark.parametrize(
    ("rules", "labels", "count", "conflicts"),
    [
        (
            [{"port": "22", "sources": ["10.0.0.0/8"]}, {"port": 22, "sources": ["10.0.0.5/32", "10.0.0.0/8"]}],
            None,
            2,
            [],
        ),
        (
            [
                {"port": "22", "sources": ["10.0.0.0/8", "any"], "action": "limit"},
                {"port": "22", "sources": ["10.0.0.0/8"]},
                {"port": "22", "sources": ["any"], "comment": "all"},
            ],
            ["ssh", "mine[0]", "mine[1]"],
            3,
            [
                "ssh and mine[0] both cover tcp port 22 from 10.0.0.0/8 but differ in action or comment "
                "(limit 't', allow 't'); ufw keeps one rule per port and source, so merge them",
                "ssh and mine[1] both cover tcp port 22 from 0.0.0.0/0 but differ in action or comment "
                "(limit 't', allow 't: all'); ufw keeps one rule per port and source, so merge them",
                "ssh and mine[1] both cover tcp port 22 from ::/0 but differ in action or comment "
                "(limit 't', allow 't: all'); ufw keeps one rule per port and source, so merge them",
            ],
        ),
        # Another protocol or port is another ufw rule.
        (
            [{"port": "53", "sources": ["any"]}, {"port": "53", "proto": "udp", "sources": ["any"], "comment": "dns"}],
            None,
            4,
            [],
        ),
    ],
)
def test_expand_rules_names_every_conflict(rules, labels, count, conflicts):
    desired, found = u.expand_rules(rules, "t", labels=labels)
    assert found == conflicts
    assert len(desired) == count  # one rule per family and source, the first of a conflict kept


def texts(rules):
    return [r.text for r in rules]


@pytest.mark.parametrize(
    ("declared", "purge", "purge_unowned", "add", "update", "delete", "stale"),
    [
        # The declaration the fixture was made from: nothing to do.
        (DECLARED, False, False, 0, 0, 0, 0),
        (DECLARED, True, False, 0, 0, 0, 0),
        # The gradio rule dropped: stale, deleted only with purge.
        ([d for d in DECLARED if d["port"] != 7860], False, False, 0, 0, 0, 1),
        ([d for d in DECLARED if d["port"] != 7860], True, False, 0, 0, 1, 1),
        # purge_unowned deletes the 10 rules added by hand too.
        (DECLARED, False, True, 0, 0, 10, 0),
        # Another comment or action updates in place.
        ([dict(DECLARED[0], comment="admins"), *DECLARED[1:]], True, False, 0, 2, 0, 0),
        ([dict(DECLARED[0], action="allow"), *DECLARED[1:]], True, False, 0, 2, 0, 0),
        # A new source is added; the old one goes with purge.
        ([dict(DECLARED[0], sources=["192.0.2.0/25", "2001:db8:1::/48"]), *DECLARED[1:]], True, False, 1, 0, 1, 1),
        # An unowned rule with the same identity is adopted (updated).
        ([*DECLARED, {"port": "3000:3010", "sources": ["203.0.113.0/24"]}], False, False, 0, 1, 0, 0),
    ],
)
def test_plan(declared, purge, purge_unowned, add, update, delete, stale):
    plan = u.make_plan(CURRENT, u.desired_rules(declared, "aiguard"), "aiguard", purge, purge_unowned)
    assert (len(plan.add), len(plan.update), len(plan.delete), len(plan.stale)) == (add, update, delete, stale)
    assert plan.changed == bool(add or update or delete)
    assert len(plan.unowned) == 10 - update * (declared[-1]["port"] == "3000:3010")
    final = {(r.key, r.action, r.comment) for r in plan.final}
    assert len(final) == len(plan.final) == 16 + add - delete
    for r in u.desired_rules(declared, "aiguard"):
        assert (r.key, r.action, r.comment) in final
    # Safe order: every addition or update before any deletion.
    commands = plan.commands()
    deletes = [i for i, argv in enumerate(commands) if "delete" in argv]
    assert deletes == list(range(len(commands) - delete, len(commands)))


def test_plan_from_nothing_and_diff_lines():
    plan = u.make_plan([], u.desired_rules(DECLARED, "aiguard"), "aiguard")
    assert len(plan.add) == 6 and not plan.delete
    lines = u.rule_lines(plan.final).splitlines()
    assert lines[0].startswith("ufw limit in proto tcp from 192.0.2.0/24")
    assert lines[-1].startswith("ufw allow in proto tcp from ::/0")  # IPv4 first, then IPv6


DENY_FIRST = [rule(action="deny", src="192.0.2.66"), rule(action="limit", src="192.0.2.0/24")]


@pytest.mark.parametrize(
    ("rules", "address", "port", "policy", "problem"),
    [
        (CURRENT, "192.0.2.10", 22, "deny", None),
        (CURRENT, "2001:db8:1::5", 22, "deny", None),
        (CURRENT, "::ffff:192.0.2.10", 22, "deny", None),  # v4-mapped is judged as IPv4
        (CURRENT, "198.51.100.7", 22, "deny", "no rule allows it and the incoming policy is deny"),
        (CURRENT, "192.0.2.10", 2222, "reject", "the incoming policy is reject"),
        (CURRENT, "198.51.100.7", 22, "allow", None),
        (DENY_FIRST, "192.0.2.66", 22, "deny", "the rule 'ufw deny in proto tcp from 192.0.2.66"),
        (DENY_FIRST, "192.0.2.67", 22, "deny", None),
        # An allow bound to an interface or a destination does not count.
        ([rule(direction="in_eth0")], "192.0.2.1", 22, "deny", "no rule allows it"),
        ([rule(dst="192.0.2.1")], "192.0.2.1", 22, "deny", "no rule allows it"),
        ([rule(dport="20:30", proto="any")], "192.0.2.1", 22, "deny", None),
        ([rule(proto="udp")], "192.0.2.1", 22, "deny", "no rule allows it"),
        ([rule(direction="out")], "192.0.2.1", 22, "deny", "no rule allows it"),
        ([rule(family=u.IPV6, src="::/0")], "192.0.2.1", 22, "deny", "no rule allows it"),
        ([], "not-an-ip", 22, "deny", "is not an IP address"),
    ],
)
def test_lockout_problem(rules, address, port, policy, problem):
    got = u.lockout_problem(rules, address, port, policy)
    if problem is None:
        assert got is None
    else:
        assert problem in got
        if "IP address" not in problem:
            assert "Nothing was changed" in got and "ufw_allowlist_admin_networks" in got


def test_lockout_guard_sleeps_while_the_firewall_is_off():
    assert u.lockout_problem([], "192.0.2.1", 22, "deny", enabled=False) is None


def listener(address="0.0.0.0", port=7860, protocol="tcp", family="ipv4", wildcard=True, scope="exposed", mapped=False):
    return dict(
        address=address,
        port=port,
        protocol=protocol,
        family=family,
        wildcard=wildcard,
        scope=scope,
        mapped=mapped,
        processes=["python3"],
    )


STATE = u.read_state(str(FIXTURES))


@pytest.mark.parametrize(
    ("item", "state", "exposure", "allowed_from"),
    [
        (listener(address="127.0.0.1", wildcard=False, scope="loopback"), STATE, "loopback", []),
        (listener(), STATE, "allowed", ["198.51.100.7/32"]),
        (listener(), None, "everyone", ["0.0.0.0/0"]),
        (listener(port=3002), STATE, "blocked", []),  # the deny comes before the allow of 3000:3010
        (listener(port=3005), STATE, "allowed", ["203.0.113.0/24"]),
        (listener(port=80), STATE, "everyone", ["0.0.0.0/0"]),
        (listener(address="::", family="ipv6", protocol="tcp6", port=80), STATE, "everyone", ["0.0.0.0/0", "::/0"]),
        (
            listener(address="::", family="ipv6", protocol="tcp6", port=22),
            STATE,
            "allowed",
            ["192.0.2.0/24", "2001:db8:1::/48"],
        ),
        (
            listener(address="0.0.0.0", family="ipv6", protocol="tcp6", mapped=True, port=22),
            STATE,
            "allowed",
            ["192.0.2.0/24"],
        ),
        (listener(protocol="udp", port=5005), STATE, "allowed", ["10.0.0.0/8"]),
        # An allow on one interface from one source port still opens the port to that source.
        (listener(protocol="udp", port=53), STATE, "allowed", ["192.0.2.53/32"]),
        (listener(protocol="udp", port=9100), STATE, "everyone", ["0.0.0.0/0"]),  # proto any
        (listener(port=8443), STATE, "everyone", ["0.0.0.0/0"]),  # logged allow
        (listener(port=25), STATE, "blocked", []),  # the reject is outgoing
    ],
)
def test_classify_listener(item, state, exposure, allowed_from):
    assert u.classify_listener(item, state) == (exposure, allowed_from)


def test_classify_with_incoming_policy_allow(tmp_path):
    root = tmp_path / "root"
    shutil.copytree(FIXTURES / "etc", root / "etc")
    defaults = root / "etc" / "default" / "ufw"
    defaults.write_text(defaults.read_text().replace('DEFAULT_INPUT_POLICY="DROP"', 'DEFAULT_INPUT_POLICY="ACCEPT"'))
    state = u.read_state(str(root))
    assert state.incoming == "allow"
    assert u.classify_listener(listener(port=3002), state) == ("everyone", ["0.0.0.0/0"])


def test_disabled_firewall_classifies_as_everyone(tmp_path):
    root = tmp_path / "root"
    shutil.copytree(FIXTURES / "etc", root / "etc")
    conf = root / "etc" / "ufw" / "ufw.conf"
    conf.write_text(conf.read_text().replace("ENABLED=yes", "ENABLED=no"))
    state = u.read_state(str(root))
    assert not state.enabled
    assert u.classify_listener(listener(port=3002), state) == ("everyone", ["0.0.0.0/0"])


def ufw_root(tmp_path, ipv6="yes", policy="DROP"):
    """A copy of the captured host with IPV6 and DEFAULT_INPUT_POLICY set."""
    root = tmp_path / "root"
    shutil.copytree(FIXTURES / "etc", root / "etc")
    defaults = root / "etc" / "default" / "ufw"
    text = defaults.read_text().replace("IPV6=yes", f"IPV6={ipv6}")
    defaults.write_text(text.replace('DEFAULT_INPUT_POLICY="DROP"', f'DEFAULT_INPUT_POLICY="{policy}"'))
    return str(root)


V6_ONLY = dict(address="2001:db8::5", family="ipv6", protocol="tcp6", wildcard=False)
DUAL = dict(address="::", family="ipv6", protocol="tcp6")


# IPV6=no: ufw-init sets ip6tables' INPUT, OUTPUT and FORWARD to DROP with
# only loopback accepted, and loads neither user6.rules nor the policy for
# IPv6 (checked with ufw 0.36.2 in a network namespace). The IPv6 rules
# still in user6.rules (80,443 and 8443 from ::/0, 22 from 2001:db8:1::/48)
# then open nothing.
@pytest.mark.parametrize(
    ("ipv6", "policy", "item", "exposure", "allowed_from"),
    [
        ("yes", "DROP", listener(port=80, **V6_ONLY), "everyone", ["::/0"]),
        ("no", "DROP", listener(port=80, **V6_ONLY), "blocked", []),
        ("no", "DROP", listener(port=8443, **V6_ONLY), "blocked", []),
        ("no", "DROP", listener(port=22, **V6_ONLY), "blocked", []),
        # A dual-stack socket is still reachable over IPv4 as the IPv4 rules say.
        ("yes", "DROP", listener(port=80, **DUAL), "everyone", ["0.0.0.0/0", "::/0"]),
        ("no", "DROP", listener(port=80, **DUAL), "everyone", ["0.0.0.0/0"]),
        ("no", "DROP", listener(port=22, **DUAL), "allowed", ["192.0.2.0/24"]),
        ("no", "DROP", listener(port=3002, **DUAL), "blocked", []),
        # The incoming policy applies to IPv4 only.
        ("yes", "ACCEPT", listener(port=3002, **V6_ONLY), "everyone", ["::/0"]),
        ("no", "ACCEPT", listener(port=3002, **V6_ONLY), "blocked", []),
        ("no", "ACCEPT", listener(port=3002, **DUAL), "everyone", ["0.0.0.0/0"]),
        # IPv4 sockets, and IPv4-mapped ones, do not depend on the switch.
        ("no", "DROP", listener(port=7860), "allowed", ["198.51.100.7/32"]),
        (
            "no",
            "DROP",
            listener(port=7860, address="0.0.0.0", family="ipv6", protocol="tcp6", mapped=True),
            "allowed",
            ["198.51.100.7/32"],
        ),
        (
            "no",
            "DROP",
            listener(address="::1", family="ipv6", protocol="tcp6", wildcard=False, scope="loopback"),
            "loopback",
            [],
        ),
    ],
)
def test_classify_listener_ipv6_switch(tmp_path, ipv6, policy, item, exposure, allowed_from):
    state = u.read_state(ufw_root(tmp_path, ipv6, policy))
    assert state.ipv6 is (ipv6 == "yes")
    assert u.classify_listener(item, state) == (exposure, allowed_from)


@pytest.mark.parametrize(
    ("exposure", "allowed_from", "allowlist", "extra"),
    [
        ("allowed", ["198.51.100.7/32"], {(7860, "tcp"): ["198.51.100.0/24"]}, []),
        ("allowed", ["198.51.100.7/32"], {(7860, "tcp"): []}, ["198.51.100.7/32"]),
        ("everyone", ["0.0.0.0/0"], {(7860, "tcp"): ["198.51.100.0/24"]}, ["0.0.0.0/0"]),
        ("everyone", ["0.0.0.0/0", "::/0"], {(7860, "tcp"): ["0.0.0.0/0"]}, ["::/0"]),
        ("everyone", ["0.0.0.0/0"], {(7861, "tcp"): []}, []),  # another port is not judged
        ("everyone", ["0.0.0.0/0"], {(7860, "udp"): []}, []),
        ("blocked", [], {(7860, "tcp"): []}, []),
        ("loopback", [], {(7860, "tcp"): []}, []),
    ],
)
def test_beyond_allowlist(exposure, allowed_from, allowlist, extra):
    item = dict(listener(), exposure=exposure, allowed_from=allowed_from)
    assert u.beyond_allowlist(item, allowlist) == extra
