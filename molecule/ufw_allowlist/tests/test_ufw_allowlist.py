"""ufw_allowlist, tested from the clients: what each one can reach, and the guards."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import textwrap

import pytest

testinfra_group = "firewalls"

ALLOWED = "aiguard-ufw-allowlist-allowed"
DENIED = "aiguard-ufw-allowlist-denied"
GRADIO_HOST = "aiguard-ufw-allowlist-bookworm"  # the lab image: the real Gradio app
TAG = "aiguard"


def address(host):
    return host.check_output("hostname -I").split()[0]


def connect(client, target, port, timeout=4):
    """'open', 'refused' or 'dropped': a TCP connection from a client host."""
    script = textwrap.dedent(f"""
        import socket
        s = socket.socket()
        s.settimeout({timeout})
        try:
            s.connect(({target!r}, {port}))
            print("open")
        except ConnectionRefusedError:
            print("refused")
        except (socket.timeout, TimeoutError):
            print("dropped")
    """)
    return client.check_output(f"python3 -c {shlex.quote(script)}")


def rules_state(host):
    """What the firewall holds: the rules files and ufw's view, to compare before and after."""
    return host.check_output(
        "sha256sum /etc/ufw/user.rules /etc/ufw/user6.rules /etc/default/ufw && ufw status verbose"
    )


@pytest.fixture
def target(node):
    return address(node)


@pytest.fixture(scope="module")
def clients(host_of):
    return host_of(ALLOWED), host_of(DENIED)


@pytest.fixture(scope="module")
def one():
    """The host the slow re-converge tests use."""
    return GRADIO_HOST


def flat(text):
    """Output with every run of whitespace made one space (Ansible wraps warnings)."""
    return " ".join(text.split())


def test_firewall_is_on_with_default_deny(node):
    status = node.check_output("ufw status verbose")
    assert "Status: active" in status
    assert "Default: deny (incoming), allow (outgoing), deny (routed)" in status
    assert "Logging: on (medium)" in status


def test_rules_are_exactly_the_declared_ones_and_tagged(node, clients):
    allowed = address(clients[0])
    gateway = node.check_output("ip -4 route show default").split()[2]
    added = node.check_output("ufw show added").splitlines()[1:]
    assert added == [
        f"ufw limit from {allowed} to any port 22 proto tcp comment '{TAG}: ssh'",
        f"ufw limit from {gateway} to any port 22 proto tcp comment '{TAG}: ssh'",
        f"ufw allow 80,443/tcp comment '{TAG}: nginx front door'",
        f"ufw allow from {allowed} to any port 7860 proto tcp comment '{TAG}: gradio for the allowed client'",
        f"ufw limit from fd00:db8:213::/64 to any port 22 proto tcp comment '{TAG}: ssh'",
    ]
    # IPv6 is filtered too: the public ports are open over IPv6 as well.
    assert "80,443/tcp (v6)" in node.check_output("ufw status")


def test_kernel_settings_left_to_the_container_runtime(node):
    settings = node.file("/etc/default/ufw").content_string
    assert "\nIPT_SYSCTL=\n" in settings and "\nIPV6=yes\n" in settings
    reload = node.run("ufw reload")
    assert reload.rc == 0 and "sysctl" not in reload.stdout + reload.stderr


def test_allowed_client_reaches_ssh_web_and_app(clients, target):
    allowed = clients[0]
    for port in (22, 80, 7860):
        assert connect(allowed, target, port) == "open", port


def test_denied_client_reaches_only_the_public_port(clients, target):
    denied = clients[1]
    assert connect(denied, target, 80) == "open"
    for port in (22, 7860):
        assert connect(denied, target, port) == "dropped", port


def test_app_port_without_a_rule_is_closed_to_both(clients, target, node):
    assert node.socket("tcp://0.0.0.0:3002").is_listening  # the app runs, on every address
    for client in clients:
        assert connect(client, target, 3002) == "dropped"


def test_check_mode_on_converged_host_reports_no_change(converge_check):
    assert not converge_check.failed, converge_check.output
    assert not converge_check.changed, converge_check.output


