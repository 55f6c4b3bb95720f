#!/usr/bin/python
# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: ufw_rules
short_description: Make ufw's inbound rules exactly a declared allowlist, without locking the controller out
version_added: 0.1.0
description:
  - Declares ufw's incoming rules as a list of ports, each with the source networks allowed to reach it, and brings
    ufw there with C(ufw) commands. Also sets the default incoming and outgoing policies, the logging level and
    enables the firewall.
  - Every rule the module writes carries a ufw comment that starts with O(tag) (V(aiguard), then a colon and the rule's
    own comment), which is how it knows the rules it owns. With O(purge), owned rules that are no longer declared are
    deleted; rules it does not own are reported in RV(unowned) and only deleted with O(purge_unowned).
  - The rules are read from C(/etc/ufw/user.rules) and C(/etc/ufw/user6.rules), where ufw writes each rule with its
    comment whether or not the firewall is active.
  - Lockout guard. Before changing anything, the module works out whether a new SSH connection from the controller
    (O(controller_address)) to O(ssh_port) would still be allowed once the change is applied, in ufw's first-match
    order and with the default incoming policy. If not, it fails and changes nothing, unless O(lockout_guard=false).
  - Changes are applied in an order that never drops the live session. New and updated rules first, then the default
    policies and logging, then the firewall is enabled, and only then are rules deleted. Established connections are
    accepted by ufw's own C(before.rules) throughout.
  - After applying, the rules files are read again and the module fails if they are not what was planned (C(ufw
    delete) answers 0 even when it deleted nothing).
author:
  - aiguard.hardening maintainers (@aiguard)
extends_documentation_fragment:
  - aiguard.hardening.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details:
      - The rules before and after, one C(ufw) command line per rule, IPv4 then IPv6, plus the settings (enabled,
        policies, logging).
options:
  rules:
    description:
      - The allowed inbound traffic. Every rule gives one port (or range or list) and protocol and the sources allowed
        to reach it; anything not listed is dropped by the default incoming policy.
    type: list
    elements: dict
    default: []
    suboptions:
      port:
        description:
          - A port (V(22)), a range (V(7860:7870)) or a comma-separated list of them (V(80,443)); at most 15 ports, a
            range counting two. Ranges and lists need O(rules[].proto) V(tcp) or V(udp).
        type: str
        required: true
      proto:
        description: The protocol.
        type: str
        choices: [tcp, udp, any]
        default: tcp
      sources:
        description:
          - Source networks in CIDR notation or single addresses, IPv4 or IPv6 (host bits must be zero). V(any) means
            everyone, over IPv6 too when O(ipv6) is on.
        type: list
        elements: str
        required: true
      action:
        description: V(limit) lets ufw refuse a source that opens 6 or more connections within 30 seconds (for SSH).
        type: str
        choices: [allow, limit]
        default: allow
      comment:
        description:
          - Appended to O(tag) and a colon as the ufw comment; at most 80 printable ASCII characters without quotes or
            backslashes.
        type: str
        default: ''
  tag:
    description: The start of the comment that marks the rules this module owns.
    type: str
    default: aiguard
  purge:
    description: Delete owned rules (comment starting with O(tag)) that O(rules) no longer declares.
    type: bool
    default: false
  purge_unowned:
    description:
      - Delete every rule that O(rules) does not declare, owned or not, including rules added by hand or by other
        tools. They are otherwise reported in RV(unowned) and left alone.
    type: bool
    default: false
  ipv6:
    description:
      - Whether V(any) in O(rules[].sources) covers IPv6 too. Must match C(IPV6) in C(/etc/default/ufw); IPv6
        sources need it on.
      - With C(IPV6=no) ufw does not leave IPv6 unfiltered; it drops all IPv6 traffic, in and out, except on loopback.
    type: bool
    default: true
  incoming:
    description: Default policy for incoming traffic that no rule allows.
    type: str
    choices: [deny, reject, allow]
    default: deny
  outgoing:
    description: Default policy for outgoing traffic.
    type: str
    choices: [allow, deny, reject]
    default: allow
  logging:
    description: ufw's logging level.
    type: str
    choices: ['off', low, medium, high, full]
    default: low
  enabled:
    description: Whether the firewall is enabled (and enabled at boot). V(false) disables it and leaves the rules.
    type: bool
    default: true
  reload:
    description:
      - Reload the firewall even if nothing else changed, for example after C(/etc/default/ufw) changed. Ignored
        when the firewall is disabled or is being enabled.
    type: bool
    default: false
  controller_address:
    description:
      - The address the controller connects from, for the lockout guard, for example the first field of
        C(SSH_CONNECTION) of the Ansible session.
      - If omitted, the first field of C(SSH_CONNECTION) in the module's environment is used (C(sudo) usually
        removes it); if there is none, there is no network session to guard and RV(lockout_guard) says so.
    type: str
  ssh_port:
    description: The port the controller's SSH connection reaches on the host (the fourth field of C(SSH_CONNECTION)).
    type: int
    default: 22
  lockout_guard:
    description: Fail, changing nothing, when the new rules would drop new SSH connections from O(controller_address).
    type: bool
    default: true
