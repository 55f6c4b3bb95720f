# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The bot filter's browser fast path: exact regexes over finite sets of user agents.

One anchored regex of the commonest browser families over a window of
versions, in an ``if`` at the end of the server block; a match ends the
server's rewrite directives with ``break``, so such a request never
evaluates a map. With ``pcre_jit on`` it costs about a thousand
instructions. nginx's maps lowercase and hash the whole User-Agent before
looking at any key, about twice that, which is why the fast path is not a
map. Every string a family accepts (botfilter_data.FAST_PATH_FAMILIES) is
listed and checked against the merged patterns; a family with a match is
left out, so the fast path never allows what the patterns would block.
"""

from __future__ import annotations

from ansible_collections.aiguard.hardening.plugins.module_utils import botfilter_data as data
from ansible_collections.aiguard.hardening.plugins.module_utils.botfilter_dialect import (
    BotFilterError,
    escape_char,
    escape_literal,
)
from ansible_collections.aiguard.hardening.plugins.module_utils.botfilter_entries import ALLOW
from ansible_collections.aiguard.hardening.plugins.module_utils.botfilter_pack import (
    MAX_PARAMETER,
    class_char,
    nginx_string,
)


def _char_class(chars):
    """A class for single characters, with runs written as ranges."""
    chars = sorted(set(chars))
    if len(chars) == 1:
        return escape_char(chars[0])
    runs, start, prev = [], chars[0], chars[0]
    for char in [*chars[1:], None]:
        if char is not None and ord(char) == ord(prev) + 1:
            prev = char
            continue
        first, last = class_char(start), class_char(prev)
        runs.append(first if start == prev else first + last if ord(prev) == ord(start) + 1 else f"{first}-{last}")
        if char is not None:
            start = prev = char
    return "[" + "".join(runs) + "]"


def set_regex(strings):
    """PCRE text (no capturing group) matching exactly the strings of a finite set.

    Used inside an anchored regex. Strings with the same first character share
    it; first characters followed by the same set of rests become one class,
    so ``125``..``165`` gives ``1(?:2[5-9]|[3-5][0-9]|6[0-5])``.
    """
    strings = set(strings)
    if strings == {""}:
        return ""
    rests = {}
    for text in strings - {""}:
        rests.setdefault(text[0], set()).add(text[1:])
    by_rest = {}
    for char, rest in rests.items():
        by_rest.setdefault(frozenset(rest), []).append(char)
    alternatives = sorted(_char_class(chars) + set_regex(rest) for rest, chars in by_rest.items())
    if len(alternatives) == 1 and "" not in strings:
        return alternatives[0]
    group = "(?:" + "|".join(alternatives) + ")"
    return group + "?" if "" in strings else group


def family_regex(parts):
    """PCRE text matching exactly the strings ``data.expand(parts)`` lists."""
    return "".join(set_regex(part.values) if isinstance(part, data.Slot) else escape_literal(part) for part in parts)


_FAST_PATH_HITS = {}


def _fast_path_hit(ua_parts, label, parts, match):
    """The first string of a fast-path family that the merged patterns do not allow, or None.

    Listing a family takes a few thousand regex searches; the answer only
    depends on the merged regexes, so it is remembered for them.
    """
    key = (ua_parts, label)
    if key not in _FAST_PATH_HITS:
        _FAST_PATH_HITS[key] = next((agent for agent in data.expand(parts) if match(agent) != ALLOW), None)
    return _FAST_PATH_HITS[key]


def fast_path(ua_parts, match, limit=MAX_PARAMETER):
    """The fast path over the merged user-agent regexes ``ua_parts``.

    ``match`` classifies a user agent by those regexes (block, limit or
    allow). Sound by construction: a family with any string a pattern
    matches is left out. Returns ``(families, dropped, strings, regex)``:
    the ``(label, regex)`` of each family kept, a dict per family left out
    (with the user agent that a pattern matches and a message), the number
    of user agents of the families kept and the anchored regex of them all
    ("" for none).
    """
    families, dropped, strings = [], [], 0
    for label, parts in data.FAST_PATH_FAMILIES:
        hit = _fast_path_hit(tuple(ua_parts), label, parts, match)
        if hit is None:
            families.append((label, family_regex(parts)))
            strings += len(data.expand(parts))
        else:
            dropped.append(
                dict(
                    family=label,
                    user_agent=hit,
                    message=(
                        f"fast path: {label} left out, since a pattern matches one of its user agents ({hit!r});"
                        " those browsers go through the patterns, which is slower but classifies them the same"
                    ),
                )
            )
    regex = "^(?:" + "|".join(text for _label, text in families) + ")$" if families else ""
    if len(nginx_string(regex)) > limit:
        raise BotFilterError(
            f"the fast-path regex is {len(nginx_string(regex))} bytes, more than nginx"
            f" takes ({limit}); set fast_path: false"
        )
    return families, dropped, strings, regex