def test_purge_removes_stale_tagged_rule_and_keeps_untagged(one, host_of, clients, converge):
    node = host_of(one)
    denied = address(clients[1])
    stale = f"ufw allow proto tcp from {denied} to 0.0.0.0/0 port 9999 comment '{TAG}: stale'"
    by_hand = f"ufw allow proto tcp from {denied} to 0.0.0.0/0 port 9998 comment 'by hand'"
    node.check_output(stale)
    node.check_output(by_hand)
    try:
        # Check mode with diff shows the exact rule that would go, and changes nothing.
        before = rules_state(node)
        check = converge("--check", "--diff", "--limit", one)
        assert check.rc == 0 and check.changed == {one: 1}, check.output
        assert f"-ufw allow in proto tcp from {denied} to 0.0.0.0/0 port 9999 comment '{TAG}: stale'" in check.output
        assert f"-ufw allow in proto tcp from {denied} to 0.0.0.0/0 port 9998" not in check.output
        assert rules_state(node) == before

        recap = converge("--limit", one)
        assert recap.rc == 0, recap.output
        added = node.check_output("ufw show added")
        assert "port 9999" not in added
        assert "9998" in added and "'by hand'" in added
        assert (
            "1 rule(s) not tagged 'aiguard' were left alone: "
            f"ufw allow in proto tcp from {denied} to 0.0.0.0/0 port 9998 comment 'by hand'" in flat(recap.output)
        )
    finally:
        node.run("ufw delete allow proto tcp from %s to 0.0.0.0/0 port 9999", denied)
        node.run("ufw delete allow proto tcp from %s to 0.0.0.0/0 port 9998", denied)
    assert "999" not in node.check_output("ufw show added")


@pytest.fixture(scope="module")
def only_one(one):
    """Arguments that limit the converge to ONE (reached over SSH, like every test host).

    SSH multiplexing keeps the converges on one connection: ufw's limit
    refuses a 6th new connection from the controller within 30 seconds.
    """
    return ["--limit", one]


def test_lockout_guard_allows_a_run_that_keeps_the_controller_in(one, host_of, converge, only_one):
    gateway = host_of(one).check_output("ip -4 route show default").split()[2]
    recap = converge(*only_one, "-v")
    assert recap.rc == 0, recap.output
    assert recap.changed == {}, recap.output
    # The address came from the real SSH session's SSH_CONNECTION.
    assert f"SSH from {gateway} to port 22/tcp stays allowed" in recap.output


def test_lockout_guard_refuses_rules_that_drop_the_controller(one, host_of, clients, converge, only_one):
    node = host_of(one)
    gateway = node.check_output("ip -4 route show default").split()[2]
    before = rules_state(node)
    admins = {"ufw_allowlist_admin_networks": [f"{address(clients[0])}/32"]}
    recap = converge(*only_one, "-e", json.dumps(admins))
    assert recap.rc != 0, recap.output
    assert f"would drop new SSH connections from the controller ({gateway}) to port 22/tcp" in flat(recap.output)
    assert "Nothing was changed" in recap.output
    assert rules_state(node) == before
    # Still reachable over SSH, and the denied client is still dropped.
    assert converge(*only_one, "--check").rc == 0
    assert connect(clients[1], address(node), 22) == "dropped"


