# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Redaction of log lines: secrets, e-mail addresses, private paths and (optionally) IP addresses.

Plain Python with no Ansible import: the log_shipping role's model checks
the settings with it on the controller, pytest tests it directly, and the
same file runs on the hosts as rsyslog's external message modifier
(``mmexternal``) or as a line filter (``omprog``, a pipe), see ``main``.

A pattern is data: ``{name, regex, replacement, hints, ignore_case}``.
``replacement`` is an ``re`` template (``\\g<1>`` keeps a group);
``hints`` are lower-case strings of which at least one must occur in the
lower-cased line for the pattern to be tried at all, which is what keeps
lines without secrets cheap (most lines of a log). A pattern without hints
is tried on every line. ``DEFAULT_PATTERNS`` is the tested default set; the
role adds the user's extra patterns after them (``compile_patterns`` checks
them), then the configured path prefixes and the optional IP truncation.

Every replacement carries the marker ``[REDACTED:NAME]`` so a reader of the
central logs knows something was there and which rule removed it.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import sys

MARK = "[REDACTED:{}]"

# The characters of a token: base64url, base64 and the separators keys use.
_TOKEN = r"[A-Za-z0-9_\-]"

# The names query strings, form bodies and JSON put secrets under.
SECRET_KEYS = (
    "access_token",
    "refresh_token",
    "id_token",
    "client_secret",
    "api_key",
    "apikey",
    "api-key",
    "x-api-key",
    "token",
    "key",
    "password",
    "passwd",
    "pwd",
    "secret",
    "sign",
    "signature",
    "sig",
    "auth",
    "session",
)

DEFAULT_PATTERNS = (
    {
        "name": "anthropic_key",
        "regex": r"\bsk-ant-" + _TOKEN + "{16,}",
        "replacement": MARK.format("anthropic_key"),
        "hints": ["sk-ant-"],
    },
    {
        "name": "openai_key",
        "regex": r"\bsk-(?:proj-|svcacct-|admin-)?" + _TOKEN + "{16,}",
        "replacement": MARK.format("openai_key"),
        "hints": ["sk-"],
    },
    {
        "name": "huggingface_token",
        "regex": r"\bhf_[A-Za-z0-9]{20,}",
        "replacement": MARK.format("huggingface_token"),
        "hints": ["hf_"],
    },
    {
        # Midjourney has no official API; the proxies in front of it take
        # "mj-..." keys or a secret in a header of their own.
        "name": "midjourney_key",
        "regex": r"\bmj-(?:api-)?" + _TOKEN + "{16,}",
        "replacement": MARK.format("midjourney_key"),
        "hints": ["mj-"],
    },
    {
        # A key in a header of its own: "mj-api-secret: ...", "x-api-key: ...".
        "name": "api_key_header",
        "regex": (
            r"\b((?:mj-api-secret|x-api-key|api-key|x-goog-api-key|openai-api-key)"
            r"[\"']?\s*[:=]\s*[\"']?)[^\s\"',;&]+"
        ),
        "replacement": r"\g<1>" + MARK.format("api_key_header"),
        "hints": ["api-key", "api-secret"],
        "ignore_case": True,
    },
    {
        "name": "bearer_token",
        "regex": r"\b(bearer\s+)[A-Za-z0-9._~+/=\-]{8,}",
        "replacement": r"\g<1>" + MARK.format("bearer_token"),
        "hints": ["bearer"],
        "ignore_case": True,
    },
    {
        "name": "basic_auth",
        "regex": r"\b(authori[sz]ation[\"']?\s*[:=]\s*[\"']?basic\s+)[A-Za-z0-9+/]+={0,2}",
        "replacement": r"\g<1>" + MARK.format("basic_auth"),
        "hints": ["basic"],
        "ignore_case": True,
    },
    {
        # user:password@ in a URL: the password goes, the user stays.
        "name": "url_password",
        "regex": r"\b([a-z][a-z0-9+.\-]*://[^/\s:@\"']+):[^@\s/\"']+@",
        "replacement": r"\g<1>:" + MARK.format("url_password") + "@",
        "hints": ["://"],
        "ignore_case": True,
    },
    {
        "name": "query_secret",
        "regex": r"((?<![A-Za-z0-9_.\-])(?:" + "|".join(re.escape(key) for key in SECRET_KEYS) + r")=)[^&\s\"'#;,]+",
        "replacement": r"\g<1>" + MARK.format("query_secret"),
        "hints": ["="],
        "ignore_case": True,
    },
    {
        "name": "email",
        # Unicode letters too: internationalised addresses.
        "regex": r"[\w.%+\-]+@[\w\-]+(?:\.[\w\-]+)*\.[^\W\d_]{2,}",
        "replacement": MARK.format("email"),
        "hints": ["@"],
    },
)

PATTERN_KEYS = ("name", "regex", "replacement", "hints", "ignore_case")
NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")

_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4 = re.compile(r"(?<![0-9A-Za-z.])(" + _OCTET + r"(?:\." + _OCTET + r"){2})\." + _OCTET + r"(?![0-9]|\.[0-9])")
# Candidates only; ipaddress decides.
_IPV6 = re.compile(r"(?<![0-9A-Fa-f:.])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![0-9A-Fa-f:])")


