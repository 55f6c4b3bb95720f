# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The bot filter's device path: Android browsers, checked on their device model alone.

Android browsers name the device model ("SM-S928B", "Pixel 8 Pro Build/...")
in their user agent, free text that no fast-path family can list. The
device path is one anchored regex of such browsers' exact shape around the
model (botfilter_data.DEVICE_FAMILY); nginx captures the model, and the
merged patterns then run on the model (a dozen characters) instead of the
whole user agent (a hundred and more), which costs a fraction.

The subject is the model with its edges, "; MODEL)" or "; MODEL; wv)".
Running the patterns on it gives the same verdict as running them on the
whole user agent when no pattern can match in the skeleton around it, nor
across its edges. Both are checked when the filter is compiled:

* skeleton: every listed string of the family, with a sample subject, is
  allowed by the patterns, and no literal with a digit fits the skeleton's
  digit runs (botfilter_fastpath.can_contain, as for the fast path);
* edges: the subject starts with ";" right after the Android version (a
  digit) and ends with ")" right before " AppleWebKit", and the model holds
  none of ``;()``. A match across the left edge therefore holds a digit or
  "." followed by ";", one across the right edge ")" followed by something.
  A literal prefix with either, and a regex part that can match ";" or ")"
  (".", a negated class, \\D, \\S, \\W, a class with them, ...) or looks
  behind for something (``(?<=``), go on the whole user agent instead
  (``edge_parts``). A negative lookbehind or an anchor can only make the
  subject stricter than the whole user agent, never laxer.
"""

from __future__ import annotations

import re

from ansible_collections.aiguard.hardening.plugins.module_utils import botfilter_data as data
from ansible_collections.aiguard.hardening.plugins.module_utils.botfilter_entries import ALLOW
from ansible_collections.aiguard.hardening.plugins.module_utils.botfilter_fastpath import (
    DEVICE,
    can_contain,
    family_regex,
)

_CLASS = re.compile(r"\[(?!\^)((?:\\.|[^\]\\])*)\]")


def _risky_regex(text):
    """Whether a regex part could match ";" or ")", or looks behind for something."""
    text = re.sub(r"\(\?<![^()]*\)", "", text)  # negative lookbehinds: only stricter on the subject
    if "(?<=" in text or "[^" in text or re.search(r"\\[DSWHVNXCR;)]", text):
        return True
    if any(";" in body or ")" in body for body in _CLASS.findall(text)):
        return True
    plain = re.sub(r"\\.", "", _CLASS.sub("", text))
    return ";" in plain or "." in plain


# A tail "[\s\S]*LITERAL": anything, then a literal. It crosses the right
# edge only if the literal can be found in the skeleton after the subject,
# or holds ")" before its end (the subject ends with ")"); the left edge only
# if the prefix can be found in the skeleton before it.
_GAP_LITERAL = re.compile(r"^\[\\s\\S\]\*((?:[A-Za-z0-9 _/:-]|\\\.)+)$")


def _sides(right):
    """The skeleton after (``right``) or before the subject, per variant of the family."""
    _label, parts = data.DEVICE_FAMILY
    sides = []
    for variant in data.variants(parts):
        cut = next(index for index, part in enumerate(variant) if isinstance(part, data.Free))
        sides.append(variant[cut + 1 :] if right else variant[:cut])
    return sides


def crosses_an_edge(prefix, tail):
    """Whether a branch could match across an edge of the subject (see the module's docstring)."""
    if re.search(r"[0-9.];|\).", prefix):
        return True
    if not tail:
        return False
    gap = _GAP_LITERAL.match(tail)
    if gap is not None:
        literal = gap.group(1).replace("\\.", ".").lower()
        # The gap can also run from a prefix in the skeleton before the subject into it.
        return (
            ")" in literal[:-1]
            or any(can_contain(side, literal) for side in _sides(right=True))
            or any(can_contain(side, prefix) for side in _sides(right=False))
        )
    return _risky_regex(tail)


def edge_problem(entries):
    """The first active branch that could match across an edge of the subject, as a message, or None."""
    for entry in entries:
        for _anchored, prefix, tail in entry.parsed.branches:
            if crosses_an_edge(prefix, tail):
                return f"pattern {entry.name!r} ({prefix + tail!r}) could match across the edge of the device model"
    return None


def _skeleton_problem(match, digit_literals):
    label, parts = data.DEVICE_FAMILY
    hit = next((agent for agent in data.expand(parts) if match(agent) != ALLOW), None)
    if hit is not None:
        return f"a pattern matches {hit!r}"
    for variant in data.variants(parts):
        cut = next(index for index, part in enumerate(variant) if isinstance(part, data.Free))
        for side in (variant[:cut], variant[cut + 1 :]):
            literal = next((text for text in digit_literals if can_contain(side, text)), None)
            if literal is not None:
                return f"{label}: a string of its skeleton may contain {literal!r}"
    return None


_PROBLEMS = {}


def device_path(entries, ua_parts, match, digit_literals):
    """``(regex, dropped)``: the device path's anchored regex ("" for none) and why it was left out (or None)."""
    label, parts = data.DEVICE_FAMILY
    key = (tuple(ua_parts), tuple(digit_literals))
    if key not in _PROBLEMS:
        _PROBLEMS[key] = edge_problem(entries) or _skeleton_problem(match, digit_literals)
    problem = _PROBLEMS[key]
    if problem is not None:
        message = f"device path left out: {problem}; Android browsers go through the whole user agent, which is slower"
        return "", dict(family=label, user_agent=problem, message=message)
    return "^" + family_regex(parts) + "$", None


def python_regex(text):
    """The device regex for Python's re: named groups written (?P<name>...)."""
    return re.compile(text.replace(f"(?<{DEVICE}>", f"(?P<{DEVICE}>"), re.ASCII) if text else None
