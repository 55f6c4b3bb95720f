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
    """A new random ID: the first half of a sequence ID."""
    return os.urandom(8).hex()


class Sequencer:
    """Per-host sequence IDs, ``KEY-N``, that stay the same when a line is handed over again.

    A line of a file (rsyslog's ``imfile`` with ``addMetadata``, which sets
    ``$!metadata!filename`` and ``$!metadata!fileoffset``) gets KEY, a random
    ID of the file's current generation, and N, its byte offset plus one.
    When rsyslog dies (``kill -9``) and ``imfile`` reads lines again from its
    last saved position, they get the IDs they had, so the collector, which
    keeps the highest N per KEY, stores them once.

    A generation ends when the file is rotated, truncated or replaced: within
    a run, a line at an offset not above the last one; at the first line
    after a start, a file whose inode, first bytes (up to 64) or size (below
    the highest offset seen) differ from the saved state. The state (one
    JSON file) is written at once when a generation starts and otherwise at
    most every ``save_interval`` seconds; a lost state file only starts new
    generations (lines may then be stored twice, never dropped).

    Any other line (the journal) gets ``INSTANCE-N``, INSTANCE new at each
    start of the program and N counting from 1.

    Each ID comes with the number of the line before it (see ``file_line``):
    rsyslog does not always hand lines over in order (a batch that failed
    when rsyslog stops goes back to the end of its queue), so the collector
    cannot take "at or below the highest number" for "stored".
    """

    HEAD = 64

    def __init__(self, state_path=None, save_interval=0.5, clock=None):
        import time

        self.clock = clock or time.monotonic
        self.path = state_path
        self.save_interval = save_interval
        self.instance = instance_id()
        self.counter = 0
        self.files = {}
        self.last = {}
        self.saved_at = None
        self.dirty = False
        if state_path:
            try:
                with open(state_path, encoding="utf-8") as handle:
                    files = json.load(handle).get("files", {})
                self.files = {name: entry for name, entry in files.items() if self._valid(entry)}
            except (OSError, ValueError, AttributeError):
                self.files = {}

    @staticmethod
    def _valid(entry):
        return (
            isinstance(entry, dict)
            and isinstance(entry.get("key"), str)
            and re.match(r"^[0-9a-f]{16}$", entry["key"]) is not None
            and all(isinstance(entry.get(field), int) for field in ("ino", "head_len", "max"))
            and isinstance(entry.get("head"), str)
        )

    def __call__(self, message):
        """(ID, PREV) of MESSAGE, rsyslog's message object (``fulljson``): see ``file_line``."""
        meta = message.get("$!") if isinstance(message, dict) else None
        meta = meta.get("metadata") if isinstance(meta, dict) else None
        if isinstance(meta, dict):
            name, offset = meta.get("filename"), meta.get("fileoffset")
            if isinstance(name, str) and name and isinstance(offset, str) and offset.isdigit():
                return self.file_line(name, int(offset))
        self.counter += 1
        return f"{self.instance}-{self.counter}", self.counter - 1

    def _previous_line(self, name, offset):
        """The offset of the line before the one at OFFSET of file NAME, -1 for the first; None if unknown."""
        if offset == 0:
            return -1
        try:
            with open(name, "rb") as handle:
                end = offset - 1
                while end > 0:
                    start = max(0, end - 65536)
                    handle.seek(start)
                    chunk = handle.read(end - start)
                    found = chunk.rfind(b"\n")
                    if found >= 0:
                        return start + found + 1
                    end = start
                return 0
        except OSError:
            return None

    def _identity(self, name):
        try:
            with open(name, "rb") as handle:
                info = os.fstat(handle.fileno())
                head = handle.read(self.HEAD)
        except OSError:
            return None
        return info.st_ino, info.st_size, head

    def _new_generation(self, name, identity):
        ino, _size, head = identity if identity else (0, 0, b"")
        entry = {"key": instance_id(), "ino": ino, "head": head.hex(), "head_len": len(head), "max": 0}
        self.files[name] = entry
        self.save(force=True)
        return entry

    def _same_file(self, entry, identity):
        if entry is None or identity is None:
            return False
        ino, size, head = identity
        return ino == entry["ino"] and size >= entry["max"] and head[: entry["head_len"]].hex() == entry["head"]

    def file_line(self, name, offset):
        """(ID, PREV) of the line at OFFSET of file NAME.

        PREV is the number of the line before it (0 before the first), so the
        collector can tell that it holds every line of a generation up to
        one, whatever the order they came in: within a run it is the line
        handed over before; for the first line of a run, or of a generation
        that does not start at offset 0, the file is read back to the line
        before (None when it cannot be read).
        """
        last = self.last.get(name)
        entry = self.files.get(name)
        previous = last
        if last is None:
            if not self._same_file(entry, self._identity(name)):
                entry = self._new_generation(name, self._identity(name))
            previous = self._previous_line(name, offset)
        elif offset <= last:
            entry = self._new_generation(name, self._identity(name))
            previous = self._previous_line(name, offset)
        self.last[name] = offset
        if offset > entry["max"]:
            entry["max"] = offset
            self.dirty = True
            self.save()
        return f"{entry['key']}-{offset + 1}", None if previous is None else previous + 1

    def save(self, force=False):
        """Write the state when it changed (FORCE: now, else at most every save_interval seconds)."""
        if not self.path or not (force or self.dirty):
            return
        now = self.clock()
        if not force and self.saved_at is not None and now - self.saved_at < self.save_interval:
            return
        temporary = self.path + ".new"
        with open(temporary, "w", encoding="utf-8") as handle:
            json.dump({"files": self.files}, handle, separators=(",", ":"))
        os.replace(temporary, self.path)
        self.saved_at, self.dirty = now, False


def run_mmexternal(redactor, stdin, stdout, fulljson=True, sequencer=None):
    """rsyslog's mmexternal protocol: one message a line in, one JSON reply a line out.

    In (interface.input): ``fulljson``, the message object as JSON (its
    ``msg`` is redacted; the only safe input for messages with line breaks),
    or ``msg``, the MSG part as a raw line. Out: ``{"msg": "..."}`` when the
    message changed, ``{}`` when it did not: mmexternal wants a reply per
    message, in order, with only the properties to change.

    With SEQUENCER (a ``Sequencer``; it needs ``fulljson``), every reply also
    sets the message variables ``$!aiguard_seq`` to the line's sequence ID
    and ``$!aiguard_prev`` to the number of the line before it (empty when
    unknown): with rsyslog's ``forceSingleInstance`` one program numbers
    every line.
    """
    for raw in stdin:
        message = None
        if fulljson:
            try:
                message = json.loads(raw)
            except ValueError:
                message = None
            text = message.get("msg", "") if isinstance(message, dict) else ""
        else:
            text = raw.decode("utf-8", "replace").rstrip("\n")
        redacted = redactor.redact(text) if isinstance(text, str) else text
        reply = {"msg": redacted} if redacted != text else {}
        if sequencer is not None:
            seq, prev = sequencer(message)
            reply["$!"] = {"aiguard_seq": seq, "aiguard_prev": "" if prev is None else str(prev)}
        stdout.write(json.dumps(reply, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n")
        stdout.flush()
    if sequencer is not None:
        sequencer.save(force=True)


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
    external.add_argument("--state", help="the sequence IDs' state file (kept across restarts)")
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
            sequencer = Sequencer(args.state) if args.sequence else None
            run_mmexternal(redactor, stdin, stdout, args.input == "fulljson", sequencer)
        else:
            run_filter(redactor, stdin, stdout)
    except (BrokenPipeError, KeyboardInterrupt):
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
