# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""ufw rules as data: read, validate, plan, guard against lockout, classify.

Plain Python (stdlib only, no AnsibleModule) so that the ufw_rules and
listen_audit modules, the role's preflight filter and the unit tests share it.

ufw keeps the rules it added in ``/etc/ufw/user.rules`` (IPv4) and
``/etc/ufw/user6.rules`` (IPv6), one ``### tuple ###`` line per rule::

    ### tuple ### ACTION PROTO DPORT DST SPORT SRC [DAPP SAPP] DIRECTION [comment=HEX]

ACTION is ``allow``, ``deny``, ``reject`` or ``limit``, with ``_log`` or
``_log-all`` appended for logged rules and ``route:`` before it for routed
ones; DIRECTION is ``in``, ``out``, ``in_IFACE``, ``out_IFACE`` or
``in_IFACE!out_IFACE``; the comment is hex-encoded UTF-8. These lines are
the one place where ufw writes the exact rule, comment included, whether or
not the firewall is active, which ``ufw status`` does not.

Facts of ufw 0.36.2 (Debian 12 and 13) the plan relies on:

* a rule's identity is everything but its action, log type and comment:
  adding a rule whose identity exists updates that rule's action and comment
  in place ("Rule updated");
* ``from 0.0.0.0/0`` makes an IPv4-only rule and ``from ::/0`` an IPv6-only
  one, so every command here names the family through its addresses;
* ``ufw delete`` answers 0 even when it found nothing to delete, so the
  result is checked by reading the rules files again.
"""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass, field

IPV4 = "ipv4"
IPV6 = "ipv6"
ANY4 = "0.0.0.0/0"
ANY6 = "::/0"
ANY_NET = {IPV4: ANY4, IPV6: ANY6}
RULES_FILES = {IPV4: "user.rules", IPV6: "user6.rules"}
PROTOCOLS = ("tcp", "udp", "any")
ACTIONS = ("allow", "limit")
ALLOWING = ("allow", "limit")
# ufw's multiport match takes at most 15 ports, a range counting two.
MAX_MULTIPORT = 15
TAG_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")
# Printable ASCII without quotes or backslash: readable in `ufw status`
# and `ufw show added`, and never a quoting problem.
COMMENT_RE = re.compile(r"^[ !#-&(-\[\]-~]{0,80}$")
EVERYONE_WORDS = ("any", "anywhere")

# listen_audit classes of an exposed socket.
LOOPBACK = "loopback"
ALLOWED = "allowed"
BLOCKED = "blocked"
EVERYONE = "everyone"
EXPOSURES = (LOOPBACK, ALLOWED, BLOCKED, EVERYONE)


class UfwError(Exception):
    """Something about the rules or the host; the message says what to do."""


@dataclass(frozen=True)
class Rule:
    """One ufw rule of one address family."""

    family: str
    action: str
    proto: str
    dport: str
    src: str
    comment: str = ""
    dst: str = ""
    sport: str = "any"
    direction: str = "in"
    logtype: str = ""
    route: bool = False
    dapp: str = ""
    sapp: str = ""

    def __post_init__(self):
        if not self.dst:
            object.__setattr__(self, "dst", ANY_NET[self.family])

    @property
    def key(self):
        """ufw's identity of the rule: everything but action, log type and comment."""
        return (
            self.family,
            self.route,
            self.proto,
            self.dport,
            self.dst,
            self.sport,
            self.src,
            self.direction,
            self.dapp,
            self.sapp,
        )

    @property
    def interface(self):
        return "_" in self.direction or "!" in self.direction

    def owned(self, tag):
        return self.comment == tag or self.comment.startswith(tag + ":")

    def argv(self, delete=False):
        """The ufw command that adds (or deletes) exactly this rule."""
        argv = ["ufw"]
        if self.route:
            argv.append("route")
        if delete:
            argv.append("delete")
        argv.append(self.action)
        if "!" in self.direction:
            inside, outside = self.direction.split("!")
            argv += ["in", "on", inside.partition("_")[2], "out", "on", outside.partition("_")[2]]
        else:
            way, _sep, iface = self.direction.partition("_")
            argv.append(way)
            if iface:
                argv += ["on", iface]
        if self.logtype:
            argv.append(self.logtype)
        if self.proto != "any":
            argv += ["proto", self.proto]
        argv += ["from", self.src]
        if self.sapp:
            argv += ["app", self.sapp]
        elif self.sport != "any":
            argv += ["port", self.sport]
        argv += ["to", self.dst]
        if self.dapp:
            argv += ["app", self.dapp]
        elif self.dport != "any":
            argv += ["port", self.dport]
        if self.comment and not delete:
            argv += ["comment", self.comment]
        return argv

    @property
    def text(self):
        """The rule as a command line, for diffs and messages."""
        words = self.argv()
        if self.comment:
            words = [*words[:-1], f"'{self.comment}'"]
        return " ".join(words)

    def as_dict(self):
        return {
            "family": self.family,
            "action": self.action,
            "proto": self.proto,
            "port": self.dport,
            "source": self.src,
            "comment": self.comment,
            "rule": self.text,
        }


