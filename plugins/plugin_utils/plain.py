# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Plain Python data from what Ansible hands a filter.

A filter's arguments arrive as Ansible's lazy containers: dicts and lists
whose values are templated when read, and which copy themselves by
templating again. The collection's models validate with
``ArgumentSpecValidator`` and fill defaults with ``copy.deepcopy``, and a
deep copy of a lazy container costs thousands of times more than one of
plain data (most of a converge's controller time, measured). So each
filter reads its arguments once, into plain dicts, lists, strings and
numbers, before any model sees them:

    @plain_arguments
    def site_model(sites, **settings): ...
"""

from __future__ import annotations

import functools
from collections.abc import Mapping


def plain(value):
    """VALUE with every mapping a dict, every list or tuple a list, every string a str."""
    if isinstance(value, Mapping):
        return {plain(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, bool) or value is None:
        return value
    for kind in (str, int, float):
        if isinstance(value, kind):
            return kind(value)
    return value


def plain_arguments(function):
    """FUNCTION called with plain copies of its positional and keyword arguments."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        return function(*(plain(arg) for arg in args), **{key: plain(arg) for key, arg in kwargs.items()})

    return wrapper