class RedactError(ValueError):
    """Settings no redactor is made of; ``problems`` names each bad one."""

    def __init__(self, problems):
        super().__init__("; ".join(problems))
        self.problems = list(problems)


def pattern_problems(patterns, label):
    """Every problem of a list of patterns, LABEL naming the variable (``log_shipping_redact_extra_patterns``)."""
    found = []
    if not isinstance(patterns, list):
        return [f"{label}: must be a list of {{name, regex, replacement}} entries"]
    names = {pattern["name"] for pattern in DEFAULT_PATTERNS}
    for index, pattern in enumerate(patterns):
        where = f"{label}[{index}]"
        if not isinstance(pattern, dict):
            found.append(f"{where}: must be a dict with name, regex and optionally replacement, hints, ignore_case")
            continue
        unknown = sorted(str(key) for key in set(pattern) - set(PATTERN_KEYS))
        if unknown:
            found.append(f"{where}: unknown key(s) {', '.join(unknown)}; the keys are {', '.join(PATTERN_KEYS)}")
        name = pattern.get("name")
        if not isinstance(name, str) or not NAME_RE.match(name):
            found.append(f"{where}.name: {name!r} is not a name; use lower-case letters, digits and _ (up to 40)")
        elif name in names:
            found.append(f"{where}.name: {name!r} is used twice (or by a default pattern); give each pattern its own")
        else:
            names.add(name)
        regex = pattern.get("regex")
        compiled = None
        if not isinstance(regex, str) or not regex:
            found.append(f"{where}.regex: is required (a Python regular expression)")
        else:
            try:
                compiled = re.compile(regex, re.IGNORECASE if pattern.get("ignore_case") else 0)
            except re.error as error:
                found.append(f"{where}.regex: {regex!r} is not a valid regular expression ({error}); fix or remove it")
            else:
                if compiled.search("") is not None:
                    found.append(f"{where}.regex: {regex!r} matches the empty string; make it match a secret only")
        replacement = pattern.get("replacement", MARK.format(name))
        if not isinstance(replacement, str):
            found.append(f"{where}.replacement: must be a string")
        elif compiled is not None:
            try:
                _check_template(compiled, replacement)
            except (re.error, IndexError) as error:
                found.append(f"{where}.replacement: {replacement!r} is not a valid replacement ({error})")
        hints = pattern.get("hints", [])
        if not isinstance(hints, list) or not all(isinstance(hint, str) and hint for hint in hints):
            found.append(f"{where}.hints: must be a list of non-empty strings (one of them must occur in a line)")
        if not isinstance(pattern.get("ignore_case", False), bool):
            found.append(f"{where}.ignore_case: must be true or false")
    return found


def _check_template(compiled, replacement):
    """Raise re.error or IndexError when REPLACEMENT refers to a group COMPILED does not have.

    The pattern, with an empty alternative added, matches the empty string
    with every group unset, so expanding the template checks its references.
    """
    try:
        probe = re.compile("(?:" + compiled.pattern + ")|", compiled.flags)
    except re.error:  # global inline flags: the pattern itself compiled, skip the probe
        return
    probe.match("").expand(replacement)


def path_problems(prefixes, label):
    """Every problem of the configured path prefixes."""
    if not isinstance(prefixes, list):
        return [f"{label}: must be a list of absolute directory paths"]
    return [
        f"{label}[{index}]: {prefix!r} is not an absolute directory path (like /root/workspace)"
        for index, prefix in enumerate(prefixes)
        if not isinstance(prefix, str) or not prefix.startswith("/") or prefix.rstrip("/") == "" or "\n" in prefix
    ]


class Redactor:
    """Applies the patterns in order to one line; ``redact(line)`` returns the new line."""

    def __init__(self, patterns=DEFAULT_PATTERNS, path_prefixes=(), truncate_ipv4=False, truncate_ipv6=False):
        self.rules = []
        for pattern in patterns:
            flags = re.IGNORECASE if pattern.get("ignore_case") else 0
            replacement = pattern.get("replacement", MARK.format(pattern["name"]))
            hints = tuple(hint.lower() for hint in pattern.get("hints", ()))
            self.rules.append((pattern["name"], hints, re.compile(pattern["regex"], flags).sub, replacement))
        prefixes = sorted({prefix.rstrip("/") for prefix in path_prefixes}, key=len, reverse=True)
        if prefixes:
            regex = "(?:" + "|".join(re.escape(prefix) for prefix in prefixes) + r")(?![^/\s\"'])"
            hints = tuple(prefix.lower() for prefix in prefixes)
            self.rules.append(("path", hints, re.compile(regex).sub, MARK.format("path")))
        if truncate_ipv4:
            self.rules.append(("ipv4", (".",), _IPV4.sub, r"\g<1>.0"))
        if truncate_ipv6:
            self.rules.append(("ipv6", (":",), _IPV6.sub, _truncate_ipv6))

    def redact(self, line):
        lower = line.lower()
        for _name, hints, sub, replacement in self.rules:
            if hints and not any(hint in lower for hint in hints):
                continue
            new = sub(replacement, line)
            if new is not line and new != line:
                line = new
                lower = line.lower()
        return line


