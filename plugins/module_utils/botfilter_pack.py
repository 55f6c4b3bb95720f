# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Pack the bot filter's patterns into few regexes nginx accepts.

The literals (and the literal prefixes of regexes, see botfilter_dialect)
are factored into a trie, like Regexp::Assemble, and a node with many
branches is guarded by a lookahead class, so PCRE rejects most positions
with one test instead of trying one regex per bot. Each regex stays below
nginx's 4096-byte limit on one configuration parameter ("too long
parameter"); a list that does not fit is halved until each half does.
"""

from __future__ import annotations

from ansible_collections.aiguard.hardening.plugins.module_utils.botfilter_dialect import (
    REGEX_META,
    BotFilterError,
    escape_char,
)

# nginx reads its configuration through a 4096-byte buffer and refuses a
# parameter that fills it ("too long parameter"); measured on nginx 1.22.1 and
# 1.26.3: 4095 bytes (quotes included) pass, 4096 fail.
MAX_PARAMETER = 4000

# A trie node with this many alternatives gets a lookahead class first.
LOOKAHEAD_MIN = 4

_CLASS_META = set("\\]^-[")


def nginx_string(text):
    """``text`` as one double-quoted nginx parameter.

    nginx turns \\" \\' \\\\ into the character and \\t \\r \\n into control
    characters, and keeps any other backslash pair as it is.
    """
    out = []
    for index, char in enumerate(text):
        if char == '"':
            out.append('\\"')
        elif char == "\\" and (index + 1 == len(text) or text[index + 1] in "\"'\\trn"):
            out.append("\\\\")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def regex_parameter(regex):
    """``regex`` as the quoted key of a case-insensitive map regex."""
    return nginx_string("~*" + regex)


class _Node:
    __slots__ = ("children", "tails", "terminal")

    def __init__(self):
        self.children = {}
        self.terminal = False
        self.tails = []


def _trie(branches):
    root = _Node()
    for prefix, tail in branches:
        node = root
        for char in prefix:
            if node.terminal:
                break
            node = node.children.setdefault(char, _Node())
        if node.terminal:
            continue  # a shorter literal already matches wherever this would
        if not tail:
            node.terminal = True
            node.children.clear()
            node.tails = []
        elif tail not in node.tails:
            node.tails.append(tail)
    return root


def class_char(char):
    """One character as PCRE text inside a class."""
    if char in _CLASS_META:
        return "\\" + char
    return escape_char(char) if char not in REGEX_META else char


def _render(node, root=False):
    chain = []  # a run of single-child nodes, walked without recursion
    while not node.terminal and not node.tails and len(node.children) == 1:
        ((char, node),) = node.children.items()
        chain.append(escape_char(char))
        root = False
    if node.terminal:
        return "".join(chain)
    leaves, alternatives = [], []
    for char in sorted(node.children):
        child = node.children[char]
        if child.terminal and char.isalnum():
            leaves.append(char)
        else:
            alternatives.append(escape_char(char) + _render(child))
    if len(leaves) == 1:
        alternatives.insert(0, leaves[0])
    elif leaves:
        alternatives.insert(0, "[" + "".join(leaves) + "]")
    alternatives.extend(node.tails)
    if len(alternatives) == 1:
        return "".join(chain) + alternatives[0]
    group = "(?:" + "|".join(alternatives) + ")"
    if len(alternatives) >= LOOKAHEAD_MIN and not node.tails and not root:
        # PCRE tries alternatives one by one; one class test first lets it
        # reject a position at once. (At the root PCRE's own start-of-match
        # bitmap does this.)
        group = "(?=[" + "".join(class_char(char) for char in sorted(node.children)) + "])" + group
    return "".join(chain) + group


def merge(branches, anchored=False):
    """One PCRE text matching where any ``(prefix, tail)`` branch matches."""
    text = _render(_trie(branches), root=True)
    return "^(?:" + text + ")" if anchored else text


def _fits(branches, anchored, limit):
    return len(regex_parameter(merge(branches, anchored))) <= limit


def pack(branches, anchored=False, limit=MAX_PARAMETER, names=None):
    """Merge ``(prefix, tail)`` branches into as few regexes as fit ``limit``.

    The limit is on the quoted nginx parameter. Sorted branches are taken in
    order, each regex as long a run of them as fits (found by bisection),
    which keeps shared prefixes together and the regexes few: each one is an
    ``if`` of its own in nginx, with a fixed cost per request.
    """
    branches = sorted(set(branches))
    parts, start = [], 0
    while start < len(branches):
        if not _fits(branches[start : start + 1], anchored, limit):
            prefix, tail = branches[start]
            owner = (names or {}).get(branches[start], prefix + tail)
            size = len(regex_parameter(merge(branches[start : start + 1], anchored)))
            raise BotFilterError(
                f"pattern {owner!r} is too long: nginx refuses a parameter of {size} bytes"
                f" (at most {limit}); split it into several patterns"
            )
        low, high = start + 1, len(branches)  # branches[start:low] fits
        while low < high:
            middle = (low + high + 1) // 2
            if _fits(branches[start:middle], anchored, limit):
                low = middle
            else:
                high = middle - 1
        parts.append(merge(branches[start:low], anchored))
        start = low
    return parts


def pack_alternation(regexes, limit=MAX_PARAMETER, names=None):
    """Join whole regexes with "|" into as few parameters as fit ``limit``."""
    parts, current = [], []
    for regex in regexes:
        candidate = [*current, regex]
        if len(regex_parameter("|".join(candidate))) <= limit:
            current = candidate
            continue
        if len(regex_parameter(regex)) > limit:
            owner = (names or {}).get(regex, regex)
            raise BotFilterError(
                f"pattern {owner!r} is too long: nginx refuses a parameter of {len(regex_parameter(regex))} bytes"
                f" (at most {limit}); split it into several patterns"
            )
        parts.append("|".join(current))
        current = [regex]
    if current:
        parts.append("|".join(current))
    return parts