notes:
  - The module manages inbound rules only; routed and outbound rules are left alone unless O(purge_unowned) is set.
  - Needs ufw installed, except in check mode, where a host without ufw is planned as one with no rules.
  - In a container whose C(/proc/sys) is read-only, set C(IPT_SYSCTL=) in C(/etc/default/ufw) (the role
    aiguard.hardening.ufw_allowlist does with C(ufw_allowlist_kernel_settings=false)), so that ufw does not try to
    write kernel settings there.
requirements:
  - ufw 0.36 or later (Debian 12 and 13).
seealso:
  - name: ufw manual
    description: The commands this module runs.
    link: https://manpages.debian.org/bookworm/ufw/ufw.8.en.html
  - module: community.general.ufw
    description: Runs one ufw command per task, without ownership, purge or lockout guard.
"""

EXAMPLES = r"""
---
- name: SSH from the admin network, the nginx front to everyone, the Gradio port to one analyst network
  aiguard.hardening.ufw_rules:
    rules:
      - port: "22"
        sources: [192.0.2.0/24, 2001:db8:1::/48]
        action: limit
        comment: ssh
      - port: "80,443"
        sources: [any]
        comment: nginx front door
      - port: "7860"
        sources: [198.51.100.7]
        comment: gradio for the analysts
    controller_address: "{{ ansible_env.SSH_CONNECTION.split()[0] }}"
    purge: true

- name: Plan only, with the exact rules that would be added and removed
  aiguard.hardening.ufw_rules:
    rules: "{{ my_rules }}"
  check_mode: true
  diff: true
  register: planned
"""

RETURN = r"""
added:
  description: Rules added, one per family and source.
  returned: success
  type: list
  elements: dict
  contains:
    family:
      description: The address family.
      type: str
      choices: [ipv4, ipv6]
      sample: ipv4
    action:
      description: The ufw action.
      type: str
      sample: allow
    proto:
      description: The protocol.
      type: str
      sample: tcp
    port:
      description: The destination port, range or list.
      type: str
      sample: "7860"
    source:
      description: The source network.
      type: str
      sample: 198.51.100.7/32
    comment:
      description: The ufw comment.
      type: str
      sample: "aiguard: gradio for the analysts"
    rule:
      description: The rule as a ufw command line.
      type: str
      sample: "ufw allow in proto tcp from 198.51.100.7/32 to 0.0.0.0/0 port 7860
        comment 'aiguard: gradio for the analysts'"
  sample: []
updated:
  description: Rules whose action or comment changed (ufw updates them in place), with the same keys as RV(added).
  returned: success
  type: list
  elements: dict
  sample: []
deleted:
  description: Rules deleted (owned ones with O(purge), any with O(purge_unowned)), with the same keys as RV(added).
  returned: success
  type: list
  elements: dict
  sample: []