# ---------------------------------------------------------------- reading


def canonical_net(text):
    """A network as ufw writes it: a single address (/32, /128) without its prefix length.

    Text that is not a network (``any``) is returned unchanged.
    """
    try:
        net = ipaddress.ip_network(str(text).strip(), strict=False)
    except ValueError:
        return text
    if net.prefixlen == net.max_prefixlen:
        return str(net.network_address)
    return str(net)


def parse_tuple(line, family):
    """A Rule from one ``### tuple ###`` line, or None if it is not one.

    Raises UfwError for a tuple line this code cannot read, so that a plan
    is never made from rules it did not understand.
    """
    if not line.startswith("### tuple ###"):
        return None
    body = line[len("### tuple ###") :]
    comment = ""
    if " comment=" in body:
        body, _sep, hexed = body.partition(" comment=")
        try:
            comment = bytes.fromhex(hexed.strip()).decode("utf-8", errors="replace")
        except ValueError as exc:
            raise UfwError(f"unreadable comment in ufw rule {line.strip()!r}") from exc
    fields = body.split()
    if len(fields) not in (7, 9):
        raise UfwError(f"unreadable ufw rule {line.strip()!r}: expected 7 or 9 fields")
    action, proto, dport, dst, sport, src = fields[:6]
    dapp = sapp = ""
    if len(fields) == 9:
        dapp = "" if fields[6] == "-" else fields[6].replace("%20", " ")
        sapp = "" if fields[7] == "-" else fields[7].replace("%20", " ")
    route = action.startswith("route:")
    action = action.partition(":")[2] if route else action
    action, _sep, logtype = action.partition("_")
    return Rule(
        family=family,
        action=action,
        proto=proto,
        dport=dport,
        src=canonical_net(src),
        comment=comment,
        dst=canonical_net(dst),
        sport=sport,
        direction=fields[-1],
        logtype=logtype,
        route=route,
        dapp=dapp,
        sapp=sapp,
    )


def parse_rules(text, family):
    """Every rule of one rules file, in file order."""
    rules = []
    for line in text.splitlines():
        rule = parse_tuple(line.strip(), family)
        if rule is not None:
            rules.append(rule)
    return rules


def read_rules(ufw_dir="/etc/ufw"):
    """The rules of both families (IPv4 first); none if the files do not exist."""
    rules = []
    for family, name in RULES_FILES.items():
        path = os.path.join(ufw_dir, name)
        try:
            with open(path, encoding="utf-8", errors="replace") as fh:
                rules.extend(parse_rules(fh.read(), family))
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise UfwError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return rules


def read_settings(path):
    """``KEY=value`` lines of a shell-style settings file, quotes removed; {} if missing."""
    settings = {}
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            text = fh.read()
    except FileNotFoundError:
        return settings
    except OSError as exc:
        raise UfwError(f"cannot read {path}: {exc.strerror or exc}") from exc
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _sep, value = line.partition("=")
        settings[key.strip()] = value.strip().strip("\"'")
    return settings


POLICY_WORDS = {"DROP": "deny", "REJECT": "reject", "ACCEPT": "allow"}


