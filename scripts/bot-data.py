# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Compile the bot filter's built-in catalog from maintained public lists.

Sources (versions pinned below, overridable by flags):

* crawler-user-agents (MIT): crawler patterns, tags and real instances;
  the PyPI wheel, fetched with ``pip download``.
* ai.robots.txt (MIT): names of AI crawlers and agents; robots.json at a
  pinned commit, fetched from raw.githubusercontent.com.
* user-agents (BSD-2-Clause, npm): real browser user agents, the false-positive
  check; fetched with ``npm pack``.

Writes plugins/module_utils/botfilter_catalog.py (SOURCES, CATALOG, EXCLUDED)
and tests/unit/data/botfilter/ (crawlers.json, browsers.json, the licences),
and prints what changed against the catalog it replaces.

Usage:
    .venv/bin/python scripts/bot-data.py                 # download the sources
    .venv/bin/python scripts/bot-data.py --crawlers crawler_user_agents-1.67.0-py3-none-any.whl \\
        --ai-robots robots.json --ai-robots-licence LICENSE --browsers user-agents-2.1.198.tgz
"""

from __future__ import annotations

import argparse
import ast
import collections
import datetime
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
import zipfile

CRAWLER_USER_AGENTS_VERSION = "1.67.0"
AI_ROBOTS_REF = "738c80df2169027ce0e07c9976fd3f2f57dd8f7b"
USER_AGENTS_VERSION = "2.1.198"

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODULE_UTILS = os.path.join(ROOT, "plugins", "module_utils")
CATALOG_FILE = os.path.join(MODULE_UTILS, "botfilter_catalog.py")
DATA_DIR = os.path.join(ROOT, "tests", "unit", "data", "botfilter")
AI_ROBOTS_RAW = "https://raw.githubusercontent.com/ai-robots-txt/ai.robots.txt/{ref}/{path}"

sys.path.insert(0, MODULE_UTILS)
import botfilter_data as data  # noqa: E402
import botfilter_dialect as dialect  # noqa: E402

TAG_CATEGORY = {
    "ai-crawler": "ai",
    "scanner": "scanner",
    "browser-automation": "automation",
    "http-library": "library",
    "seo": "seo",
    "search-engine": "search",
    "monitoring": "monitoring",
    "social-preview": "preview",
    "advertising": "advertising",
    "feed-reader": "feed",
    "archiver": "archive",
    "academic": "academic",
}
CATEGORY_PRIORITY = list(TAG_CATEGORY.values())

# ai.robots.txt names that are common words or tools' names: as a substring of
# the User-Agent they would catch unrelated clients (or every "spider").
AI_NAMES_TOO_GENERIC = {
    "code": "a common word (the VS Code robots.txt token); as a substring it matches unrelated user agents",
    "cursor": "a common word; as a substring it matches unrelated user agents",
    "devin": "a first name; as a substring it matches unrelated user agents",
    "lcc": "three letters; as a substring it matches unrelated user agents",
    "operator": "a common word; as a substring it matches unrelated user agents",
    "spider": "a generic word that also matches search-engine spiders (Baiduspider, Sogou spider)",
    "trae": "four letters; as a substring it matches unrelated user agents",
    "yak": "three letters; as a substring it matches unrelated user agents",
    "useai": "a robots.txt token; as a substring it matches unrelated user agents",
}


def sha256(blob):
    return hashlib.sha256(blob).hexdigest()


def read(path):
    with open(path, "rb") as handle:
        return handle.read()


def fetch_url(url):
    with urllib.request.urlopen(url, timeout=60) as response:
        return response.read()


def run(command, cwd):
    print("+", " ".join(command), flush=True)
    subprocess.run(command, cwd=cwd, check=True, stdout=sys.stderr)


def download(command, suffix):
    """Run ``command`` in a temporary directory; the one file it leaves there, as (bytes, name)."""
    with tempfile.TemporaryDirectory(prefix="bot-data-") as tmp:
        run(command, tmp)
        found = [name for name in os.listdir(tmp) if name.endswith(suffix)]
        if len(found) != 1:
            sys.exit(f"bot-data: {command[0]} left {found!r}, expected one {suffix} file")
        return read(os.path.join(tmp, found[0])), found[0]


# Loading the sources: (json object, licence text, input bytes, file name).


def load_crawlers(path, licence_path, version):
    """The crawler-user-agents wheel (or its JSON and a licence file)."""
    if path is None:
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:", "-d", "."]
        blob, path = download([*command, f"crawler-user-agents=={version}"], ".whl")
    else:
        blob = read(path)
    licence = read(licence_path).decode() if licence_path else None
    if path.endswith(".whl"):
        with zipfile.ZipFile(io.BytesIO(blob)) as wheel:
            names = wheel.namelist()
            entries = json.loads(wheel.read(next(n for n in names if n.endswith("crawler-user-agents.json"))))
            if licence is None:
                licence = wheel.read(next(n for n in names if n.endswith(".dist-info/licenses/LICENSE"))).decode()
            meta = wheel.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
            found = re.search(r"^Version: (\S+)", meta, re.M)
            version = found.group(1) if found else version
    else:
        entries = json.loads(blob)
    return entries, licence, blob, os.path.basename(path), version


def load_ai_robots(path, licence_path, ref):
    if path is None:
        blob = fetch_url(AI_ROBOTS_RAW.format(ref=ref, path="robots.json"))
        name = "robots.json"
    else:
        blob, name = read(path), os.path.basename(path)
    if licence_path:
        licence = read(licence_path).decode()
    elif path is None:
        licence = fetch_url(AI_ROBOTS_RAW.format(ref=ref, path="LICENSE")).decode()
    else:
        licence = None
    return json.loads(blob), licence, blob, name


def load_browsers(path, licence_path, version):
    """The user-agents npm tarball (or its dist/user-agents.json and a licence file)."""
    if path is None:
        blob, path = download(["npm", "pack", "--silent", f"user-agents@{version}"], ".tgz")
    else:
        blob = read(path)
    licence = read(licence_path).decode() if licence_path else None
    if path.endswith((".tgz", ".tar.gz")):
        with tarfile.open(fileobj=io.BytesIO(blob)) as tar:
            records = json.load(tar.extractfile("package/dist/user-agents.json"))
            if licence is None:
                licence = tar.extractfile("package/LICENSE").read().decode()
            version = json.load(tar.extractfile("package/package.json")).get("version", version)
    else:
        records = json.loads(blob)
    return records, licence, blob, os.path.basename(path), version


# Converting crawler-user-agents patterns to the collection's dialect.

_ONE_LETTER_CLASS = re.compile(r"\[([A-Za-z])([A-Za-z])\]")


def simplify(pattern):
    """Drop [xX] classes (matching is case-insensitive anyway)."""
    return _ONE_LETTER_CLASS.sub(
        lambda m: m.group(1) if m.group(1).lower() == m.group(2).lower() else m.group(0), pattern
    )


def as_literal(pattern):
    """The plain text a regex stands for, or None if it has regex syntax."""
    text, index = [], 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            nxt = pattern[index + 1 : index + 2]
            if not nxt or nxt.isalnum():
                return None
            text.append(nxt)
            index += 2
            continue
        if char in dialect.REGEX_META:
            return None
        text.append(char)
        index += 1
    return "".join(text)


def derive_name(pattern):
    """A readable name for a regex: its first literal run of text."""
    text = re.sub(r"\(\^\| \)|\[\\s\\S\]\*|\\[dDwWsSbB][+*?]?", " ", simplify(pattern))
    text = re.sub(r"\\(.)", r"\1", text).split("|")[0]
    text = re.sub(r"[\^$()\[\]{}*+?]", " ", text)
    return re.sub(r"\s+", " ", text).strip(" ./") or pattern


def literal_name(text):
    """A readable name for a literal: its text without edge punctuation or a dangling "(..."."""
    name = text.strip(" /;:,()")
    if name.count("(") != name.count(")"):
        name = name.split("(")[0].strip(" /;:,") or name
    return name


def convert(pattern):
    """(pattern, regex) in the dialect for a crawler-user-agents regex."""
    simple = simplify(pattern)
    literal = as_literal(simple)
    if literal is not None:
        return literal, False
    try:
        literal = dialect.Pattern(pattern, simple, True).literal
    except dialect.BotFilterError:
        literal = None  # reported when the entry is added
    if literal is not None and all(" " <= char <= "~" for char in literal):
        return literal, False  # (a|A)b and the like: one plain string after all
    return simple, True


def category_of(tags):
    cats = [TAG_CATEGORY[tag] for tag in tags if tag in TAG_CATEGORY]
    if not cats:
        return "seo"
    return min(cats, key=CATEGORY_PRIORITY.index)


def probes(name):
    """User agents an agent called ``name`` would send."""
    return (name, f"{name}/1.0", f"Mozilla/5.0 (compatible; {name}/1.0; +https://example.com/bot)")


class Compiler:
    def __init__(self, crawlers, ai_names, browsers):
        self.crawlers = crawlers
        self.ai_names = ai_names
        self.browsers = list(browsers)
        self.browsers += [agent for _label, agent in data.BROWSER_USER_AGENTS]
        self.browsers += [agent for _label, agent in data.TRAP_USER_AGENTS]
        self.excluded = []  # (name, pattern, reason)
        self.entries = {}  # lower name -> [name, pattern, regex, category, compiled]

    def exclude(self, name, pattern, reason):
        self.excluded.append((name, pattern, reason))
        print(f"left out {name!r} ({pattern!r}): {reason}")

    def false_positive(self, compiled):
        for agent in self.browsers:
            if compiled.search(agent):
                return agent
        return None

    def unique_name(self, name):
        base, number = name, 2
        while name.lower() in self.entries:
            name = f"{base} ({number})"
            number += 1
        return name

    def add(self, name, pattern, regex, category):
        try:
            checked = dialect.Pattern(name, pattern, regex)
        except dialect.BotFilterError as exc:
            self.exclude(name, pattern, f"not valid in the pattern dialect: {exc}")
            return None
        browser = self.false_positive(checked.compiled)
        if browser:
            self.exclude(name, pattern, f"matches the browser {browser!r}")
            return None
        for entry in self.entries.values():
            if entry[4].key == checked.key:
                self.exclude(name, pattern, f"the same pattern as {entry[0]!r}")
                return None
        name = self.unique_name(name)
        entry = [name, pattern, regex, category, checked]
        self.entries[name.lower()] = entry
        return entry

    def compile(self):
        for item in self.crawlers:
            pattern, regex = convert(item["pattern"])
            name = literal_name(pattern) if not regex else derive_name(item["pattern"])
            item["entry"] = self.add(name, pattern, regex, category_of(item.get("tags", [])))
        search_only = [
            agent for item in self.crawlers if item.get("tags") == ["search-engine"] for agent in item["instances"]
        ]
        for name in sorted(self.ai_names, key=lambda n: (len(n), n.lower())):
            if name.lower() in AI_NAMES_TOO_GENERIC:
                self.exclude(name, name, AI_NAMES_TOO_GENERIC[name.lower()])
                continue
            lowered = name.lower()
            merged = [
                item
                for item in self.crawlers
                if item["entry"]
                and any(item["entry"][4].compiled.search(probe) for probe in probes(name))
                and (
                    item["entry"][4].compiled.search(name)
                    or any(lowered in agent.lower() for agent in item.get("instances", []))
                )
            ]
            if merged:
                for item in merged:
                    entry = item["entry"]
                    if "search-engine" in item["tags"] and "ai-crawler" not in item["tags"]:
                        print(f"ai.robots.txt {name!r}: kept {entry[0]!r} in {entry[3]!r} (a search-engine crawler)")
                    elif entry[3] != "ai":
                        print(f"ai.robots.txt {name!r}: {entry[0]!r} moved from {entry[3]!r} to 'ai'")
                        entry[3] = "ai"
                continue
            covered = [e for e in self.entries.values() if e[3] == "ai" and e[4].compiled.search(name)]
            if covered:
                self.exclude(name, name, f"covered by {covered[0][0]!r}")
                continue
            hit = next((agent for agent in search_only if lowered in agent.lower()), None)
            if hit:
                self.exclude(name, name, f"would put the search-engine crawler {hit!r} in category ai")
                continue
            self.add(name, name, False, "ai")
        return sorted((tuple(e[:4]) for e in self.entries.values()), key=lambda e: (e[0].lower(), e[0]))


# Output.

HEADER = """\
# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# Generated by scripts/bot-data.py; do not edit. Refresh with `make bot-data`.
"""


def literal(value):
    """Python source for a str, bool or tuple, in ruff's style (double quotes)."""
    if isinstance(value, bool):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # JSON string syntax is Python string syntax
    return "(" + ", ".join(literal(item) for item in value) + ")"


