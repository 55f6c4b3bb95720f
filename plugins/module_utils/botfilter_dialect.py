# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The pattern dialect of the bot filter: validate a pattern and split it.

A pattern is matched case-insensitively anywhere in the User-Agent: a literal
as a substring, a regex (``regex: true``) with search semantics. ``Pattern``
checks one, makes its groups non-capturing and splits it into branches with
literal prefixes, which botfilter_pack merges into a trie.

No regex has a capturing group, named ones included: in nginx a capture in a
map regex overwrites ``$1``..``$9`` of the regex location that includes the
snippet. That rules out extracting a product token with a capture and
looking it up in a hash; it would only have sped up the bots anyway, since a
user agent that matches no token still has to go through every pattern.

Python's ``re`` stands in for PCRE2 when validating and testing. The
constructs where the two differ, or that would break merging, are refused:
back-references, inline flags (everything is case-insensitive and must stay
so: the fast-path check relies on it), conditionals,
``{,n}`` (a literal in PCRE2 before 10.43), POSIX classes (``[[:alpha:]]``,
a set of characters to Python), ``\\u``, ``\\U``, ``\\N`` and ``\\v``, anything
but printable ASCII, and a repeated group that contains a repetition, such
as ``(a+)+``, which backtracks exponentially in both. Capturing and named
groups are made non-capturing; ``(?#...)`` comments are dropped.
"""

from __future__ import annotations

import re
import warnings

FLAGS = re.IGNORECASE | re.ASCII
REGEX_META = set("\\^$.|?*+()[]{}")
_QUANT = re.compile(r"\{(\d+)(?:,(\d*))?\}")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


class BotFilterError(ValueError):
    """An input cannot be compiled; the message names it and says what to do."""


def ascii_lower(text):
    """Lower-case ASCII letters only, as nginx does for its hash lookups."""
    return text.translate(_ASCII_LOWER)


# Regex parsing: just enough structure to validate, to make groups
# non-capturing and to split off literal prefixes.


class _Atom:
    """One regex element with its quantifier.

    kind: char (value is the character), class (value is the letter if the
    class is one letter in both cases, as in [gG]), escape (\\d, ., ...),
    anchor (^, $, \\b, \\B, \\A, \\Z), group (opener is "(?:", "(?=", "(?!",
    "(?<=", "(?<!" or "(?>"; alternatives is a list of atom lists).
    """

    __slots__ = ("alternatives", "kind", "opener", "pos", "quant", "text", "value")

    def __init__(self, kind, text, value=None, opener=None, alternatives=None, pos=0):
        self.pos = pos
        self.kind = kind
        self.text = text
        self.value = value
        self.quant = ""
        self.opener = opener
        self.alternatives = alternatives

    def render(self):
        if self.kind == "group":
            inner = "|".join(render_atoms(alt) for alt in self.alternatives)
            return f"{self.opener}{inner}){self.quant}"
        return self.text + self.quant


def render_atoms(atoms):
    return "".join(atom.render() for atom in atoms)


class _Parser:
    """Recursive-descent parser over a pattern Python's re already accepted."""

    def __init__(self, name, pattern):
        self.name = name
        self.text = pattern
        self.pos = 0
        self.assertions = False  # anchors, \b or lookarounds: matches depend on context

    def fail(self, what, pos, hint):
        raise BotFilterError(
            f"pattern {self.name!r}: {what} at position {pos} of {self.text!r} is not supported: {hint}"
        )

    def parse(self):
        alternatives = self.alternatives()
        if self.pos != len(self.text):  # an unbalanced ")": re.compile refused it already
            self.fail("unbalanced parenthesis", self.pos, "remove it or escape it as \\)")
        return alternatives

    def alternatives(self):
        alts = [self.sequence()]
        while self.pos < len(self.text) and self.text[self.pos] == "|":
            self.pos += 1
            alts.append(self.sequence())
        return alts

    def sequence(self):
        atoms = []
        while self.pos < len(self.text) and self.text[self.pos] not in "|)":
            atom = self.atom()
            if atom is None:
                continue
            self.quantifier(atom)
            atoms.append(atom)
        return atoms

    def quantifier(self, atom):
        text, start = self.text, self.pos
        if start >= len(text):
            return
        if text[start] in "*+?":
            end = start + 1
        elif text[start] == "{":
            if text.startswith("{,", start):
                self.fail("the quantifier {,n}", start, "PCRE2 before 10.43 reads it as literal text; write {0,n}")
            match = _QUANT.match(text, start)
            if not match:
                return  # a literal "{", in Python and in PCRE2
            end = match.end()
        else:
            return
        if end < len(text) and text[end] in "?+":
            end += 1
        atom.quant = text[start:end]
        self.pos = end
        if atom.kind == "group" and _unbounded(atom.quant) and any(_unbounded_inside(alt) for alt in atom.alternatives):
            self.fail(
                "a repeated group that contains a repetition",
                atom.pos,
                "nested quantifiers such as (a+)+ backtrack exponentially; rewrite the pattern without them",
            )

    def atom(self):
        text, start = self.text, self.pos
        char = text[start]
        if char == "(":
            return self.group()
        if char == "[":
            return self.char_class()
        if char == "\\":
            return self.escape()
        self.pos += 1
        if char in "^$":
            self.assertions = True
            return _Atom("anchor", char)
        if char == ".":
            return _Atom("escape", char)
        return _Atom("char", char, value=char)

    def group(self):
        text, start = self.text, self.pos
        if text.startswith("(?#", start):
            self.pos = text.index(")", start) + 1
            return None
        if text.startswith("(?P<", start) or (
            text.startswith("(?<", start) and text[start + 3 : start + 4] not in ("=", "!")
        ):
            self.pos = text.index(">", start) + 1  # named group: made non-capturing
            opener = "(?:"
        elif text.startswith("(?P=", start):
            self.fail("a back-reference", start, "back-references cannot be merged with other patterns")
        elif text.startswith("(?(", start):
            self.fail("a conditional group", start, "rewrite it as an alternation")
        else:
            for opener in ("(?:", "(?=", "(?!", "(?<=", "(?<!", "(?>"):
                if text.startswith(opener, start):
                    self.pos = start + len(opener)
                    break
            else:
                if text.startswith("(?", start):
                    self.fail("an inline flag", start, "patterns are always case-insensitive; remove the flag")
                self.pos = start + 1
                opener = "(?:"  # capturing group: made non-capturing
        if opener in ("(?=", "(?!", "(?<=", "(?<!"):
            self.assertions = True
        alternatives = self.alternatives()
        self.pos += 1  # the closing ")"
        return _Atom("group", "", opener=opener, alternatives=alternatives, pos=start)

    def escape(self):
        text, start = self.text, self.pos
        nxt = text[start + 1]
        self.pos = start + 2
        if nxt.isdigit() and nxt != "0":
            self.fail("a back-reference", start, "back-references cannot be merged with other patterns")
        if nxt in "uUNv":
            self.fail(f"the escape \\{nxt}", start, "PCRE2 does not read it as Python does; use \\xHH or a class")
        if nxt in "bBAZ":
            self.assertions = True
            return _Atom("anchor", "\\" + nxt)
        if nxt in "dDwWsS":
            return _Atom("escape", "\\" + nxt)
        if nxt == "x":
            self.pos = start + 4
            return _Atom("char", text[start : self.pos], value=chr(int(text[start + 2 : start + 4], 16)))
        if nxt == "0":
            end = start + 2
            while end < len(text) and end < start + 4 and text[end] in "01234567":
                end += 1
            self.pos = end
            return _Atom("char", text[start:end], value=chr(int(text[start + 1 : end], 8)))
        simple = {"t": "\t", "n": "\n", "r": "\r", "f": "\f", "a": "\a"}
        if nxt in simple:
            return _Atom("char", text[start : self.pos], value=simple[nxt])
        return _Atom("char", text[start : self.pos], value=nxt)

    def char_class(self):
        text, start = self.text, self.pos
        pos = start + 1
        if pos < len(text) and text[pos] == "^":
            pos += 1
        if pos < len(text) and text[pos] == "]":
            pos += 1
        while text[pos] != "]":
            if text[pos] == "\\":
                if text[pos + 1] in "uUNv":
                    self.fail(f"the escape \\{text[pos + 1]}", pos, "PCRE2 does not read it as Python does; use \\xHH")
                pos += 2
                continue
            if text[pos] == "[" and text[pos + 1 : pos + 2] in (":", "=", "."):
                self.fail("a POSIX class", pos, "Python reads [[:alpha:]] as a set of characters; write [a-z] instead")
            pos += 1
        self.pos = pos + 1
        body = text[start : self.pos]
        value = None
        if len(body) == 4 and body[1].isalpha() and body[1] != body[2] and body[1].lower() == body[2].lower():
            value = body[1].lower()  # [gG]: one letter, which is case-insensitive anyway
        return _Atom("class", body, value=value)


def _unbounded(quant):
    return quant[:1] in ("*", "+") or (quant.startswith("{") and quant.rstrip("?+").endswith(",}"))


def _unbounded_inside(atoms):
    for atom in atoms:
        if _unbounded(atom.quant):
            return True
        if atom.kind == "group" and any(_unbounded_inside(alt) for alt in atom.alternatives):
            return True
    return False


class Pattern:
    """One validated pattern: its parsed form and what can be merged of it.

    ``branches`` is a list of ``(anchored, prefix, tail)``: the pattern
    matches where one of them does, ``anchored`` at the start of the user
    agent only, ``prefix`` a lower-case literal and ``tail`` PCRE text
    following it ("" for none). A pattern with a single unanchored branch
    without a tail is a plain literal (``literal`` is then its text).
    """

    MAX_BRANCHES = 16

    def __init__(self, name, pattern, regex):
        self.name = name
        self.source_text = pattern
        self.regex = regex
        if not isinstance(pattern, str) or not pattern:
            raise BotFilterError(f"pattern {name!r} is empty; an empty pattern would match every user agent")
        for index, char in enumerate(pattern):
            if not " " <= char <= "~":
                raise BotFilterError(
                    f"pattern {name!r}: character {char!r} at position {index} of {pattern!r} is not printable ASCII;"
                    " nginx matches bytes, so write it as \\xHH in a regex or leave it out"
                )
        if not regex:
            self.assertions = False
            self.branches = [(False, ascii_lower(pattern), "")]
            self.pcre = escape_literal(self.branches[0][1])
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    re.compile(pattern, FLAGS)
                except re.error as exc:
                    where = f" at position {exc.pos}" if exc.pos is not None else ""
                    raise BotFilterError(
                        f"pattern {name!r}: {pattern!r} is not a valid regular expression: {exc.msg}{where}"
                    ) from None
            parser = _Parser(name, pattern)
            alternatives = parser.parse()
            self.assertions = parser.assertions
            self.pcre = "|".join(render_atoms(alt) for alt in alternatives)
            branches = []
            for alt in alternatives:
                branches.extend(_split(alt, False, "", [self.MAX_BRANCHES]))
            self.branches = list(dict.fromkeys(branches))
        self.compiled = re.compile(self.pcre, FLAGS)
        if self.compiled.search(""):
            raise BotFilterError(
                f"pattern {name!r}: {pattern!r} matches the empty string, so it would match every user agent"
            )

    @property
    def literal(self):
        if len(self.branches) == 1:
            anchored, prefix, tail = self.branches[0]
            if not anchored and not tail:
                return prefix
        return None

    @property
    def key(self):
        """Two patterns with the same key match exactly the same user agents."""
        literal = self.literal
        return ("literal", literal) if literal is not None else ("regex", self.pcre)


def _split(atoms, anchored, prefix, budget):
    """Split a sequence into ``(anchored, prefix, tail)`` branches."""
    index = 0
    if not anchored and not prefix and atoms and atoms[0].kind == "anchor" and atoms[0].text in ("^", "\\A"):
        anchored, index = True, 1
    while index < len(atoms):
        atom = atoms[index]
        if atom.quant:
            break
        if atom.kind == "char" or (atom.kind == "class" and atom.value):
            prefix += ascii_lower(atom.value)
            index += 1
            continue
        if atom.kind == "group" and atom.opener == "(?:" and len(atom.alternatives) <= budget[0]:
            # (a|b)c -> ac | bc, so each alternative gets its literal prefix.
            budget[0] -= len(atom.alternatives) - 1
            rest = atoms[index + 1 :]
            branches = []
            for alt in atom.alternatives:
                branches.extend(_split(alt + rest, anchored, prefix, budget))
            return branches
        break
    return [(anchored, prefix, render_atoms(atoms[index:]))]


def escape_literal(text):
    """PCRE text matching ``text`` literally (minimal escaping)."""
    return "".join(escape_char(char) for char in text)


def escape_char(char):
    """One character as PCRE text outside a class."""
    if char in REGEX_META:
        return "\\" + char
    if not " " <= char <= "~":
        return f"\\x{ord(char):02x}"
    return char
