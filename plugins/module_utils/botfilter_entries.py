# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The bot filter's entries: the built-in list, user patterns, allow, duplicates, shadowing.

An entry is a pattern (botfilter_dialect.Pattern) with its name, its action
(block or limit) and its source (the built-in list or the user's patterns).
Also here: the checks of probe paths, exempt paths and reserved locations.
"""

from __future__ import annotations

import re

from ansible_collections.aiguard.hardening.plugins.module_utils import botfilter_catalog as catalog
from ansible_collections.aiguard.hardening.plugins.module_utils import botfilter_data as data
from ansible_collections.aiguard.hardening.plugins.module_utils.botfilter_dialect import (
    BotFilterError,
    Pattern,
    ascii_lower,
)

BLOCK = "block"
LIMIT = "limit"
ALLOW = "allow"
ACTIONS = (BLOCK, LIMIT)
BUILTIN = "builtin"
USER = "user"

# Policies: what a site's filter drops. ``private`` drops everything that
# identifies as automated (every category of the built-in lists and the
# generic markers); ``public`` lets search engines, previews, monitors and
# feed readers through and drops AI crawlers and agents, SEO crawlers (the
# bad bots) and scanners. A user pattern applies to every policy.
PRIVATE = "private"
PUBLIC = "public"
POLICIES = (PRIVATE, PUBLIC)
PUBLIC_DROPS = frozenset({"ai", "seo", "scanner"})
GENERIC = "generic"


class Entry:
    """A pattern with its name, action and source."""

    def __init__(self, name, pattern, regex=False, action=BLOCK, source=USER, category=USER):
        if action not in ACTIONS:
            raise BotFilterError(f"pattern {name!r}: action must be block or limit, not {action!r}")
        if not isinstance(name, str) or not name.strip():
            raise BotFilterError(f"pattern {pattern!r} has an empty name; give each pattern a name")
        self.name = name
        self.pattern = pattern
        self.regex = bool(regex)
        self.action = action
        self.source = source
        self.category = category
        self.parsed = Pattern(name, pattern, self.regex)

    def as_dict(self):
        return dict(
            name=self.name,
            pattern=self.pattern,
            regex=self.regex,
            action=self.action,
            source=self.source,
            category=self.category,
        )

    def describe(self):
        return f"{self.name!r} ({self.source}, {self.action})"


def builtin_rows(policy=PRIVATE):
    """The built-in ``(name, pattern, regex, category)`` rows a policy drops."""
    if policy not in POLICIES:
        raise BotFilterError(f"policy must be one of {', '.join(POLICIES)}, not {policy!r}")
    rows = list(catalog.CATALOG) + list(data.PROJECT_PATTERNS)
    if policy == PUBLIC:
        return [row for row in rows if row[3] in PUBLIC_DROPS]
    return rows + [
        (name, pattern, regex, data.MARKER_CATEGORIES.get(name, GENERIC))
        for name, pattern, regex in data.GENERIC_MARKERS
    ]


def is_marker(entry):
    """Whether ``entry`` is one of the generic markers (they match anywhere in a user agent)."""
    return entry.source == BUILTIN and entry.name in _MARKER_NAMES


_MARKER_NAMES = frozenset(name for name, _pattern, _regex in data.GENERIC_MARKERS)


def builtin_entries(policy=PRIVATE):
    return [
        Entry(name, pattern, regex, BLOCK, BUILTIN, category) for name, pattern, regex, category in builtin_rows(policy)
    ]


def user_entries(patterns):
    entries = []
    for index, item in enumerate(patterns or []):
        if not isinstance(item, dict) or not item.get("name") or not item.get("pattern"):
            raise BotFilterError(f"patterns[{index}] needs a name and a pattern, got {item!r}")
        entries.append(
            Entry(item["name"], item["pattern"], item.get("regex", False), item.get("action") or BLOCK, USER, USER)
        )
    return entries


def apply_allow(entries, allow):
    """Drop the built-in entries whose name or pattern is in ``allow``.

    Returns ``(kept, unmatched)``, unmatched being the allow items that
    matched no built-in entry.
    """
    wanted = {ascii_lower(item): item for item in allow or []}
    used = set()
    kept = []
    for entry in entries:
        keys = {ascii_lower(entry.name), ascii_lower(entry.pattern)}
        hit = keys & set(wanted)
        if entry.source == BUILTIN and hit:
            used |= hit
            continue
        kept.append(entry)
    return kept, [item for key, item in wanted.items() if key not in used]


def dedupe(entries):
    """Keep one entry per key, the later one; report each duplicate."""
    by_key, order, duplicates = {}, [], []
    for entry in entries:
        key = entry.parsed.key
        earlier = by_key.get(key)
        if earlier is None:
            order.append(key)
        else:
            duplicates.append(
                dict(
                    name=entry.name,
                    pattern=entry.pattern,
                    source=entry.source,
                    duplicate_of=earlier.name,
                    message=(
                        f"pattern {entry.describe()} matches exactly what {earlier.describe()} matches;"
                        f" the later one is used, with action {entry.action}"
                    ),
                )
            )
        by_key[key] = entry
    return [by_key[key] for key in order], duplicates


# A literal behind a negative lookbehind of literal text, like the generic
# marker (?<!cu)bot (bot, but not the CUBOT phones).
_GUARDED = re.compile(r"^\(\?<!([A-Za-z0-9 ._/-]+)\)([A-Za-z0-9 ._/-]+)$")


def _guarded_covers(outer, inner_literal):
    """True if ``outer``, a guarded literal, matches inside ``inner_literal`` whatever surrounds it.

    The lookbehind then only looks at characters of the literal itself, or
    the characters of the literal it does look at already differ from the
    guard (``(?<!cu)bot`` in ``dbot``: "d" is not the "u" of "cu").
    """
    found = _GUARDED.match(outer.pattern) if outer.regex else None
    if found is None:
        return False
    guard = found.group(1).lower()
    for match in outer.parsed.compiled.finditer(inner_literal):
        seen = match.start()
        if seen >= len(guard) or (seen and guard[len(guard) - seen :] != inner_literal[:seen].lower()):
            return True
    return False


# Where a built-in name may start (botfilter.TOKEN_START): the start of the
# user agent or after one of these characters.
TOKEN_CHARS = " ()[];,+/_.:=~'\"-"


def at_word_start(entry):
    """Whether ``entry`` matches at the start of a word only: the built-in names, not the generic markers."""
    return entry.source == BUILTIN and not is_marker(entry)


def _starts(outer, text):
    """Where ``outer`` (a literal or a regex without assertions) matches in ``text``."""
    if outer.parsed.literal is not None:
        return [index for index in range(len(text)) if text.startswith(outer.parsed.literal, index)]
    return [match.start() for match in outer.parsed.compiled.finditer(text)]


def _found_in(outer, text, inner):
    """True if ``outer`` matches inside ``text`` (a literal ``inner`` always holds) wherever ``text`` is.

    An outer that matches at word starts only must find a word start inside
    ``text``, or at its start when ``inner`` also matches at word starts only.
    """
    for start in _starts(outer, text):
        if not at_word_start(outer):
            return True
        if (start and text[start - 1] in TOKEN_CHARS) or (not start and at_word_start(inner)):
            return True
    return False


def _covers(outer, inner):
    """True if every user agent ``inner`` matches is matched by ``outer``."""
    inner_literal = inner.parsed.literal
    outer_literal = outer.parsed.literal
    if inner_literal is not None:
        if outer_literal is not None:
            return _found_in(outer, inner_literal, inner)
        if _guarded_covers(outer, inner_literal):
            return True
        # Without anchors, \b or lookarounds a regex matching inside the
        # literal matches inside any user agent containing it.
        return not outer.parsed.assertions and _found_in(outer, inner_literal, inner)
    if outer_literal is not None:
        return all(_found_in(outer, prefix, inner) for _anchored, prefix, _tail in inner.parsed.branches)
    return all(prefix and _guarded_covers(outer, prefix) for _anchored, prefix, _tail in inner.parsed.branches)


def _dominates(outer, inner):
    return outer.action == BLOCK or inner.action == LIMIT


def find_shadowed(entries):
    """Entries that can never change a verdict because another one covers them.

    Returns a list of ``(shadowed, by)`` pairs. Detected: a literal inside
    another literal (``bot`` shadows ``Googlebot``), a regex without
    assertions matching inside a literal, and a literal inside every literal
    prefix of a regex. A ``block`` entry shadows any entry it covers, a
    ``limit`` entry only ``limit`` entries.
    """
    literals = {}
    for entry in entries:
        if entry.parsed.literal is not None:
            literals.setdefault(entry.parsed.literal, entry)
    lengths = sorted({len(text) for text in literals})
    free_regexes = [
        e
        for e in entries
        if e.parsed.literal is None and (not e.parsed.assertions or (e.regex and _GUARDED.match(e.pattern)))
    ]
    shadowed, gone = [], set()
    for entry in entries:
        texts = (
            [entry.parsed.literal]
            if entry.parsed.literal is not None
            else [min((prefix for _a, prefix, _t in entry.parsed.branches), key=len)]
        )
        candidates = []
        for text in texts:
            for length in lengths:
                for start in range(len(text) - length + 1):
                    other = literals.get(text[start : start + length])
                    if other is not None:
                        candidates.append(other)
        if entry.parsed.literal is not None or all(prefix for _a, prefix, _t in entry.parsed.branches):
            candidates.extend(free_regexes)
        for other in candidates:
            if other is entry or id(other) in gone:
                continue
            if _dominates(other, entry) and _covers(other, entry):
                shadowed.append((entry, other))
                gone.add(id(entry))
                break
    return shadowed


def shadow_message(entry, by):
    verdict = "blocked" if by.action == BLOCK else "rate-limited"
    extra = " and so is never rate-limited" if entry.action == LIMIT and by.action == BLOCK else ""
    return (
        f"pattern {entry.describe()} is shadowed by {by.describe()}: every user agent it matches is already"
        f" {verdict} by {by.pattern!r}{extra}; remove one of them or allow the wider one"
    )


def browser_matches(entries, browsers=None):
    """``(entry, label, user_agent)`` for each pattern matching a real browser."""
    found = []
    for entry in entries:
        for label, agent in browsers if browsers is not None else data.BROWSER_USER_AGENTS:
            if entry.parsed.compiled.search(agent):
                found.append((entry, label, agent))
    return found


def normalize_probe_paths(paths):
    """Check probe paths and return them without case-insensitive duplicates."""
    seen, result = set(), []
    for path in paths:
        if not isinstance(path, str) or not path.startswith("/"):
            raise BotFilterError(f"probe path {path!r} must start with '/', like /.env")
        for index, char in enumerate(path):
            if not " " <= char <= "~":
                raise BotFilterError(
                    f"probe path {path!r}: character {char!r} at position {index} is not printable ASCII"
                )
        key = ascii_lower(path)
        if key not in seen:
            seen.add(key)
            result.append(path)
    return result


def normalize_paths(paths, what="exempt path"):
    """Check location paths (exempt paths, reserved locations); drop duplicates."""
    result = []
    for path in paths or ():
        if not isinstance(path, str) or not path.startswith("/"):
            raise BotFilterError(f"{what} {path!r} must start with '/', like /health or /.well-known/acme-challenge/")
        for index, char in enumerate(path):
            if not " " < char <= "~":
                raise BotFilterError(
                    f"{what} {path!r}: character {char!r} at position {index} is not printable ASCII without spaces"
                )
        if path not in result:
            result.append(path)
    return result