def render_entry(entry):
    """One tuple of CATALOG or EXCLUDED, split over lines when long."""
    line = f"    {literal(entry)},"
    if len(line) <= 120:
        return [line]
    items = []
    for item in entry:
        text = literal(item)
        if isinstance(item, str) and len(text) > 110:
            # A long string as adjacent literals, so no line passes 120 characters.
            chunks = [item[index : index + 90] for index in range(0, len(item), 90)]
            items += [f"        {literal(chunk)}" for chunk in chunks[:-1]] + [f"        {literal(chunks[-1])},"]
        else:
            items.append(f"        {text},")
    return ["    (", *items, "    ),"]


def render_catalog(sources, catalog, excluded):
    lines = [HEADER.rstrip("\n")]
    lines.append('"""The bot filter\'s catalog of crawler patterns, compiled from public lists.')
    lines.append("")
    lines.append("SOURCES: where the data comes from (name, version, licence, url, sha256 of")
    lines.append("the input file, retrieved). CATALOG: (name, pattern, regex, category), the")
    lines.append("shape of botfilter_data.PROJECT_PATTERNS. EXCLUDED: (name, pattern, reason),")
    lines.append("what the sources have that the catalog leaves out, and why.")
    lines.append('"""')
    lines.append("")
    lines.append("from __future__ import annotations")
    lines.append("")
    lines.append("SOURCES = (")
    for source in sources:
        lines.append("    {")
        for key in ("name", "version", "licence", "url", "file", "sha256", "retrieved"):
            lines.append(f"        {literal(key)}: {literal(source[key])},")
        lines.append("    },")
    lines.append(")")
    lines.append("")
    lines.append("# fmt: off")
    lines.append("CATALOG = (")
    for entry in catalog:
        lines.extend(render_entry(entry))
    lines.append(")")
    lines.append("")
    lines.append("EXCLUDED = (")
    for entry in excluded:
        lines.extend(render_entry(entry))
    lines.append(")")
    lines.append("# fmt: on")
    return "\n".join(lines) + "\n"