@dataclass
class FirewallState:
    """What ufw's files say: enabled, policies, logging, rules."""

    installed: bool = False
    enabled: bool = False
    incoming: str = "deny"
    outgoing: str = "allow"
    logging: str = "low"
    ipv6: bool = True
    rules: list = field(default_factory=list)


def read_state(root="/"):
    """Read ufw's configuration below ``root`` (``/etc/ufw``, ``/etc/default/ufw``)."""
    ufw_dir = os.path.join(root, "etc", "ufw")
    defaults = read_settings(os.path.join(root, "etc", "default", "ufw"))
    conf = read_settings(os.path.join(ufw_dir, "ufw.conf"))
    loglevel = conf.get("LOGLEVEL", "low")
    return FirewallState(
        installed=bool(defaults) or os.path.isdir(ufw_dir),
        enabled=conf.get("ENABLED", "no").lower() == "yes",
        incoming=POLICY_WORDS.get(defaults.get("DEFAULT_INPUT_POLICY", "DROP").upper(), "deny"),
        outgoing=POLICY_WORDS.get(defaults.get("DEFAULT_OUTPUT_POLICY", "ACCEPT").upper(), "allow"),
        logging="off" if conf.get("LOGGING", "").lower() == "off" else loglevel.lower(),
        ipv6=defaults.get("IPV6", "yes").lower() == "yes",
        rules=read_rules(ufw_dir),
    )


# ------------------------------------------------------------- validation


def parse_network(text):
    """An ip_network from a CIDR or address; ValueError with the reason if invalid."""
    text = str(text).strip()
    try:
        return ipaddress.ip_network(text, strict=True)
    except ValueError as exc:
        try:
            loose = ipaddress.ip_network(text, strict=False)
        except ValueError:
            raise ValueError("is not an IPv4 or IPv6 address or network (CIDR)") from exc
        raise ValueError(f"has host bits set; the network is {loose}") from exc


def network_problem(name, value, ipv6=True):
    """A message if ``value`` is not a usable source network, else None."""
    if isinstance(value, str) and value.strip().lower() in EVERYONE_WORDS:
        return None
    try:
        net = parse_network(value)
    except ValueError as exc:
        return f"{name}: {value!r} {exc}"
    if net.version == 6 and not ipv6:
        return f"{name}: {value!r} is an IPv6 network but IPv6 is turned off"
    return None


def port_parts(value):
    """The ports and ranges of a port spec as ``[(low, high)]``; ValueError if invalid."""
    if isinstance(value, bool):
        raise ValueError("is not a port")
    text = str(value).strip()
    if not re.fullmatch(r"[0-9]+(:[0-9]+)?(,[0-9]+(:[0-9]+)?)*", text):
        raise ValueError("is not a port, a range LOW:HIGH or a comma-separated list of them")
    parts = []
    for item in text.split(","):
        low, _sep, high = item.partition(":")
        low, high = int(low), int(high or low)
        if not (0 < low < 65536 and 0 < high < 65536):
            raise ValueError("has a port outside 1-65535")
        if low >= high and ":" in item:
            raise ValueError(f"has the range {item} whose first port is not below the last")
        parts.append((low, high))
    return parts


def single_port(value):
    """A port spec that names one port (``22``, ``"22"``), as an int; ValueError if it does not."""
    parts = port_parts(value)
    if len(parts) != 1 or parts[0][0] != parts[0][1]:
        raise ValueError("is a range or list, not one port")
    return parts[0][0]


def normalize_port(value):
    """A port spec as ufw writes it: ``22``, ``7860:7870``, ``80,443``."""
    return ",".join(f"{low}" if low == high else f"{low}:{high}" for low, high in port_parts(value))