stale:
  description: Owned rules that O(rules) no longer declares; deleted only with O(purge). Same keys as RV(added).
  returned: success
  type: list
  elements: dict
  sample: []
unowned:
  description: Rules without the O(tag) comment that O(rules) does not declare; deleted only with O(purge_unowned).
  returned: success
  type: list
  elements: dict
  sample: []
rules:
  description: Every rule once the change is applied (or would be, in check mode), in ufw's order, same
    keys as RV(added).
  returned: success
  type: list
  elements: dict
  sample: []
commands:
  description: The ufw commands run (or that would run, in check mode), in order.
  returned: success
  type: list
  elements: list
  sample: [[ufw, allow, in, proto, tcp, from, 198.51.100.7/32, to, 0.0.0.0/0, port, "7860", comment, "aiguard: gradio"]]
lockout_guard:
  description: What the lockout guard checked, for humans.
  returned: success
  type: str
  sample: "SSH from 192.0.2.10 to port 22/tcp stays allowed"
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.aiguard.hardening.plugins.module_utils.ufwrules import (
    UfwError,
    desired_rules,
    lockout_problem,
    make_plan,
    read_state,
    rule_lines,
    rule_problems,
    tag_problem,
)


def settings_text(enabled, incoming, outgoing, logging):
    return f"enabled: {'yes' if enabled else 'no'}\nincoming: {incoming}\noutgoing: {outgoing}\nlogging: {logging}\n"


