# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Role variables checked against an argument spec one key at a time, for the roles' models.

One key at a time, so that a bad key is known by name and the others are
still checked; the caller names the variable of each key.
"""

from __future__ import annotations

import copy
import re

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator


def reworded(key, message):
    """An ArgumentSpecValidator message about KEY, without the name (the caller puts the variable's in front)."""
    if message.startswith("missing required arguments"):
        return "is required"
    return re.sub(rf"^(argument '{re.escape(key)}'|value of {re.escape(key)}) ", "", message)


def validate_keys(spec, params, where):
    """Apply SPEC to PARAMS key by key: (values, names of the bad keys, problems).

    WHERE(key) names the variable of a key (None: the whole). None, or
    leaving a key out, means its default.
    """
    values, bad, found = {}, set(), []
    unknown = sorted(str(key) for key in set(params) - set(spec))
    if unknown:
        found.append(f"{where(None)}: unknown key(s) {', '.join(unknown)}; the keys are {', '.join(sorted(spec))}")
    for key, option in spec.items():
        given = {key: params[key]} if params.get(key) is not None else {}
        result = ArgumentSpecValidator({key: option}).validate(given)
        values[key] = copy.deepcopy(result.validated_parameters.get(key))
        if result.error_messages:
            bad.add(key)
            found += [f"{where(key)}: {reworded(key, message)}" for message in result.error_messages]
    return values, bad, found
