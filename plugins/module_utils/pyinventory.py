# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What is installed in a Python environment, read from its distributions' metadata.

Plain Python, standard library only: it runs on the managed hosts, which
need no pip, no pip-audit and no network for it. It reads the environment
an app runs in (a virtualenv, a conda environment, or a site-packages
directory given as such), never the interpreter that runs it:

- ``inventory(path)``: the environment's site-packages directories and, from
  every ``*.dist-info/METADATA`` and ``*.egg-info`` (a ``PKG-INFO`` file in
  an ``.egg-info`` directory, or an ``.egg-info`` file), the distributions'
  names (normalised per PEP 503) and versions;
- ``discover(roots, max_depth)``: the virtualenvs (directories holding a
  ``pyvenv.cfg``) under ROOTS, at most MAX_DEPTH directories down;
- ``pinned_requirements(text)``: which names a requirements file pins with
  ``==`` and which it leaves unpinned.
"""

from __future__ import annotations

import os
import re

_SEPARATORS = re.compile(r"[-_.]+")
_SITE_GLOBS = (("lib",), ("lib64",))
# Directories a search for virtualenvs never enters: large, and never apps' environments.
_SKIP_DIRS = {".git", "node_modules", "__pycache__", "site-packages", "proc", "sys", "dev"}


def normalize(name):
    """NAME normalised per PEP 503: lower case, runs of ``-``, ``_`` and ``.`` made one ``-``."""
    return _SEPARATORS.sub("-", name.strip()).lower()


def read_pyvenv_cfg(path):
    """The ``key = value`` pairs of a pyvenv.cfg (keys lower case), {} when it cannot be read."""
    values = {}
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                key, sep, value = line.partition("=")
                if sep:
                    values[key.strip().lower()] = value.strip()
    except OSError:
        return {}
    return values


def environment_kind(path):
    """``venv``, ``conda``, ``site-packages`` or None (not a Python environment we can read)."""
    if os.path.isfile(os.path.join(path, "pyvenv.cfg")):
        return "venv"
    if os.path.isdir(os.path.join(path, "conda-meta")):
        return "conda"
    try:
        names = os.listdir(path)
    except OSError:
        return None
    if any(name.endswith((".dist-info", ".egg-info")) for name in names):
        return "site-packages"
    return None


def site_packages(path):
    """The site-packages directories of the environment at PATH, sorted (PATH itself for a site-packages dir)."""
    kind = environment_kind(path)
    if kind == "site-packages":
        return [path]
    found = []
    for parts in _SITE_GLOBS:
        lib = os.path.join(path, *parts)
        try:
            names = sorted(os.listdir(lib))
        except OSError:
            continue
        for name in names:
            candidate = os.path.join(lib, name, "site-packages")
            if name.startswith(("python3", "pypy3")) and os.path.isdir(candidate):
                real = os.path.realpath(candidate)
                if real not in (os.path.realpath(item) for item in found):
                    found.append(candidate)
    return found


def _headers(path):
    """Name and Version from the header block of a METADATA or PKG-INFO file (None for what is missing)."""
    name = version = None
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if not line.strip():
                break
            key, sep, value = line.partition(":")
            if not sep:
                continue
            key = key.strip().lower()
            if key == "name" and name is None:
                name = value.strip()
            elif key == "version" and version is None:
                version = value.strip()
            if name is not None and version is not None:
                break
    return name, version


def _from_dirname(entry):
    """(name, version) from ``name-version.dist-info`` (the fallback when the metadata file lacks them)."""
    stem = entry.rsplit(".", 1)[0]
    name, _dash, version = stem.partition("-")
    return name or None, version.split("-")[0] or None


def read_distributions(sitedir):
    """Every distribution in SITEDIR: a list of dicts ``name`` (normalised), ``version``, ``metadata`` (path).

    A distribution whose metadata cannot be read, or that names no version,
    is returned with ``problem`` set instead of being left out silently.
    """
    found = []
    try:
        entries = sorted(os.listdir(sitedir))
    except OSError as exc:
        return [{"name": None, "version": None, "metadata": sitedir, "problem": f"cannot list: {exc.strerror}"}]
    for entry in entries:
        full = os.path.join(sitedir, entry)
        if entry.endswith(".dist-info"):
            metadata = os.path.join(full, "METADATA")
        elif entry.endswith(".egg-info"):
            metadata = os.path.join(full, "PKG-INFO") if os.path.isdir(full) else full
        else:
            continue
        item = {"metadata": metadata}
        try:
            name, version = _headers(metadata)
        except OSError as exc:
            name, version = None, None
            item["problem"] = f"cannot read: {exc.strerror}"
        fallback_name, fallback_version = _from_dirname(entry)
        name = name or fallback_name
        version = version or (fallback_version if entry.endswith(".dist-info") else None)
        item.update(name=normalize(name) if name else None, version=version)
        if version is None and "problem" not in item:
            item["problem"] = "no Version in the metadata"
        found.append(item)
    return found


def inventory(path):
    """The distributions of the environment at PATH.

    A dict: ``path``, ``kind`` (see ``environment_kind``), ``site_packages``,
    ``packages`` ({normalised name: version}), ``duplicates`` ({name: [every
    version found]} for a name installed more than once, which a broken
    upgrade leaves; ``packages`` keeps the first found), ``system_site_packages``
    (a virtualenv that also sees the system's packages; they are not read)
    and ``problems`` (metadata that could not be read, or no site-packages).
    """
    kind = environment_kind(path)
    result = {
        "path": path,
        "kind": kind,
        "site_packages": [],
        "packages": {},
        "duplicates": {},
        "system_site_packages": False,
        "problems": [],
    }
    if kind is None:
        result["problems"].append(f"{path}: not a virtualenv, conda environment or site-packages directory")
        return result
    if kind == "venv":
        cfg = read_pyvenv_cfg(os.path.join(path, "pyvenv.cfg"))
        result["system_site_packages"] = cfg.get("include-system-site-packages", "false").lower() == "true"
    result["site_packages"] = site_packages(path)
    if not result["site_packages"]:
        result["problems"].append(f"{path}: no lib/python3*/site-packages directory")
    seen = {}
    for sitedir in result["site_packages"]:
        for item in read_distributions(sitedir):
            if "problem" in item:
                result["problems"].append(f"{item['metadata']}: {item['problem']}")
            if item["name"] is None or item["version"] is None:
                continue
            seen.setdefault(item["name"], []).append(item["version"])
    for name, versions in sorted(seen.items()):
        result["packages"][name] = versions[0]
        if len(versions) > 1:
            result["duplicates"][name] = versions
    return result


def discover(roots, max_depth=4):
    """The virtualenvs under ROOTS: directories holding a pyvenv.cfg, at most MAX_DEPTH levels below a root.

    A root that is itself a virtualenv counts (depth 0). The search does not
    enter a virtualenv it found, follow symbolic links or enter
    ``site-packages``, ``node_modules`` or ``.git``. Sorted, without repeats.
    """
    found = set()
    for root in roots:
        stack = [(os.path.abspath(root), 0)]
        while stack:
            directory, depth = stack.pop()
            if os.path.isfile(os.path.join(directory, "pyvenv.cfg")):
                found.add(directory)
                continue
            if depth >= max_depth:
                continue
            try:
                with os.scandir(directory) as entries:
                    children = [
                        entry.path
                        for entry in entries
                        if entry.name not in _SKIP_DIRS and entry.is_dir(follow_symlinks=False)
                    ]
            except OSError:
                continue
            stack.extend((child, depth + 1) for child in children)
    return sorted(found)


_REQUIREMENT = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)$")


def pinned_requirements(text):
    """(pinned, unpinned) of a requirements file's TEXT: {normalised name: version} for ``name==version``
    (``===`` too), and the sorted names with any other specifier or none.

    Comments, blank lines, options (``-r``, ``--hash``, ``-e``), URLs and
    environment markers are handled as pip reads them; a continued line
    (ending in a backslash) is joined first.
    """
    pinned, unpinned = {}, set()
    for line in text.replace("\\\n", " ").splitlines():
        line = re.sub(r"(^|\s)#.*$", "", line).strip()
        if not line or line.startswith("-"):
            continue
        requirement = line.split(";", 1)[0].split(" --", 1)[0].strip()
        if "://" in requirement and " @ " not in requirement:
            continue
        match = _REQUIREMENT.match(requirement)
        if not match:
            continue
        name, rest = normalize(match.group(1)), match.group(3).strip()
        pin = re.fullmatch(r"===?\s*([^\s,*]+)", rest)
        if pin:
            pinned[name] = pin.group(1)
            unpinned.discard(name)
        elif name not in pinned:
            unpinned.add(name)
    return pinned, sorted(unpinned)
