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
    return "".join(_part_regex(part) for part in parts)


DEVICE = "aiguard_bot_device"


def _part_regex(part):
    if isinstance(part, data.Choice):
        return "(?:" + "|".join(family_regex(alt) for alt in part.alternatives) + ")"
    if isinstance(part, data.Free):
        return f"(?<{DEVICE}>; [{part.CHARS}]{{1,{part.MAX_LEN}}}(?:; wv)?\\))"
    if isinstance(part, data.Digits):
        return "[0-9]" + ("" if part.min_len == part.max_len == 1 else f"{{{part.min_len},{part.max_len}}}")
    if isinstance(part, data.Slot):
        return set_regex(part.values)
    return escape_literal(part)


def can_contain(variant, literal):
    """Whether some string of ``variant`` (str and Digits parts) contains ``literal``, case-insensitively.

    An NFA over the variant's characters, a digit run being MIN required and
    MAX - MIN optional digit positions; the literal may start anywhere.
    """
    tokens = []  # (char or None for a digit, optional)
    for part in variant:
        if isinstance(part, data.Digits):
            tokens += [(None, index >= part.min_len) for index in range(part.max_len)]
        else:
            tokens += [(char.lower(), False) for char in part]

    def closure(states):
        out, todo = set(states), list(states)
        while todo:
            state = todo.pop()
            if state < len(tokens) and tokens[state][1] and state + 1 not in out:
                out.add(state + 1)
                todo.append(state + 1)
        return out

    states = closure(range(len(tokens) + 1))
    for char in literal.lower():
        states = closure(
            {
                state + 1
                for state in states
                if state < len(tokens) and (tokens[state][0] == char if tokens[state][0] else char.isdigit())
            }
        )
        if not states:
            return False
    return True


_FAST_PATH_HITS = {}


def _fast_path_hit(ua_parts, label, parts, match, digit_literals=()):
    """The first string of a fast-path family that the merged patterns do not allow, or None.

    Listing a family takes a few thousand regex searches; the answer only
    depends on the merged regexes, so it is remembered for them. A family
    with Digits runs is checked on its samples, and every literal with a
    digit (``digit_literals``, the literal prefixes of the patterns) is
    checked against it symbolically: a literal without digits cannot overlap
    a digit run, so the samples decide for it.
    """
    key = (ua_parts, label, tuple(digit_literals))
    if key not in _FAST_PATH_HITS:
        hit = next((agent for agent in data.expand(parts) if match(agent) != ALLOW), None)
        if hit is None and data.has_digits(parts):
            for variant in data.variants(parts):
                literal = next((text for text in digit_literals if can_contain(variant, text)), None)
                if literal is not None:
                    form = "".join(p if isinstance(p, str) else "<digits>" for p in variant)
                    hit = f"one of the form {form} may contain {literal!r}"
                    break
        _FAST_PATH_HITS[key] = hit
    return _FAST_PATH_HITS[key]


def fast_path(ua_parts, match, limit=MAX_PARAMETER, digit_literals=()):
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
        hit = _fast_path_hit(tuple(ua_parts), label, parts, match, digit_literals)
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
