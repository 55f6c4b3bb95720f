# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Compile a bot and scanner filter into nginx ``map`` blocks.

Plain Python (stdlib only, no AnsibleModule) so that the bot_filter module,
the unit tests and host-side tools share it. This file holds the compiled
filter (``BotFilter``, ``build``, ``classify``); the jobs it puts together
each have a file of their own:

* botfilter_dialect: the pattern dialect, validated and split into branches;
* botfilter_entries: the built-in list, user patterns, allow, duplicates and
  shadowing, and the checks of probe and exempt paths;
* botfilter_pack: the trie that packs the branches into few regexes;
* botfilter_fastpath: the browser fast path;
* botfilter_device: the device path of Android browsers;
* botfilter_render: the nginx includes, and writing them;
* botfilter_data: the built-in lists and the browser families.

Semantics, the same in ``BotFilter.classify`` and in the generated nginx
configuration:

* a request whose User-Agent has the exact shape of a current browser (the
  fast path) is blocked only when its path starts with a probe path, matched
  case-sensitively as nginx matches a prefix location, and is otherwise
  allowed;
* any other request to an exempt path (the ACME challenge, a health check)
  is allowed;
* else an empty or missing User-Agent is blocked;
* else a user agent matched by a pattern whose action is ``block`` is blocked;
* else a request whose normalized path (``$uri``) contains a probe path,
  case-insensitively, is blocked;
* else a user agent matched by a pattern whose action is ``limit`` is
  rate-limited;
* everything else is allowed.

Every pattern is matched case-insensitively: a literal as a substring, a
regex (``regex: true``) with search semantics. User patterns and the generic
markers match anywhere in the User-Agent, the names of the built-in lists at
the start of a word (TOKEN_START). For a user agent in the device path
(botfilter_device) the patterns run on its device model with the model's
edges; that gives the same verdict, which the compiler checks.

How the cost of a request is kept low:

* fast path: one anchored regex of the commonest browser families over a
  window of versions, in an ``if`` in the server include; a match ends the
  server's rewrite directives with ``break``, so such a request runs no
  other check. With ``pcre_jit on`` it costs about a thousand
  instructions. Every string a family accepts is listed and checked against
  the merged patterns; a family with a match is left out, so the fast path
  never allows what the patterns would block;
* probe paths at the start of the path are prefix locations, which nginx
  finds in its static location tree at almost no cost;
* otherwise a few merged regexes run in ``if`` blocks straight on the
  User-Agent (no map: a map lowercases and hashes the whole value first):
  the literals (and the literal prefixes of regexes) are factored into a
  trie, like Regexp::Assemble, and a node with many branches is guarded by
  a lookahead class. Each regex stays below nginx's 4096-byte limit on one
  configuration parameter ("too long parameter"). The category of the
  pattern that matched comes from a map that only a dropped request reads.

A request that matches a pattern and a probe path is dropped as ``probe``:
the probe checks come last, so a server that lets token holders through
(``return_on_drop`` off) still drops their probes.

