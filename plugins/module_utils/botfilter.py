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

Every pattern is matched case-insensitively anywhere in the User-Agent: a
literal as a substring, a regex (``regex: true``) with search semantics.

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
    LIMIT,
    PRIVATE,
    USER,
    apply_allow,
    builtin_entries,
    dedupe,
    find_shadowed,
    normalize_paths,
    normalize_probe_paths,
    user_entries,
)
from ansible_collections.aiguard.hardening.plugins.module_utils.botfilter_fastpath import fast_path as compile_fast_path
from ansible_collections.aiguard.hardening.plugins.module_utils.botfilter_pack import (
    MAX_PARAMETER,
    pack,
    pack_alternation,
)


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
        # (regex, action) in the order of the nginx map: block before limit.
        self.ua_parts = []
        for action in ACTIONS:
            # Room for the named capture that wraps each part in the server include.
            self.ua_parts.extend((text, action) for text in self._compile_action(action, limit - 40))
        self.probe_parts = pack([(ascii_lower(path), "") for path in self.probe_paths], limit=limit)
        self.exempt_parts = [
            "^" + escape_literal(path) + ("" if path.endswith("/") else "$") for path in self.exempt_paths
        ]
        self._ua_regexes = [(re.compile(text, FLAGS), action) for text, action in self.ua_parts]
        self._probe_regexes = [re.compile(text, FLAGS) for text in self.probe_parts]
        self._exempt_regexes = [re.compile(text, re.ASCII) for text in self.exempt_parts]
        # Sound by construction: a family with any string a pattern matches is left out.
        self.fast_path_families, self.fast_path_dropped, self.fast_path_strings, self.fast_path = (
            compile_fast_path(self.ua_parts, self._match_ua_parts, limit) if fast_path else ([], [], 0, "")
        )
        self._fast_path_regex = re.compile(self.fast_path, re.ASCII) if self.fast_path else None

    def _compile_action(self, action, limit):
        entries = [entry for entry in self.active if entry.action == action]
        unanchored, anchored, free, names = [], [], [], {}
        for entry in entries:
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
        return (
            pack(unanchored, limit=limit, names=names)
            + pack(anchored, anchored=True, limit=limit, names=names)
            + pack_alternation(free, limit=limit, names=names)
        )

    def _match_ua_parts(self, user_agent):
        for regex, action in self._ua_regexes:
            if regex.search(user_agent):
                return action
        return ALLOW

    def in_fast_path(self, user_agent):
        return (
            bool(user_agent) and self._fast_path_regex is not None and bool(self._fast_path_regex.fullmatch(user_agent))
        )

    def classify_user_agent(self, user_agent):
        """block, limit or allow for a User-Agent alone (None: header missing)."""
        if not user_agent:
            return BLOCK
        if self.in_fast_path(user_agent):
            return ALLOW
        return self._match_ua_parts(user_agent)

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
            regex_parts=len(self.ua_parts),
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
        return render.render_http(self, limit_rate, snippet_dest, server_snippet_dest, class_entries)

    def render_server(self, block_status=444, dest=None, snippet_dest=None, return_on_drop=True):
        """The server-level include: the fast path, the drop reason and the probe locations."""
        return render.render_server(self, block_status, dest, snippet_dest, return_on_drop)

    def category(self, user_agent):
        """The category of the first active pattern matching ``user_agent``, as the class map gives it."""
        for entry in self.active:
            if entry.action == BLOCK and entry.parsed.compiled.search(user_agent or ""):
                return entry.category
        return None

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