def rule_problems(rules, name="rules", ipv6=True):
    """Every problem of a list of desired rules, each naming the item and the value."""
    problems = []
    if not isinstance(rules, list):
        return [f"{name} must be a list of rules, not {type(rules).__name__}"]
    for index, rule in enumerate(rules):
        where = f"{name}[{index}]"
        if not isinstance(rule, dict):
            problems.append(f"{where} must be a dict with port, proto, sources and comment, not {rule!r}")
            continue
        unknown = sorted(set(rule) - {"port", "proto", "sources", "action", "comment"})
        if unknown:
            problems.append(f"{where} has unknown keys {', '.join(unknown)}; use port, proto, sources, action, comment")
        proto = rule.get("proto", "tcp")
        if proto not in PROTOCOLS:
            problems.append(f"{where}.proto: {proto!r} is not one of {', '.join(PROTOCOLS)}")
        action = rule.get("action", "allow")
        if action not in ACTIONS:
            problems.append(f"{where}.action: {action!r} is not one of {', '.join(ACTIONS)}")
        if "port" not in rule or rule["port"] in (None, ""):
            problems.append(f"{where}.port is missing")
        else:
            try:
                parts = port_parts(rule["port"])
            except ValueError as exc:
                problems.append(f"{where}.port: {rule['port']!r} {exc}")
            else:
                width = sum(1 if low == high else 2 for low, high in parts)
                if (len(parts) > 1 or parts[0][0] != parts[0][1]) and proto == "any":
                    problems.append(
                        f"{where}.port: {rule['port']!r} is a range or list, which ufw only takes "
                        f"with proto tcp or udp, not any"
                    )
                if width > MAX_MULTIPORT:
                    problems.append(
                        f"{where}.port: {rule['port']!r} names {width} ports (a range counts 2); "
                        f"ufw takes at most {MAX_MULTIPORT} in one rule"
                    )
        sources = rule.get("sources")
        if not isinstance(sources, list) or not sources:
            problems.append(f"{where}.sources must be a non-empty list of networks (CIDR) or 'any', not {sources!r}")
        else:
            for number, source in enumerate(sources):
                problem = network_problem(f"{where}.sources[{number}]", source, ipv6)
                if problem:
                    problems.append(problem)
        comment = rule.get("comment", "")
        if not isinstance(comment, str) or not COMMENT_RE.match(comment):
            problems.append(
                f"{where}.comment: {comment!r} must be at most 80 printable ASCII characters "
                "without quotes or backslashes"
            )
    return problems


def tag_problem(tag, name="tag"):
    if not isinstance(tag, str) or not TAG_RE.match(tag):
        return f"{name}: {tag!r} must be 1 to 32 letters, digits, '.', '_' or '-', starting with a letter or digit"
    return None


# ---------------------------------------------------------------- desired


def tagged(tag, comment):
    return f"{tag}: {comment}" if comment else tag


def expand_rules(rules, tag, ipv6=True, labels=None):
    """Validated rules as ``(one Rule per family and source, conflicts)``, duplicates merged.

    ``any`` becomes 0.0.0.0/0 and, with ipv6, ::/0. A conflict is two rules
    that give the same ufw rule different actions or comments: ufw keeps
    one of them, so each is a message naming both, by ``labels[i]`` (default
    ``rules[i]``), and saying what to merge.
    """
    labels = labels or [f"rules[{index}]" for index in range(len(rules))]
    out = {}
    conflicts = []
    for index, rule in enumerate(rules):
        proto = rule.get("proto", "tcp")
        port = normalize_port(rule["port"])
        comment = tagged(tag, rule.get("comment", ""))
        for source in rule["sources"]:
            if str(source).strip().lower() in EVERYONE_WORDS:
                nets = [ANY4] + ([ANY6] if ipv6 else [])
            else:
                nets = [canonical_net(parse_network(source))]
            for net in nets:
                family = IPV6 if ":" in net else IPV4
                item = Rule(
                    family=family, action=rule.get("action", "allow"), proto=proto, dport=port, src=net, comment=comment
                )
                seen = out.get(item.key)
                if seen and (seen[0].action, seen[0].comment) != (item.action, item.comment):
                    conflicts.append(
                        f"{labels[seen[1]]} and {labels[index]} both cover {proto} port {port} from {net} but differ "
                        f"in action or comment ({seen[0].action} {seen[0].comment!r}, {item.action} "
                        f"{item.comment!r}); ufw keeps one rule per port and source, so merge them"
                    )
                out.setdefault(item.key, (item, index))
    return [item for item, _index in out.values()], conflicts