@pytest.mark.parametrize(
    ("extra", "messages"),
    [
        # The role's model: every bad variable at once, each named. Every check
        # and message is a unit test of the model
        # (tests/unit/plugins/module_utils/test_ufwallowlist.py).
        (
            {
                "ufw_allowlist_rules": [{"port": "7860:7850", "sources": ["10.89.0.300"]}],
                "ufw_allowlist_admin_networks": ["10.89.0.1/16"],
            },
            [
                "ufw_allowlist_admin_networks[0]: '10.89.0.1/16' has host bits set; the network is 10.89.0.0/16",
                "ufw_allowlist_rules[0].port: '7860:7850' has the range 7860:7850 whose first port is not below "
                "the last",
                "ufw_allowlist_rules[0].sources[0]: '10.89.0.300' is not an IPv4 or IPv6 address or network (CIDR)",
            ],
        ),
        # A check of the host, not of the variables: /proc/sys is read-only here.
        ({"ufw_allowlist_kernel_settings": True}, ["Set ufw_allowlist_kernel_settings: false"]),
    ],
)
def test_preflight_stops_bad_input_and_changes_nothing(one, host_of, converge, extra, messages):
    # That the preflight is wired in: bad input stops the play before any
    # change, with the message.
    node = host_of(one)
    before = rules_state(node)
    recap = converge("-e", json.dumps(extra), "--limit", one)
    assert recap.rc != 0 and "; ".join(messages) in flat(recap.output), recap.output
    assert rules_state(node) == before


def listen_audit(host, args):
    """Run aiguard.hardening.listen_audit on HOST; returns (failed, result)."""
    playbook = os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "listen_audit.yml")
    with open(playbook, "w", encoding="utf-8") as fh:
        json.dump(
            [
                {
                    "name": "Audit",
                    "hosts": host,
                    "gather_facts": False,
                    "tasks": [{"name": "Audit", "aiguard.hardening.listen_audit": args}],
                }
            ],
            fh,
        )
    # Only the json callback, so that stdout is one JSON document.
    env = dict(os.environ, ANSIBLE_STDOUT_CALLBACK="ansible.posix.json", ANSIBLE_CALLBACKS_ENABLED="ansible.posix.json")
    proc = subprocess.run(
        ["ansible-playbook", "-i", os.environ["MOLECULE_INVENTORY_FILE"], playbook],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    out = json.loads(proc.stdout)
    result = out["plays"][0]["tasks"][0]["hosts"][host]
    return bool(result.get("failed")), result


def rebind_gradio(node, address_):
    node.check_output(
        f"sed -i 's/^GRADIO_SERVER_NAME=.*/GRADIO_SERVER_NAME={address_}/' /etc/default/aiguard-lab-gradio"
    )
    node.check_output("systemctl restart aiguard-lab-gradio.service")
    node.check_output(
        f"for i in $(seq 90); do curl -sf -o /dev/null http://{address_}:7860/config && exit 0; sleep 2; done; exit 1"
    )


def test_listen_audit_sees_gradio_exposed_then_loopback_only(host_of, clients):
    node = host_of(GRADIO_HOST)
    allowed = address(clients[0])
    failed, result = listen_audit(GRADIO_HOST, {"ports": [7860, 3002], "protocols": ["tcp"]})
    assert not failed, result
    by_port = {item["port"]: item for item in result["listeners"]}
    assert by_port[7860]["address"] == "0.0.0.0"
    assert (by_port[7860]["exposure"], by_port[7860]["allowed_from"]) == ("allowed", [f"{allowed}/32"])
    assert by_port[3002]["exposure"] == "blocked"
    assert result["firewall"] == "ufw (enabled)"
    # The policy: the app port may be reached from nothing but loopback.
    failed, result = listen_audit(GRADIO_HOST, {"ports": [7860], "allowlist": [{"port": 7860}]})
    assert failed and "tcp 0.0.0.0:7860 (python" in result["msg"], result
    assert f"is reachable from {allowed}/32" in result["msg"], result
    # Without the firewall it would be open to everyone.
    failed, result = listen_audit(
        GRADIO_HOST, {"ports": [7860], "firewall": "none", "allowlist": [{"port": 7860, "sources": [f"{allowed}/32"]}]}
    )
    assert failed and "reachable from 0.0.0.0/0" in result["msg"], result
    try:
        rebind_gradio(node, "127.0.0.1")
        failed, result = listen_audit(GRADIO_HOST, {"ports": [7860], "allowlist": [{"port": 7860}]})
        assert not failed, result
        assert [(item["address"], item["exposure"]) for item in result["listeners"]] == [("127.0.0.1", "loopback")]
        assert connect(clients[0], address(node), 7860) == "refused"
    finally:
        rebind_gradio(node, "0.0.0.0")
