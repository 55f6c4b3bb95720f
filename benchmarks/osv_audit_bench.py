# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The offline audit's controller time: the OSV export loaded once, then a fleet's environments matched.

The fleet is synthetic and seeded (the same each run): HOSTS hosts with one
environment of DISTRIBUTIONS distributions each. Every environment has the
common packages of an AI web app (torch, gradio, fastapi, pillow, ...) at
versions drawn from their records' ``versions`` lists or just past their
newest fix, and fills the rest with other names the export has records
for (so every distribution is looked up and most are matched against
records) plus names the export does not know, at versions drawn the same
way. Figures: the time to load the export (median of three loads), to
audit the whole fleet, per host, and in total; the target is a 20-host
fleet of 300 distributions each in under 5 seconds of controller time.

Usage: python benchmarks/osv_audit_bench.py [--database PATH] [--hosts 20] [--distributions 300] [--seed 7]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / ".cache" / "collections"))

from ansible_collections.aiguard.hardening.plugins.module_utils import osvaudit  # noqa: E402

DEFAULT_DATABASE = ROOT.parent / "shared" / "data" / "osv-pypi-pypa-advisory-database-2024-10-10.zip"
COMMON = [
    "torch",
    "transformers",
    "gradio",
    "fastapi",
    "uvicorn",
    "starlette",
    "pydantic",
    "pillow",
    "numpy",
    "requests",
    "urllib3",
    "jinja2",
    "aiohttp",
    "werkzeug",
    "flask",
    "django",
    "pyyaml",
    "cryptography",
    "certifi",
    "idna",
    "setuptools",
    "tqdm",
    "safetensors",
    "tokenizers",
    "huggingface-hub",
    "opencv-python",
    "scipy",
    "pandas",
    "protobuf",
    "httpx",
]
# Names no record has: most of a real environment.
UNKNOWN = [f"internal-lib-{index:03d}" for index in range(400)]


def plausible_version(database, name, rng):
    """A version of NAME as installed somewhere: from a record's versions list, or just past a fix."""
    entries = database.index.get(name)
    if not entries:
        return f"{rng.randint(0, 5)}.{rng.randint(0, 30)}.{rng.randint(0, 9)}"
    entry = rng.choice(entries)
    if entry.versions_raw and rng.random() < 0.5:
        return rng.choice(sorted(entry.versions_raw))
    fixes = [event for events in entry.spans for event, kind in events if kind == "fixed"]
    if fixes:
        newest = max(fixes)
        return f"{newest.major}.{newest.minor}.{newest.micro + rng.randint(0, 3)}"
    return "1.0.0"


def fleet(database, hosts, distributions, seed):
    rng = random.Random(seed)
    known = sorted(set(database.index) - set(COMMON))
    inventory = {}
    for number in range(hosts):
        packages = {name: plausible_version(database, name, rng) for name in COMMON}
        rest = distributions - len(packages)
        for name in rng.sample(known, rest // 2) + rng.sample(UNKNOWN, rest - rest // 2):
            packages[name] = plausible_version(database, name, rng)
        inventory[f"app{number:02d}:/srv/app/venv"] = packages
    return inventory


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--database", default=str(DEFAULT_DATABASE))
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--distributions", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if not Path(args.database).exists():
        sys.exit(f"no OSV export at {args.database}; give one with --database")

    loads = []
    for _run in range(3):
        start = time.process_time()
        database = osvaudit.load(args.database)
        loads.append(time.process_time() - start)
    meta = database.metadata()
    inventory = fleet(database, args.hosts, args.distributions, args.seed)

    start = time.process_time()
    report = osvaudit.audit(database, inventory)
    whole = time.process_time() - start
    per_host = []
    for environment, packages in inventory.items():
        start = time.process_time()
        osvaudit.audit(database, {environment: packages})
        per_host.append(time.process_time() - start)

    distributions = sum(len(packages) for packages in inventory.values())
    looked_up = sum(1 for packages in inventory.values() for name in packages if name in database.index)
    counts = [len(item["findings"]) for item in report["environments"].values()]
    load = statistics.median(loads)
    total = load + whole
    print(f"export: {args.database}")
    print(f"  {meta['records']} records ({meta['used']} used, {meta['withdrawn']} withdrawn), {meta['packages']} names")
    print(f"  date {meta['date']}, sha256 {meta['sha256']}")
    print(f"load (CPU time, median of 3): {load:.3f} s  (each: {', '.join(f'{value:.3f}' for value in loads)})")
    print(
        f"fleet: {len(inventory)} hosts x {args.distributions} distributions = {distributions}; "
        f"{looked_up} with records in the export"
    )
    print(f"audit of the whole fleet: {whole:.3f} s; findings {sum(counts)} (per host {min(counts)}-{max(counts)})")
    print(
        f"per host: median {statistics.median(per_host) * 1000:.1f} ms, max {max(per_host) * 1000:.1f} ms "
        f"({distributions / len(inventory) / statistics.median(per_host):,.0f} distributions a second)"
    )
    print(f"controller time, load once + whole fleet: {total:.3f} s (target under 5 s)")
    return 0 if total < 5 else 1


if __name__ == "__main__":
    sys.exit(main())