def desired_rules(rules, tag, ipv6=True):
    """``expand_rules``' rules; raises UfwError naming every conflict if there are any."""
    desired, conflicts = expand_rules(rules, tag, ipv6)
    if conflicts:
        raise UfwError("; ".join(conflicts))
    return desired


# ------------------------------------------------------------------- plan


@dataclass
class Plan:
    add: list = field(default_factory=list)  # new rules
    update: list = field(default_factory=list)  # (old, new): same identity, other action or comment
    delete: list = field(default_factory=list)  # rules removed
    keep: list = field(default_factory=list)  # desired rules already there
    stale: list = field(default_factory=list)  # tagged rules no longer wanted (deleted with purge)
    unowned: list = field(default_factory=list)  # untagged rules (deleted with purge_unowned)
    final: list = field(default_factory=list)  # the rules once the plan is applied, in ufw's order

    @property
    def changed(self):
        return bool(self.add or self.update or self.delete)

    def commands(self):
        """ufw commands in a safe order: additions and updates first, deletions last."""
        return (
            [rule.argv() for rule in self.add]
            + [new.argv() for _old, new in self.update]
            + [rule.argv(delete=True) for rule in self.delete]
        )


def make_plan(current, desired, tag, purge=False, purge_unowned=False):
    by_key = {rule.key: rule for rule in current}
    plan = Plan()
    replaced = {}
    for rule in desired:
        old = by_key.get(rule.key)
        if old is None:
            plan.add.append(rule)
        elif (old.action, old.logtype, old.comment) == (rule.action, "", rule.comment):
            plan.keep.append(rule)
        else:
            plan.update.append((old, rule))
            replaced[old.key] = rule
    wanted = {rule.key for rule in desired}
    for rule in current:
        if rule.key in wanted:
            continue
        if rule.owned(tag):
            plan.stale.append(rule)
            if purge:
                plan.delete.append(rule)
        else:
            plan.unowned.append(rule)
            if purge_unowned:
                plan.delete.append(rule)
    gone = {rule.key for rule in plan.delete}
    plan.final = [replaced.get(rule.key, rule) for rule in current if rule.key not in gone] + plan.add
    return plan


def rule_lines(rules):
    """Rules as diff lines, IPv4 then IPv6, each in ufw's order."""
    return "".join(f"{rule.text}\n" for family in (IPV4, IPV6) for rule in rules if rule.family == family)


# ----------------------------------------------------------------- matching


def port_matches(spec, port):
    if spec == "any":
        return True
    try:
        return any(low <= port <= high for low, high in port_parts(spec))
    except ValueError:
        return False


def covers(net_text, ip):
    try:
        net = ipaddress.ip_network(net_text, strict=False)
    except ValueError:
        return False
    return net.version == ip.version and ip in net


def proto_matches(rule_proto, proto):
    return rule_proto == "any" or rule_proto == proto


def effective_ip(address):
    ip = ipaddress.ip_address(str(address).strip())
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def verdict_for(rules, ip, port, proto, policy):
    """What ufw does with a new connection from ``ip`` to ``port``: ``(action, rule)``.

    The first matching input rule decides; none matching leaves the default
    ``policy``. Conservative where ufw's answer depends on things not known
    here: a rule bound to an interface, a destination address, a source port
    or an application profile never counts as allowing, but does count as
    blocking.
    """
    family = IPV4 if ip.version == 4 else IPV6
    for rule in rules:
        if rule.family != family or rule.route or not rule.direction.startswith("in"):
            continue
        if not proto_matches(rule.proto, proto) or not port_matches(rule.dport, port) or not covers(rule.src, ip):
            continue
        narrow = rule.interface or rule.dst != ANY_NET[family] or rule.sport != "any" or rule.dapp or rule.sapp
        if rule.action in ALLOWING:
            if narrow:
                continue
            return rule.action, rule
        if narrow and rule.sport != "any":
            continue  # a deny for one client port does not stop a new connection
        return rule.action, rule
    return policy, None


