# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""``python3 -m uploadscan``: the host-side command."""

from .cli import cli

if __name__ == "__main__":
    # The command's exit status; this is the host-side command, not module code.
    raise SystemExit(cli())