def main() -> None:
    module = AnsibleModule(
        argument_spec=dict(
            rules=dict(
                type="list",
                elements="dict",
                default=[],
                options=dict(
                    port=dict(type="str", required=True),
                    proto=dict(type="str", choices=["tcp", "udp", "any"], default="tcp"),
                    sources=dict(type="list", elements="str", required=True),
                    action=dict(type="str", choices=["allow", "limit"], default="allow"),
                    comment=dict(type="str", default=""),
                ),
            ),
            tag=dict(type="str", default="aiguard"),
            purge=dict(type="bool", default=False),
            purge_unowned=dict(type="bool", default=False),
            ipv6=dict(type="bool", default=True),
            incoming=dict(type="str", choices=["deny", "reject", "allow"], default="deny"),
            outgoing=dict(type="str", choices=["allow", "deny", "reject"], default="allow"),
            logging=dict(type="str", choices=["off", "low", "medium", "high", "full"], default="low"),
            enabled=dict(type="bool", default=True),
            reload=dict(type="bool", default=False),
            controller_address=dict(type="str"),
            ssh_port=dict(type="int", default=22),
            lockout_guard=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    p = module.params
    problems = rule_problems(p["rules"], "rules", p["ipv6"])
    problems += [problem for problem in [tag_problem(p["tag"])] if problem]
    if not 0 < p["ssh_port"] < 65536:
        problems.append(f"ssh_port: {p['ssh_port']} is not a port from 1 to 65535")
    if problems:
        module.fail_json(msg="; ".join(problems))
    try:
        desired = desired_rules(p["rules"], p["tag"], p["ipv6"])
        state = read_state("/")
    except UfwError as exc:
        module.fail_json(msg=str(exc))
    plan = make_plan(state.rules, desired, p["tag"], p["purge"], p["purge_unowned"])

    address = p["controller_address"]
    if not address:
        address = os.environ.get("SSH_CONNECTION", "").split(" ")[0]
    if not address:
        guard = "no network session to guard: no controller_address and no SSH_CONNECTION"
    else:
        problem = lockout_problem(plan.final, address, p["ssh_port"], p["incoming"], p["enabled"])
        if problem and p["lockout_guard"]:
            module.fail_json(msg=problem, rules=[rule.as_dict() for rule in plan.final])
        if problem:
            module.warn(f"{problem} (lockout_guard is off, applying anyway)")
            guard = f"guard off: SSH from {address} to port {p['ssh_port']}/tcp will be dropped"
        elif p["enabled"]:
            guard = f"SSH from {address} to port {p['ssh_port']}/tcp stays allowed"
        else:
            guard = "firewall disabled: nothing to guard"

    commands = plan.commands()
    settings = []
    if state.incoming != p["incoming"]:
        settings.append(["ufw", "default", p["incoming"], "incoming"])
    if state.outgoing != p["outgoing"]:
        settings.append(["ufw", "default", p["outgoing"], "outgoing"])
    if state.logging != p["logging"]:
        settings.append(["ufw", "logging", p["logging"]])
    enabling = p["enabled"] and not state.enabled
    switch = [["ufw", "--force", "enable"]] if enabling else []
    if not p["enabled"] and state.enabled:
        switch = [["ufw", "disable"]]
    # Additions first, deletions last: the session is allowed at every step.
    adds = commands[: len(plan.add) + len(plan.update)]
    deletes = commands[len(adds) :]
    ordered = adds + settings + switch + deletes
    if p["reload"] and p["enabled"] and state.enabled and not ordered:
        ordered = [["ufw", "reload"]]
    elif p["reload"] and p["enabled"] and state.enabled:
        ordered.append(["ufw", "reload"])

    result = dict(
        changed=bool(ordered),
        added=[rule.as_dict() for rule in plan.add],
        updated=[new.as_dict() for _old, new in plan.update],
        deleted=[rule.as_dict() for rule in plan.delete],
        stale=[rule.as_dict() for rule in plan.stale],
        unowned=[rule.as_dict() for rule in plan.unowned],
        rules=[rule.as_dict() for rule in plan.final],
        commands=ordered,
        lockout_guard=guard,
    )
    if plan.stale and not p["purge"]:
        module.warn(
            f"{len(plan.stale)} rule(s) tagged {p['tag']!r} are no longer declared and were kept (purge is off): "
            + "; ".join(rule.text for rule in plan.stale)
        )
    if plan.unowned and not p["purge_unowned"]:
        module.warn(
            f"{len(plan.unowned)} rule(s) not tagged {p['tag']!r} were left alone: "
            + "; ".join(rule.text for rule in plan.unowned)
        )
    if module._diff:
        result["diff"] = [
            dict(
                before_header="ufw rules",
                after_header="ufw rules",
                before=rule_lines(state.rules),
                after=rule_lines(plan.final),
            ),
            dict(
                before_header="ufw settings",
                after_header="ufw settings",
                before=settings_text(state.enabled, state.incoming, state.outgoing, state.logging),
                after=settings_text(p["enabled"], p["incoming"], p["outgoing"], p["logging"]),
            ),
        ]
    if module.check_mode or not ordered:
        module.exit_json(**result)

    if not state.installed:
        module.fail_json(
            msg="ufw is not installed (no /etc/default/ufw or /etc/ufw); install the ufw package first", **result
        )
    for argv in ordered:
        rc, out, err = module.run_command(argv, environ_update={"LC_ALL": "C"})
        if rc != 0:
            module.fail_json(
                msg=f"{' '.join(argv)} failed (exit {rc}): {(err or out).strip()}. Commands before it "
                "were applied; nothing after it was.",
                **result,
            )
    try:
        after = read_state("/")
    except UfwError as exc:
        module.fail_json(msg=str(exc), **result)
    expected = {(rule.key, rule.action, rule.comment) for rule in plan.final}
    actual = {(rule.key, rule.action, rule.comment) for rule in after.rules}
    if expected != actual:
        missing = sorted(r.text for r in plan.final if (r.key, r.action, r.comment) not in actual)
        unexpected = sorted(r.text for r in after.rules if (r.key, r.action, r.comment) not in expected)
        module.fail_json(
            msg=f"ufw's rules are not what was planned after applying: missing {missing}, unexpected {unexpected}",
            **result,
        )
    module.exit_json(**result)


if __name__ == "__main__":
    main()