The dialect's limits (no capturing group, what is refused) are in
botfilter_dialect.
"""

from __future__ import annotations

import re

from ansible_collections.aiguard.hardening.plugins.module_utils import botfilter_data as data
from ansible_collections.aiguard.hardening.plugins.module_utils import botfilter_render as render
from ansible_collections.aiguard.hardening.plugins.module_utils.botfilter_device import (
    device_path,
    edge_problem,
    python_regex,
)
from ansible_collections.aiguard.hardening.plugins.module_utils.botfilter_dialect import (
    FLAGS,
    ascii_lower,
    escape_literal,
)
from ansible_collections.aiguard.hardening.plugins.module_utils.botfilter_entries import (
    ACTIONS,
    ALLOW,
    BLOCK,
    BUILTIN,
    GENERIC,
    LIMIT,
    PRIVATE,
    USER,
    apply_allow,
    at_word_start,
    builtin_entries,
    dedupe,
    find_shadowed,
    normalize_paths,
    normalize_probe_paths,
    user_entries,
)
from ansible_collections.aiguard.hardening.plugins.module_utils.botfilter_fastpath import DEVICE
from ansible_collections.aiguard.hardening.plugins.module_utils.botfilter_fastpath import fast_path as compile_fast_path
from ansible_collections.aiguard.hardening.plugins.module_utils.botfilter_pack import (
    MAX_PARAMETER,
    pack,
    pack_alternation,
    regex_parameter,
)

# Where a built-in name may start: the start of the user agent or after one of
# these characters. Checked against the crawler data set: the names of the
# built-in lists start there in all but 2 of its 2,123 user agents.
TOKEN_START = r"(?<![^ ()\[\];,+/_.:=~'\"-])"
token_start = at_word_start


_DIGIT_FREE_CLASS = re.compile(r"\[(?!\^)(?:\\.|[^\]\\])*\]")


def _may_match_a_digit(regex):
    """Whether a regex part could match an ASCII digit (conservative)."""
    if re.search(r"\\[dDwWsSHhVvNXCR]|\[\^|[0-9]", regex):
        return True
    classes = _DIGIT_FREE_CLASS.findall(regex)
    if any(re.search(r"[0-9]|\\d|\\w", body) for body in classes):
        return True
    plain = re.sub(r"\\.", "", _DIGIT_FREE_CLASS.sub("", regex))
    return "." in plain


def merge_entries(entries, limit):
    """The merged regexes matching where one of ``entries`` matches, each within ``limit``.

    The built-in names match at the start of a word (TOKEN_START): a cheap
    lookbehind then rejects most positions of a user agent before the trie
    is tried. Generic markers and user patterns match anywhere.
    """
    parts = []
    for at_token in (False, True):
        group = [entry for entry in entries if token_start(entry) is at_token]
        unanchored, anchored, free, names = [], [], [], {}
        for entry in group:
            for is_anchored, prefix, tail in entry.parsed.branches:
                names.setdefault((prefix, tail), entry.name)
                if is_anchored:
                    anchored.append((prefix, tail))
                elif prefix:
                    unanchored.append((prefix, tail))
                else:
                    names.setdefault(tail, entry.name)
                    free.append(tail)
        free = list(dict.fromkeys(free))
        # The wrapper's size as nginx reads it: nginx_string escapes its " and \\.
        wrapper = len(regex_parameter(TOKEN_START + "(?:)")) - len(regex_parameter(""))
        room = limit - wrapper if at_token else limit
        merged = pack(unanchored, limit=room, names=names) + pack_alternation(free, limit=room, names=names)
        # Each part is an if of its own, with a fixed cost: join the small ones.
        merged = pack_alternation(merged, limit=room)
        if at_token:
            merged = [TOKEN_START + "(?:" + text + ")" for text in merged]
        parts += merged + pack(anchored, anchored=True, limit=limit, names=names)
    return pack_alternation(parts, limit=limit) if len(parts) > 1 else parts


# The order in which the category map tries the categories: the most telling first.
CATEGORY_ORDER = (
    "ai",
    "scanner",
    "automation",
    "library",
    "seo",
    "search",
    "preview",
    "monitoring",
    "advertising",
    "feed",
    "archive",
    "academic",
    GENERIC,
)


def category_regexes(entries, limit=MAX_PARAMETER - 10):
    """``[(category, regex)]`` of the category map, in CATEGORY_ORDER, over all ``entries`` (shadowed ones too)."""
    found = []
    for category in CATEGORY_ORDER:
        members = [entry for entry in entries if entry.category == category]
        found += [(category, text) for text in merge_entries(members, limit)]
    return found


class BotFilter:
    """The merged filter: what the nginx maps hold, and a classifier over it."""

    def __init__(
        self,
        entries,
        probe_paths,
        duplicates=(),
        shadowed=(),
        unmatched_allow=(),
        fast_path=True,
        limit=MAX_PARAMETER,
        exempt_paths=(),
        reserved_locations=(),
        policy=PRIVATE,
    ):
        self.policy = policy
        self.entries = list(entries)
        self.duplicates = list(duplicates)
        self.shadowed = list(shadowed)
        self.unmatched_allow = list(unmatched_allow)
        self.probe_paths = list(probe_paths)
        self.exempt_paths = normalize_paths(exempt_paths)
        self.reserved_locations = normalize_paths(reserved_locations, "reserved location")
        # Probe paths that get a prefix location of their own in the server snippet.
        self.probe_locations = [path for path in self.probe_paths if path not in self.reserved_locations]
        # The server's own locations that compete with them: exact ones and prefixes.
        self._exact_locations = {path for path in self.exempt_paths if not path.endswith("/")}
        self._prefix_locations = self.reserved_locations + [path for path in self.exempt_paths if path.endswith("/")]
        gone = {id(entry) for entry, _by in self.shadowed}
        self.active = [entry for entry in self.entries if id(entry) not in gone]
        # The device path runs the patterns on an Android browser's device model
        # alone; the few patterns that could match across its edges
        # (botfilter_device.edge_problem) run on the whole user agent instead:
        # edge_parts, on $http_user_agent in the server include.
        edgy = {id(entry) for entry in self.active if edge_problem([entry])} if fast_path else set()
        # (regex, action): block before limit, each with room to spare under nginx's limit.
        self.ua_parts = self._compile_parts([e for e in self.active if id(e) not in edgy], limit - 40)
        self.edge_parts = self._compile_parts([e for e in self.active if id(e) in edgy], limit - 40)
        self.probe_parts = pack([(ascii_lower(path), "") for path in self.probe_paths], limit=limit)
        self.exempt_parts = [
            "^" + escape_literal(path) + ("" if path.endswith("/") else "$") for path in self.exempt_paths
        ]
        self._ua_regexes = [(re.compile(text, FLAGS), action) for text, action in self.ua_parts]
        self._edge_regexes = [(re.compile(text, FLAGS), action) for text, action in self.edge_parts]
        self._probe_regexes = [re.compile(text, FLAGS) for text in self.probe_parts]
        self._exempt_regexes = [re.compile(text, re.ASCII) for text in self.exempt_parts]
        # Sound by construction: a family with any string a pattern matches is left out.
        self.fast_path_families, self.fast_path_dropped, self.fast_path_strings, self.fast_path = (
            compile_fast_path(self.ua_parts + self.edge_parts, self._match_whole, limit, self._digit_literals())
            if fast_path
            else ([], [], 0, "")
        )
        self._fast_path_regex = re.compile(self.fast_path, re.ASCII) if self.fast_path else None
        # The device path: Android browsers checked on their device model alone.
        self.device_path, dropped = (
            device_path(
                [e for e in self.active if id(e) not in edgy],
                self.ua_parts + self.edge_parts,
                self._match_whole,
                self._digit_literals(),
            )
            if fast_path
            else ("", None)
        )
        if dropped is not None:
            self.fast_path_dropped.append(dropped)
        self._device_regex = python_regex(self.device_path)
        self._category_regexes = None

    def _compile_parts(self, entries, limit):
        return [(text, action) for action in ACTIONS for text in self._compile_action(entries, action, limit)]

    def _compile_action(self, entries, action, limit):
        return merge_entries([entry for entry in entries if entry.action == action], limit)

    def _digit_literals(self):
        """The literals that could overlap a digit run of a fast-path family, for its symbolic check.

        The literal prefixes with a digit, and the prefix of every branch
        whose regex tail could match a digit (a match then holds the prefix
        and may go on into a digit run). A branch without a prefix whose
        regex could match a digit gives "", which every family contains: the
        families with digit runs are then left out.
        """
        found = set()
        for entry in self.active:
            for _anchored, prefix, tail in entry.parsed.branches:
                if any(char.isdigit() for char in prefix) or (tail and _may_match_a_digit(tail)):
                    found.add(prefix)
        return sorted(found)

    @staticmethod
    def _match(regexes, subject):
        for regex, action in regexes:
            if regex.search(subject):
                return action
        return ALLOW

    def _match_ua_parts(self, user_agent, subject=None):
        """block, limit or allow by the merged regexes: ua_parts on ``subject`` (default: the user agent), edge_parts
        on the whole user agent; block wins over limit."""
        found = {
            self._match(self._ua_regexes, user_agent if subject is None else subject),
            self._match(self._edge_regexes, user_agent),
        }
        return BLOCK if BLOCK in found else LIMIT if LIMIT in found else ALLOW

    def _match_whole(self, user_agent):
        return self._match_ua_parts(user_agent)

    def in_fast_path(self, user_agent):
        return (
            bool(user_agent) and self._fast_path_regex is not None and bool(self._fast_path_regex.fullmatch(user_agent))
        )

    def subject(self, user_agent):
        """What the merged patterns run on: the device model of a user agent in the device path, else all of it."""
        found = self._device_regex.fullmatch(user_agent) if self._device_regex is not None and user_agent else None
        return found.group(DEVICE) if found else user_agent

    def in_device_path(self, user_agent):
        return self.subject(user_agent) != user_agent

    def classify_user_agent(self, user_agent):
        """block, limit or allow for a User-Agent alone (None: header missing)."""
        if not user_agent:
            return BLOCK
        if self.in_fast_path(user_agent):
            return ALLOW
        return self._match_ua_parts(user_agent, self.subject(user_agent))

    def is_probe(self, uri):
        """True if the path contains a probe path (case-insensitive), as the http include checks."""
        return any(regex.search(uri) for regex in self._probe_regexes)

    def is_exempt(self, uri):
        return any(regex.match(uri) for regex in self._exempt_regexes)

    def classify(self, user_agent, uri="/"):
        """block, limit or allow, as the generated nginx configuration decides.

        ``uri`` is the normalized path, as nginx's ``$uri``: decoded, without
        the query string. A browser in the fast path is only checked against
        the probe locations (a probe path at the start of the path, matched
        case-sensitively, as nginx matches a prefix location); any other
        request outside the exempt paths against every pattern and every
        probe path, anywhere in the path.
        """
        in_probe_location = self.in_probe_location(uri)
        if self.in_fast_path(user_agent) or self.is_exempt(uri):
            return BLOCK if in_probe_location else ALLOW
        verdict = self.classify_user_agent(user_agent)
        if verdict == BLOCK or in_probe_location or self.is_probe(uri):
            return BLOCK
        return verdict

    def in_probe_location(self, uri):
        """True if nginx picks one of the server snippet's probe locations for ``uri``.

        nginx takes an exact location first, else the longest prefix: a
        location of the server longer than the probe path wins over it.
        """
        if uri in self._exact_locations:
            return False
        best = max((path for path in self.probe_locations if uri.startswith(path)), key=len, default=None)
        if best is None:
            return False
        return not any(len(path) > len(best) and uri.startswith(path) for path in self._prefix_locations)

    def matching_entries(self, user_agent):
        """The entries matching a user agent, each tested on its own."""
        return [entry for entry in self.entries if entry.parsed.compiled.search(user_agent or "")]

    @property
    def counts(self):
        return dict(
            patterns=len(self.entries),
            builtin=sum(1 for entry in self.entries if entry.source == BUILTIN),
            user=sum(1 for entry in self.entries if entry.source == USER),
            block=sum(1 for entry in self.entries if entry.action == BLOCK),
            limit=sum(1 for entry in self.entries if entry.action == LIMIT),
            literals=sum(1 for entry in self.entries if entry.parsed.literal is not None),
            regexes=sum(1 for entry in self.entries if entry.parsed.literal is None),
            duplicates=len(self.duplicates),
            shadowed=len(self.shadowed),
            probe_paths=len(self.probe_paths),
            probe_locations=len(self.probe_locations),
            exempt_paths=len(self.exempt_paths),
            fast_path_families=len(self.fast_path_families),
            fast_path_dropped=len(self.fast_path_dropped),
            fast_path_user_agents=self.fast_path_strings,
            regex_parts=len(self.ua_parts) + len(self.edge_parts),
            probe_parts=len(self.probe_parts),
        )

    def summary(self):
        c = self.counts
        return (
            f"{c['patterns']} user-agent patterns ({c['block']} block, {c['limit']} limit; {c['builtin']} built-in,"
            f" {c['user']} user; {c['shadowed']} shadowed), {c['probe_paths']} probe paths;"
            f" fast path: {c['fast_path_families']} browser families, {c['fast_path_user_agents']} user agents;"
            f" {c['regex_parts']} merged user-agent regexes, {c['probe_parts']} probe regexes"
        )

    def render_http(self, limit_rate="30r/m", snippet_dest=None, server_snippet_dest=None, class_entries=None):
        """The http-level include: the category map of drops and the zone of rate-limited user agents."""
        regexes = category_regexes(self.entries if class_entries is None else class_entries)
        return render.render_http(self, limit_rate, snippet_dest, server_snippet_dest, regexes)

    def render_server(self, block_status=444, dest=None, snippet_dest=None, return_on_drop=True):
        """The server-level include: the fast path, the drop reason and the probe locations."""
        return render.render_server(self, block_status, dest, snippet_dest, return_on_drop)

    def category(self, user_agent):
        """What the category map says of ``user_agent``: the first category in CATEGORY_ORDER with a pattern that
        matches it (shadowed patterns too), else "user"."""
        if self._category_regexes is None:
            self._category_regexes = [
                (category, re.compile(text, FLAGS)) for category, text in category_regexes(self.entries)
            ]
        found = next((category for category, regex in self._category_regexes if regex.search(user_agent or "")), None)
        return found or "user"

    def render_snippet(self, limit_burst=5, dest=None):
        """The location-level include: the rate limit of user agents whose action is limit."""
        return render.render_snippet(self, limit_burst, dest)


def build(
    builtin=True,
    patterns=None,
    allow=None,
    probe_paths=None,
    builtin_probe_paths=True,
    fast_path=True,
    limit=MAX_PARAMETER,
    exempt_paths=None,
    reserved_locations=None,
    policy=PRIVATE,
):
    """Validate the inputs and compile them into a BotFilter for ``policy``.

    Raises BotFilterError naming the offending input.
    """
    entries = (builtin_entries(policy) if builtin else []) + user_entries(patterns)
    entries, unmatched = apply_allow(entries, allow)
    entries, duplicates = dedupe(entries)
    shadowed = find_shadowed(entries)
    paths = normalize_probe_paths(
        (list(data.BUILTIN_PROBE_PATHS) if builtin_probe_paths else []) + list(probe_paths or [])
    )
    return BotFilter(
        entries,
        paths,
        duplicates,
        shadowed,
        unmatched,
        fast_path=fast_path,
        limit=limit,
        exempt_paths=exempt_paths,
        reserved_locations=reserved_locations,
        policy=policy,
    )


_DEFAULT = []


def classify(user_agent, uri="/", bot_filter=None):
    """Classify one request with ``bot_filter``, by default the built-in lists."""
    if bot_filter is None:
        if not _DEFAULT:
            _DEFAULT.append(build())
        bot_filter = _DEFAULT[0]
    return bot_filter.classify(user_agent, uri)