def lockout_problem(rules, address, port, policy="deny", enabled=True):
    """A message if a new SSH connection from ``address`` to ``port`` would be dropped, else None."""
    if not enabled:
        return None
    try:
        ip = effective_ip(address)
    except ValueError:
        return f"controller address {address!r} is not an IP address"
    action, rule = verdict_for(rules, ip, port, "tcp", policy)
    if action in ALLOWING:
        return None
    why = f"the rule {rule.text!r} {action}s it" if rule else f"no rule allows it and the incoming policy is {action}"
    return (
        f"lockout guard: once applied, these rules would drop new SSH connections from the controller "
        f"({ip}) to port {port}/tcp: {why}. Nothing was changed. Allow a network that contains {ip} "
        "(ufw_allowlist_admin_networks, or an allow rule for the SSH port), or, if there is another way in, "
        "turn the guard off (ufw_allowlist_lockout_guard: false; module option lockout_guard: false)."
    )


# ------------------------------------------------------------ listen_audit


def listener_families(listener):
    """The address families a listening socket accepts connections over."""
    if listener["family"] == IPV4 or listener.get("mapped"):
        return (IPV4,)
    if listener["wildcard"]:
        return (IPV4, IPV6)  # :: may be dual-stack; /proc/net does not say
    return (IPV6,)


def allowed_sources(rules, port, proto, families, policy):
    """Sources a firewall lets reach ``port``/``proto``, as network strings.

    Walks ufw's first-match order: an allowing rule counts unless an earlier
    blocking rule already covers its whole source. The default ``policy``
    allow adds the everyone networks of the families.
    """
    allowed = []
    for family in families:
        blockers = []
        for rule in rules:
            if rule.family != family or rule.route or not rule.direction.startswith("in"):
                continue
            if not proto_matches(rule.proto, proto) or not port_matches(rule.dport, port):
                continue
            try:
                net = ipaddress.ip_network(rule.src, strict=False)
            except ValueError:
                continue
            if rule.action in ALLOWING:
                if not any(net.subnet_of(block) for block in blockers if block.version == net.version):
                    allowed.append(str(net))
            elif not rule.interface and rule.sport == "any" and rule.dst == ANY_NET[family]:
                blockers.append(net)
        if policy == "allow":
            everyone = ipaddress.ip_network(ANY_NET[family])
            if not any(everyone.subnet_of(block) for block in blockers):
                allowed.append(ANY_NET[family])
    return list(dict.fromkeys(allowed))


def classify_listener(listener, state):
    """``(exposure, allowed_from)`` of one listener given a FirewallState (None: no firewall)."""
    if listener["scope"] == LOOPBACK:
        return LOOPBACK, []
    families = listener_families(listener)
    if state is None or not state.enabled:
        return EVERYONE, [ANY_NET[family] for family in families]
    proto = "udp" if listener["protocol"].startswith("udp") else "tcp"
    # IPV6=no does not leave IPv6 unfiltered: ufw-init then drops every IPv6
    # packet but loopback's and loads neither user6.rules nor the policy.
    filtered = [family for family in families if family == IPV4 or state.ipv6]
    sources = allowed_sources(state.rules, listener["port"], proto, filtered, state.incoming)
    if not sources:
        return BLOCKED, []
    if any(source in (ANY4, ANY6) for source in sources):
        return EVERYONE, sources
    return ALLOWED, sources


def beyond_allowlist(listener, allowlist):
    """The sources of an exposed listener that its allowlist entry does not contain.

    ``allowlist`` maps (port, proto) to a list of networks; a listener on a
    port without an entry is not judged (returns []).
    """
    proto = "udp" if listener["protocol"].startswith("udp") else "tcp"
    allowed = allowlist.get((listener["port"], proto))
    if allowed is None or listener["exposure"] == LOOPBACK:
        return []
    nets = [ipaddress.ip_network(net, strict=False) for net in allowed]
    extra = []
    for source in listener["allowed_from"]:
        source_net = ipaddress.ip_network(source, strict=False)
        if not any(source_net.version == net.version and source_net.subnet_of(net) for net in nets):
            extra.append(source)
    return extra