def _truncate_ipv6(match):
    text = match.group(0)
    try:
        address = ipaddress.IPv6Address(text)
    except ValueError:
        return text
    return str(ipaddress.IPv6Network((int(address) >> 80 << 80, 48)).network_address)


def build(extra_patterns=(), path_prefixes=(), truncate_ipv4=False, truncate_ipv6=False, defaults=True):
    """A Redactor from the settings; raises RedactError naming each bad one."""
    found = pattern_problems(list(extra_patterns), "extra_patterns") + path_problems(
        list(path_prefixes), "path_prefixes"
    )
    if found:
        raise RedactError(found)
    patterns = (list(DEFAULT_PATTERNS) if defaults else []) + list(extra_patterns)
    return Redactor(patterns, path_prefixes, truncate_ipv4, truncate_ipv6)


def from_config(config):
    """A Redactor from the JSON configuration the role writes on the host."""
    return build(
        config.get("extra_patterns", ()),
        config.get("path_prefixes", ()),
        config.get("truncate_ipv4", False),
        config.get("truncate_ipv6", False),
        config.get("defaults", True),
    )


# ------------------------------------------------------------------ host side


def instance_id():
    """A new random ID for a run of the program: the first half of a sequence ID."""
    return os.urandom(8).hex()


def run_mmexternal(redactor, stdin, stdout, fulljson=True, sequence=None):
    """rsyslog's mmexternal protocol: one message a line in, one JSON reply a line out.

    In (interface.input): ``fulljson``, the message object as JSON (its
    ``msg`` is redacted; the only safe input for messages with line breaks),
    or ``msg``, the MSG part as a raw line. Out: ``{"msg": "..."}`` when the
    message changed, ``{}`` when it did not: mmexternal wants a reply per
    message, in order, with only the properties to change.

    With SEQUENCE (an instance ID), every reply also sets the message
    variable ``$!aiguard_seq`` to ``SEQUENCE-N``, N counting the messages
    from 1: with rsyslog's ``forceSingleInstance``, a per-host sequence ID
    that no other run of the program gives out.
    """
    number = 0
    for raw in stdin:
        text = raw.decode("utf-8", "replace").rstrip("\n")
        if fulljson:
            try:
                message = json.loads(text).get("msg", "")
            except (ValueError, AttributeError):
                message = ""
        else:
            message = text
        redacted = redactor.redact(message) if isinstance(message, str) else message
        reply = {"msg": redacted} if redacted != message else {}
        if sequence is not None:
            number += 1
            reply["$!"] = {"aiguard_seq": f"{sequence}-{number}"}
        stdout.write(json.dumps(reply, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n")
        stdout.flush()


def run_filter(redactor, stdin, stdout):
    """A line filter: each line of STDIN redacted onto STDOUT, flushed per line.

    Bytes that are not UTF-8 pass through unchanged (surrogateescape).
    """
    for raw in stdin:
        end = b"\n" if raw.endswith(b"\n") else b""
        line = raw[: len(raw) - len(end)].decode("utf-8", "surrogateescape")
        stdout.write(redactor.redact(line).encode("utf-8", "surrogateescape") + end)
        stdout.flush()


def main(argv=None, stdin=None, stdout=None):
    """The host command: ``aiguard-log-redact [--config FILE] {mmexternal [--input fulljson|msg] | filter}``."""
    import argparse

    parser = argparse.ArgumentParser(prog="aiguard-log-redact", description="Redact secrets from log lines.")
    parser.add_argument("--config", help="JSON settings: extra_patterns, path_prefixes, truncate_ipv4, truncate_ipv6")
    commands = parser.add_subparsers(dest="mode", required=True)
    external = commands.add_parser("mmexternal", help="rsyslog's external message modifier protocol")
    external.add_argument("--input", choices=["fulljson", "msg"], default="fulljson", help="mmexternal interface.input")
    external.add_argument("--sequence", action="store_true", help="set $!aiguard_seq to a per-host sequence ID")
    commands.add_parser("filter", help="stdin to stdout, line by line, flushed per line")
    args = parser.parse_args(argv)
    config = {}
    if args.config:
        with open(args.config, encoding="utf-8") as handle:
            config = json.load(handle)
    try:
        redactor = from_config(config)
    except RedactError as error:
        sys.stderr.write(f"aiguard-log-redact: bad configuration in {args.config}: {error}\n")
        return 2
    stdin = sys.stdin.buffer if stdin is None else stdin
    stdout = sys.stdout.buffer if stdout is None else stdout
    try:
        if args.mode == "mmexternal":
            sequence = instance_id() if args.sequence else None
            run_mmexternal(redactor, stdin, stdout, args.input == "fulljson", sequence)
        else:
            run_filter(redactor, stdin, stdout)
    except (BrokenPipeError, KeyboardInterrupt):
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