def current_catalog():
    """The CATALOG of the file about to be replaced, without importing it."""
    try:
        with open(CATALOG_FILE, encoding="utf-8") as handle:
            tree = ast.parse(handle.read())
    except FileNotFoundError:
        return []
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "CATALOG" for t in node.targets):
            return ast.literal_eval(node.value)
    return []


def show_diff(old, new):
    old_by, new_by = {e[0]: e for e in old}, {e[0]: e for e in new}
    added = sorted(set(new_by) - set(old_by), key=str.lower)
    removed = sorted(set(old_by) - set(new_by), key=str.lower)
    for name in added:
        print(f"added: {new_by[name]!r}")
    for name in removed:
        print(f"removed: {old_by[name]!r}")
    changed = 0
    for name in sorted(set(old_by) & set(new_by), key=str.lower):
        before, after = old_by[name], new_by[name]
        if before[3] != after[3]:
            print(f"category of {name!r}: {before[3]} -> {after[3]}")
            changed += 1
        if before[1:3] != after[1:3]:
            print(f"pattern of {name!r}: {before[1]!r} (regex {before[2]}) -> {after[1]!r} (regex {after[2]})")
            changed += 1
    old_counts = collections.Counter(e[3] for e in old)
    new_counts = collections.Counter(e[3] for e in new)
    print(f"{len(added)} added, {len(removed)} removed, {changed} changed; {len(new)} patterns")
    for category in CATEGORY_PRIORITY:
        print(f"  {category:12} {old_counts.get(category, 0):5} -> {new_counts.get(category, 0):5}")


