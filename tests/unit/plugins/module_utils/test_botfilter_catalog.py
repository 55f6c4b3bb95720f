# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The generated catalog, the project's additions and the generic markers.

Every pattern is valid in the dialect and matches no real browser: the 952 of
tests/unit/data/botfilter/browsers.json (npm user-agents), BROWSER_USER_AGENTS
and TRAP_USER_AGENTS. The ``private`` set (everything) covers the crawler
instances of crawlers.json (crawler-user-agents); the ``public`` set
(categories ai, seo, scanner) covers every AI crawler and scanner there and no
crawler tagged search-engine only. Matching is nginx's: case-insensitive,
a literal as a substring, a regex with search semantics.
"""

from __future__ import annotations

import json
import pathlib
import re

import pytest

from ansible_collections.aiguard.hardening.plugins.module_utils import botfilter_catalog as catalog
from ansible_collections.aiguard.hardening.plugins.module_utils import botfilter_data as data
from ansible_collections.aiguard.hardening.plugins.module_utils import botfilter_dialect as dialect

DATA = pathlib.Path(__file__).resolve().parents[2] / "data" / "botfilter"
CRAWLERS = json.loads((DATA / "crawlers.json").read_text(encoding="utf-8"))
BROWSER_FILE = json.loads((DATA / "browsers.json").read_text(encoding="utf-8"))
BROWSERS = (
    [(f"browsers.json #{index}", agent) for index, agent in enumerate(BROWSER_FILE["user_agents"])]
    + list(data.BROWSER_USER_AGENTS)
    + list(data.TRAP_USER_AGENTS)
)
CATEGORIES = {
    "search",
    "ai",
    "seo",
    "monitoring",
    "preview",
    "advertising",
    "feed",
    "archive",
    "academic",
    "library",
    "automation",
    "scanner",
}
PUBLIC = {"ai", "seo", "scanner"}
GENERIC = [(name, pattern, regex, "generic") for name, pattern, regex in data.GENERIC_MARKERS]
ALL = [("catalog", entry) for entry in catalog.CATALOG]
ALL += [("project", entry) for entry in data.PROJECT_PATTERNS]
ALL += [("generic", entry) for entry in GENERIC]


def compiled(pattern, regex):
    return re.compile(pattern if regex else re.escape(pattern), re.IGNORECASE)


def matcher(entries):
    regexes = [compiled(pattern, regex) for _name, pattern, regex, _category in entries]
    return lambda agent: any(regex.search(agent) for regex in regexes)


PRIVATE_SET = list(catalog.CATALOG) + list(data.PROJECT_PATTERNS) + GENERIC
PUBLIC_SET = [entry for entry in list(catalog.CATALOG) + list(data.PROJECT_PATTERNS) if entry[3] in PUBLIC]


@pytest.mark.parametrize(("origin", "entry"), ALL, ids=[f"{origin}:{entry[0]}" for origin, entry in ALL])
def test_pattern_is_valid_and_matches_no_browser(origin, entry):
    name, pattern, regex, category = entry
    assert category in CATEGORIES | {"generic"}, f"{origin} pattern {name!r}: unknown category {category!r}"
    assert isinstance(regex, bool)
    parsed = dialect.Pattern(name, pattern, regex)
    # Python's re as the stand-in for nginx: the dialect's own compiled form
    # and the plain one must agree.
    plain = compiled(pattern, regex)
    for label, agent in BROWSERS:
        hit = plain.search(agent) or parsed.compiled.search(agent)
        assert not hit, f"{origin} pattern {name!r} ({pattern!r}) matches the browser {label}: {agent!r}"


def test_literal_where_the_regex_is_plain_text():
    for name, pattern, regex, _category in catalog.CATALOG:
        if regex:
            assert dialect.Pattern(name, pattern, regex).literal is None, f"{name!r}: {pattern!r} is plain text"


@pytest.mark.parametrize("table", ["catalog", "project"])
def test_names_unique(table):
    entries = catalog.CATALOG if table == "catalog" else data.PROJECT_PATTERNS
    names = [entry[0].lower() for entry in entries]
    assert len(names) == len(set(names)), [name for name in names if names.count(name) > 1]


def test_project_patterns_add_what_the_catalog_lacks():
    names = {entry[0].lower(): entry for entry in catalog.CATALOG}
    keys = {dialect.Pattern(*entry[:3]).key: entry for entry in catalog.CATALOG}
    for name, pattern, regex, _category in data.PROJECT_PATTERNS:
        assert name.lower() not in names, f"PROJECT_PATTERNS {name!r}: the catalog has {names[name.lower()]!r}"
        key = dialect.Pattern(name, pattern, regex).key
        assert key not in keys, f"PROJECT_PATTERNS {name!r}: the catalog has {keys[key]!r}"


def test_catalog_is_sorted_and_small():
    assert list(catalog.CATALOG) == sorted(catalog.CATALOG, key=lambda e: (e[0].lower(), e[0]))
    assert len(catalog.CATALOG) > 1000
    assert pathlib.Path(catalog.__file__).stat().st_size < 120_000


def test_excluded_records_a_reason():
    for name, pattern, reason in catalog.EXCLUDED:
        assert name and pattern and reason


@pytest.mark.parametrize("source", catalog.SOURCES, ids=[source["name"] for source in catalog.SOURCES])
def test_sources_are_recorded(source):
    assert source["name"] and source["version"] and source["licence"] in ("MIT", "BSD-2-Clause")
    assert source["url"].startswith("https://")
    assert re.fullmatch(r"[0-9a-f]{64}", source["sha256"])
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", source["retrieved"])
    assert {s["name"] for s in catalog.SOURCES} == {"crawler-user-agents", "ai.robots.txt", "user-agents"}


def test_data_files_carry_their_licences():
    for name in ("LICENSE-crawler-user-agents", "LICENSE-ai.robots.txt", "LICENSE-user-agents", "README.md"):
        assert (DATA / name).stat().st_size > 100, name
    assert BROWSER_FILE["licence"] == "BSD-2-Clause"
    assert BROWSER_FILE["user_agents"] == sorted(set(BROWSER_FILE["user_agents"]))
    assert len(CRAWLERS) >= 2000
    assert all(set(item) == {"user_agent", "pattern", "tags"} for item in CRAWLERS)


def coverage(entries, instances):
    match = matcher(entries)
    missed = [item["user_agent"] for item in instances if not match(item["user_agent"])]
    return len(instances) - len(missed), missed


def test_private_set_covers_the_crawlers():
    covered, missed = coverage(PRIVATE_SET, CRAWLERS)
    assert covered >= 0.97 * len(CRAWLERS), f"{covered}/{len(CRAWLERS)}; missed e.g. {missed[:10]}"


def test_generic_markers_do_most_of_the_work():
    covered, missed = coverage(GENERIC, CRAWLERS)
    assert covered >= 0.75 * len(CRAWLERS), f"{covered}/{len(CRAWLERS)}; missed e.g. {missed[:10]}"


def test_public_set_covers_ai_crawlers_and_scanners():
    wanted = [item for item in CRAWLERS if {"ai-crawler", "scanner"} & set(item["tags"])]
    covered, missed = coverage(PUBLIC_SET, wanted)
    assert covered == len(wanted), f"{covered}/{len(wanted)}; missed {missed}"


def test_public_set_leaves_search_engines_alone():
    match = matcher(PUBLIC_SET)
    search = [item["user_agent"] for item in CRAWLERS if item["tags"] == ["search-engine"]]
    assert search
    hits = [agent for agent in search if match(agent)]
    assert not hits, f"the public set matches {len(hits)} search-engine crawlers, e.g. {hits[:5]}"
