# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Environments' inventories from their metadata: small fake environments in tmp_path."""

from __future__ import annotations

import pytest

from ansible_collections.aiguard.hardening.plugins.module_utils import pyinventory

SITE = "lib/python3.11/site-packages"


def metadata(name, version, extra=""):
    text = "Metadata-Version: 2.1\n"
    if name is not None:
        text += f"Name: {name}\n"
    if version is not None:
        text += f"Version: {version}\n"
    # A body whose lines look like headers must not count.
    return text + extra + "\nName: not-this\nVersion: 0.0.0\n"


def build(root, files):
    """Write FILES ({relative path: text, or None for a directory}) under ROOT; return ROOT as a string."""
    for relative, text in files.items():
        path = root / relative
        if text is None:
            path.mkdir(parents=True, exist_ok=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    return str(root)


VENV = {
    "pyvenv.cfg": "home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.11.2\n",
    f"{SITE}/requests-2.31.0.dist-info/METADATA": metadata("requests", "2.31.0"),
    f"{SITE}/Jinja2-3.1.2.dist-info/METADATA": metadata("Jinja2", "3.1.2"),
    f"{SITE}/zope.interface-6.0.dist-info/METADATA": metadata("zope.interface", "6.0"),
    f"{SITE}/typing_extensions-4.8.0.dist-info/METADATA": metadata("typing_extensions", "4.8.0"),
    f"{SITE}/six.egg-info": metadata("six", "1.16.0"),  # an egg-info file
    f"{SITE}/Paste.egg-info/PKG-INFO": metadata("Paste", "3.5.0"),  # an egg-info directory
    f"{SITE}/torch-2.1.0+cu121.dist-info/METADATA": metadata("torch", "2.1.0+cu121"),
    f"{SITE}/requests": None,  # the package itself: not metadata
}


@pytest.mark.parametrize(
    ("name", "files", "kind", "packages", "problems"),
    [
        (
            "virtualenv: dist-info, egg-info file and directory, names normalised",
            VENV,
            "venv",
            {
                "jinja2": "3.1.2",
                "paste": "3.5.0",
                "requests": "2.31.0",
                "six": "1.16.0",
                "torch": "2.1.0+cu121",
                "typing-extensions": "4.8.0",
                "zope-interface": "6.0",
            },
            [],
        ),
        (
            "conda environment",
            {
                "conda-meta/history": "",
                f"{SITE}/numpy-1.26.0.dist-info/METADATA": metadata("numpy", "1.26.0"),
            },
            "conda",
            {"numpy": "1.26.0"},
            [],
        ),
        (
            "a site-packages directory given as such",
            {"Pillow-10.0.0.dist-info/METADATA": metadata("Pillow", "10.0.0")},
            "site-packages",
            {"pillow": "10.0.0"},
            [],
        ),
        (
            "METADATA without Name or Version: the directory's name",
            {
                "pyvenv.cfg": "home = /usr/bin\n",
                f"{SITE}/gradio-4.10.0.dist-info/METADATA": metadata(None, None),
            },
            "venv",
            {"gradio": "4.10.0"},
            [],
        ),
        (
            "egg-info without a Version: reported, left out",
            {"pyvenv.cfg": "", f"{SITE}/odd.egg-info/PKG-INFO": metadata("odd", None)},
            "venv",
            {},
            ["no Version in the metadata"],
        ),
        (
            "dist-info without METADATA: reported, known by its directory's name",
            {"pyvenv.cfg": "", f"{SITE}/urllib3-1.26.5.dist-info/RECORD": ""},
            "venv",
            {"urllib3": "1.26.5"},
            ["cannot read"],
        ),
        ("virtualenv without site-packages", {"pyvenv.cfg": "", "bin/python": ""}, "venv", {}, ["no lib/python3"]),
        ("not an environment", {"README": ""}, None, {}, ["not a virtualenv"]),
    ],
)
def test_inventory(tmp_path, name, files, kind, packages, problems):
    result = pyinventory.inventory(build(tmp_path / "env", files))
    assert result["kind"] == kind, name
    assert result["packages"] == packages, name
    assert len(result["problems"]) == len(problems), result["problems"]
    for found, expected in zip(result["problems"], problems, strict=True):
        assert expected in found


def test_lib64_link_read_once_and_duplicates(tmp_path):
    root = tmp_path / "env"
    build(
        root,
        {
            "pyvenv.cfg": "include-system-site-packages = true\n",
            f"{SITE}/requests-2.31.0.dist-info/METADATA": metadata("requests", "2.31.0"),
            f"{SITE}/requests-2.30.0.dist-info/METADATA": metadata("requests", "2.30.0"),
        },
    )
    (root / "lib64").symlink_to("lib")  # as python -m venv makes it
    result = pyinventory.inventory(str(root))
    assert result["site_packages"] == [str(root / SITE)]
    assert result["system_site_packages"] is True
    assert result["packages"] == {"requests": "2.30.0"}  # the first in sorted order
    assert result["duplicates"] == {"requests": ["2.30.0", "2.31.0"]}


@pytest.mark.parametrize(
    ("name", "normalised"),
    [
        ("Jinja2", "jinja2"),
        ("zope.interface", "zope-interface"),
        ("typing_extensions", "typing-extensions"),
        ("Foo__Bar-.baz", "foo-bar-baz"),
        (" requests ", "requests"),
    ],
)
def test_normalize(name, normalised):
    assert pyinventory.normalize(name) == normalised


def test_discover(tmp_path):
    files = {
        "srv/app1/venv/pyvenv.cfg": "",
        "srv/app1/venv/lib/nested/pyvenv.cfg": "",  # inside a found virtualenv: not entered
        "srv/app2/.venv/pyvenv.cfg": "",
        "srv/a/b/c/d/venv/pyvenv.cfg": "",  # 5 levels below srv: beyond max_depth 4
        "srv/app3/node_modules/x/pyvenv.cfg": "",
        "srv/app4/src/main.py": "",
        "opt/comfy/pyvenv.cfg": "",  # a root that is itself a virtualenv
    }
    build(tmp_path, files)
    (tmp_path / "srv" / "link").symlink_to(tmp_path / "opt" / "comfy")  # links are not followed
    found = pyinventory.discover([str(tmp_path / "srv"), str(tmp_path / "opt" / "comfy"), str(tmp_path / "none")])
    assert found == [str(tmp_path / p) for p in ("opt/comfy", "srv/app1/venv", "srv/app2/.venv")]
    assert str(tmp_path / "srv/a/b/c/d/venv") in pyinventory.discover([str(tmp_path / "srv")], max_depth=5)


@pytest.mark.parametrize(
    ("text", "pinned", "unpinned"),
    [
        ("requests==2.31.0\n", {"requests": "2.31.0"}, []),
        ("Jinja2 == 3.1.2  # templating\n", {"jinja2": "3.1.2"}, []),
        ("torch===2.1.0+cu121\n", {"torch": "2.1.0+cu121"}, []),
        ("uvicorn[standard]==0.23.2 ; python_version >= '3.8'\n", {"uvicorn": "0.23.2"}, []),
        (
            "gradio==4.10.0 \\\n    --hash=sha256:0123\\\n    --hash=sha256:4567\n",
            {"gradio": "4.10.0"},
            [],
        ),
        ("numpy>=1.24\nPillow\nfastapi~=0.104\nurllib3==1.*\n", {}, ["fastapi", "numpy", "pillow", "urllib3"]),
        ("requests>=2,<3\nrequests==2.31.0\n", {"requests": "2.31.0"}, []),
        (
            "# comment\n\n-r base.txt\n--index-url x\n-e .\n"
            "https://example.org/pkg.whl\nmypkg @ https://example.org/mypkg-1.0.whl\n",
            {},
            ["mypkg"],
        ),
    ],
)
def test_pinned_requirements(text, pinned, unpinned):
    assert pyinventory.pinned_requirements(text) == (pinned, unpinned)