def report_project_overlap(catalog):
    """Name the PROJECT_PATTERNS entries a refresh made redundant (the unit tests refuse them)."""
    by_name = {entry[0].lower(): entry for entry in catalog}
    by_key = {dialect.Pattern(*entry[:3]).key: entry for entry in catalog}
    for name, pattern, regex, _category in data.PROJECT_PATTERNS:
        twin = by_name.get(name.lower()) or by_key.get(dialect.Pattern(name, pattern, regex).key)
        if twin:
            print(f"PROJECT_PATTERNS {name!r} is now in the catalog as {twin!r}: remove it from botfilter_data.py")


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)


def write_json(path, obj):
    write(path, json.dumps(obj, indent=1, ensure_ascii=False, sort_keys=True) + "\n")


def keep_licence(path, text):
    """Write a licence text, or keep the one there when the input had none."""
    if text is None:
        if not os.path.exists(path):
            sys.exit(f"bot-data: no licence text for {os.path.basename(path)}; pass it with the --*-licence flag")
        return
    write(path, text if text.endswith("\n") else text + "\n")


README = """\
# Bot filter test data

Generated by `scripts/bot-data.py` (`make bot-data`); do not edit by hand.

- `crawlers.json`: every real user-agent instance of crawler-user-agents {cua_version}
  (<https://github.com/monperrus/crawler-user-agents>, MIT, `LICENSE-crawler-user-agents`),
  as `{{"user_agent", "pattern", "tags"}}`: the coverage tests and benchmarks of the catalog.
- `browsers.json`: the {browser_count} distinct real browser user agents of the npm package
  user-agents {ua_version} (<https://github.com/intoli/user-agents>, BSD-2-Clause, `LICENSE-user-agents`):
  no catalog pattern may match any of them.
- `LICENSE-ai.robots.txt`: the licence of ai.robots.txt (<https://github.com/ai-robots-txt/ai.robots.txt>, MIT),
  whose robots.json at commit {ai_ref} adds AI agent names to the catalog.

The catalog itself is `plugins/module_utils/botfilter_catalog.py`. To refresh, bump the versions at the
top of `scripts/bot-data.py` (or pass `--crawlers-version`, `--ai-robots-ref`, `--browsers-version`) and run
`make bot-data`; it downloads the sources (pip, GitHub, npm), or takes local copies with `--crawlers`,
`--ai-robots` and `--browsers`, and prints the patterns added, removed and recategorised.
"""


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--crawlers", help="crawler-user-agents wheel (.whl) or its crawler-user-agents.json")
    parser.add_argument("--crawlers-licence", help="licence text of crawler-user-agents (read from the wheel)")
    parser.add_argument("--crawlers-version", default=CRAWLER_USER_AGENTS_VERSION)
    parser.add_argument("--ai-robots", help="ai.robots.txt robots.json")
    parser.add_argument("--ai-robots-licence", help="ai.robots.txt LICENSE")
    parser.add_argument("--ai-robots-ref", default=AI_ROBOTS_REF, help="the ai.robots.txt commit the file is from")
    parser.add_argument("--browsers", help="user-agents npm tarball (.tgz) or its dist/user-agents.json")
    parser.add_argument("--browsers-licence", help="licence text of user-agents (read from the tarball)")
    parser.add_argument("--browsers-version", default=USER_AGENTS_VERSION)
    parser.add_argument("--date", default=datetime.datetime.now(datetime.UTC).date().isoformat())
    args = parser.parse_args(argv)

    crawlers, cua_licence, cua_blob, cua_file, cua_version = load_crawlers(
        args.crawlers, args.crawlers_licence, args.crawlers_version
    )
    robots, ai_licence, ai_blob, ai_file = load_ai_robots(args.ai_robots, args.ai_robots_licence, args.ai_robots_ref)
    records, ua_licence, ua_blob, ua_file, ua_version = load_browsers(
        args.browsers, args.browsers_licence, args.browsers_version
    )
    browsers = sorted({record["userAgent"] for record in records})
    sources = (
        {
            "name": "crawler-user-agents",
            "version": cua_version,
            "licence": "MIT",
            "url": "https://github.com/monperrus/crawler-user-agents",
            "file": cua_file,
            "sha256": sha256(cua_blob),
            "retrieved": args.date,
        },
        {
            "name": "ai.robots.txt",
            "version": args.ai_robots_ref,
            "licence": "MIT",
            "url": "https://github.com/ai-robots-txt/ai.robots.txt",
            "file": ai_file,
            "sha256": sha256(ai_blob),
            "retrieved": args.date,
        },
        {
            "name": "user-agents",
            "version": ua_version,
            "licence": "BSD-2-Clause",
            "url": "https://github.com/intoli/user-agents",
            "file": ua_file,
            "sha256": sha256(ua_blob),
            "retrieved": args.date,
        },
    )

    old = current_catalog()
    compiler = Compiler(crawlers, list(robots), browsers)
    catalog = compiler.compile()
    excluded = sorted(compiler.excluded, key=lambda e: (e[0].lower(), e[1]))
    write(CATALOG_FILE, render_catalog(sources, catalog, excluded))
    instances = sorted(
        (
            {"user_agent": agent, "pattern": item["pattern"], "tags": sorted(item.get("tags", []))}
            for item in crawlers
            for agent in item.get("instances", [])
        ),
        key=lambda i: (i["pattern"], i["user_agent"]),
    )
    write_json(os.path.join(DATA_DIR, "crawlers.json"), instances)
    write_json(
        os.path.join(DATA_DIR, "browsers.json"),
        {
            "source": "https://github.com/intoli/user-agents (npm user-agents, dist/user-agents.json)",
            "version": ua_version,
            "licence": "BSD-2-Clause",
            "user_agents": browsers,
        },
    )
    keep_licence(os.path.join(DATA_DIR, "LICENSE-crawler-user-agents"), cua_licence)
    keep_licence(os.path.join(DATA_DIR, "LICENSE-ai.robots.txt"), ai_licence)
    keep_licence(os.path.join(DATA_DIR, "LICENSE-user-agents"), ua_licence)
    write(
        os.path.join(DATA_DIR, "README.md"),
        README.format(
            cua_version=cua_version, ua_version=ua_version, browser_count=len(browsers), ai_ref=args.ai_robots_ref
        ),
    )
    report_project_overlap(catalog)
    print(f"{len(instances)} crawler instances, {len(browsers)} browsers, {len(excluded)} patterns left out")
    show_diff(old, catalog)
    print(f"wrote {os.path.relpath(CATALOG_FILE, ROOT)} ({os.path.getsize(CATALOG_FILE)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
