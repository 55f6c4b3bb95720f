# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run bot_filter's main() as Ansible would: files, check mode, diff mode, failures."""

from __future__ import annotations

import os
import stat

import pytest
import yaml
from ansible.module_utils import basic

from ansible_collections.aiguard.hardening.plugins.module_utils import botfilter as bf
from ansible_collections.aiguard.hardening.plugins.module_utils import botfilter_data as data
from ansible_collections.aiguard.hardening.plugins.modules import bot_filter



@pytest.fixture
def run(monkeypatch, run_main):
    """run(args) -> (failed, result, warnings, moves) of bot_filter.main()."""
    state = {}

    def warn(self, message):
        state["warnings"].append(message)

    real_move = basic.AnsibleModule.atomic_move

    def atomic_move(self, src, dest, *args, **kwargs):
        state["moves"].append((src, dest))
        return real_move(self, src, dest, *args, **kwargs)

    monkeypatch.setattr(basic.AnsibleModule, "warn", warn)
    monkeypatch.setattr(basic.AnsibleModule, "atomic_move", atomic_move)

    def run_module(args):
        state.update(warnings=[], moves=[])
        failed, result = run_main(bot_filter.main, args)
        return failed, result, state["warnings"], state["moves"]

    return run_module


@pytest.fixture
def paths(tmp_path):
    (tmp_path / "conf.d").mkdir()
    (tmp_path / "snippets").mkdir()
    return dict(dest=str(tmp_path / "conf.d" / "aiguard-bots.conf"),
                snippet_dest=str(tmp_path / "snippets" / "aiguard-bots.conf"))


def read(path):
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def test_writes_both_files_then_is_idempotent(run, paths, tmp_path):
    failed, result, warnings, moves = run(dict(paths))
    assert not failed, result.get("msg")
    assert result["changed"] is True
    assert warnings == []
    http, snippet = read(paths["dest"]), read(paths["snippet_dest"])
    expected = bf.build()
    # The files name each other by base name, so the bytes do not depend on the directory.
    assert http == expected.render_http(snippet_dest=os.path.basename(paths["snippet_dest"]))
    assert snippet == expected.render_snippet(dest=os.path.basename(paths["dest"]))
    assert "limit_req_zone $aiguard_bot_limit_key zone=aiguard_bots:10m rate=30r/m;" in http
    assert "if ($aiguard_bot_block) {\n    return 444;\n}\nlimit_req zone=aiguard_bots burst=5 nodelay;\n" in snippet
    for path in paths.values():
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o644
    # Atomic: each file came from a temporary file in its own directory, none left behind.
    assert [dest for _src, dest in moves] == [paths["dest"], paths["snippet_dest"]]
    for src, dest in moves:
        assert os.path.dirname(src) == os.path.dirname(dest) and not os.path.exists(src)
    assert sorted(os.listdir(tmp_path / "conf.d")) == ["aiguard-bots.conf"]
    assert result["counts"] == expected.counts
    assert result["patterns"] == [entry.as_dict() for entry in expected.entries]
    assert (result["duplicates"], result["shadowed"]) == ([], [])
    assert "diff" not in result

    failed, again, _warnings, moves = run(dict(paths))
    assert not failed and again["changed"] is False and moves == []


@pytest.mark.parametrize(
    ("args", "checks"),
    [
        ({"block_status": 403, "limit_burst": 10, "limit_rate": "5r/s"},
         ["    return 403;", "burst=10 nodelay;", "rate=5r/s;"]),
        ({"allow": ["curl", "python-requests"]}, [f"{len(data.BUILTIN_PATTERNS) - 2} user-agent patterns"]),
        ({"builtin": False, "patterns": [{"name": "gpt", "pattern": "GPTBot"}]}, ["1 user-agent patterns"]),
        ({"builtin_probe_paths": False, "probe_paths": ["/backup.zip"]}, ["1 probe paths"]),
        ({"fast_path": False}, ["1 exact user agents in the hash"]),
    ],
)
def test_options_reach_the_files(run, paths, args, checks):
    failed, result, _warnings, _moves = run(dict(paths, **args))
    assert not failed, result.get("msg")
    text = read(paths["dest"]) + read(paths["snippet_dest"])
    for check in checks:
        assert check in text


def test_check_mode_writes_nothing(run, paths):
    failed, result, _warnings, moves = run(dict(paths, _ansible_check_mode=True))
    assert not failed and result["changed"] is True and moves == []
    assert not os.path.exists(paths["dest"]) and not os.path.exists(paths["snippet_dest"])
    # A converged host reports no change in check mode.
    run(dict(paths))
    failed, result, _warnings, moves = run(dict(paths, _ansible_check_mode=True))
    assert not failed and result["changed"] is False and moves == []
    # A change of options is predicted but not made.
    before = read(paths["snippet_dest"])
    failed, result, _warnings, moves = run(dict(paths, block_status=403, _ansible_check_mode=True))
    assert not failed and result["changed"] is True and moves == []
    assert read(paths["snippet_dest"]) == before


@pytest.mark.parametrize("check_mode", [False, True])
def test_diff_mode(run, paths, check_mode):
    run(dict(paths))
    old_http = read(paths["dest"])
    failed, result, _warnings, _moves = run(dict(paths, limit_rate="10r/m", block_status=403, _ansible_diff=True,
                                                 _ansible_check_mode=check_mode))
    assert not failed and result["changed"] is True
    http_diff, snippet_diff = result["diff"]
    assert http_diff["before_header"] == http_diff["after_header"] == paths["dest"]
    assert snippet_diff["before_header"] == snippet_diff["after_header"] == paths["snippet_dest"]
    assert http_diff["before"] == old_http and "rate=30r/m;" in http_diff["before"]
    assert "rate=10r/m;" in http_diff["after"]
    assert "return 444;" in snippet_diff["before"] and "return 403;" in snippet_diff["after"]
    assert (read(paths["dest"]) == old_http) is check_mode


def test_diff_mode_on_new_files(run, paths):
    failed, result, _warnings, _moves = run(dict(paths, _ansible_diff=True, _ansible_check_mode=True))
    assert not failed
    assert [d["before"] for d in result["diff"]] == ["", ""]
    assert result["diff"][1]["after"].startswith("# Generated by aiguard.hardening.bot_filter")


def test_mode(run, paths):
    failed, result, _warnings, _moves = run(dict(paths, mode="0640"))
    assert not failed and result["changed"] is True
    for path in paths.values():
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    # Only the mode differs: changed, content untouched.
    failed, result, _warnings, moves = run(dict(paths, mode="u=rw,go=r"))
    assert not failed and result["changed"] is True and moves == []
    assert stat.S_IMODE(os.stat(paths["dest"]).st_mode) == 0o644
    failed, result, _warnings, _moves = run(dict(paths, mode="0644"))
    assert result["changed"] is False


def test_replaces_a_foreign_file(run, paths):
    with open(paths["dest"], "w", encoding="utf-8") as handle:
        handle.write("# hand-written\n")
    os.chmod(paths["dest"], 0o600)
    failed, result, _warnings, _moves = run(dict(paths, _ansible_diff=True))
    assert not failed and result["changed"] is True
    assert result["diff"][0]["before"] == "# hand-written\n"
    assert read(paths["dest"]).startswith("# Generated by")
    assert stat.S_IMODE(os.stat(paths["dest"]).st_mode) == 0o644


@pytest.mark.parametrize(
    ("args", "warned", "others"),
    [
        ({"patterns": [{"name": "bing", "pattern": "bingbot", "action": "limit"}]},
         ["pattern 'bing' (user, limit) matches exactly what 'bingbot' (builtin, block) matches"], 0),
        ({"patterns": [{"name": "any bot", "pattern": "bot"}]},
         ["pattern 'Googlebot' (builtin, block) is shadowed by 'any bot' (user, block)",
          "pattern 'GPTBot' (builtin, block) is shadowed by 'any bot'"], 0),
        ({"allow": ["curl", "no-such-bot"]},
         ["allow item 'no-such-bot' matches no built-in pattern name or pattern"], 1),
    ],
)
def test_warnings(run, paths, args, warned, others):
    failed, result, warnings, _moves = run(dict(paths, **args))
    assert not failed, result.get("msg")
    for text in warned:
        assert any(text in warning for warning in warnings), warnings
    assert len(warnings) == len(result["duplicates"]) + len(result["shadowed"]) + others


def test_shadowed_result(run, paths):
    failed, result, _warnings, _moves = run(dict(paths, patterns=[{"name": "any bot", "pattern": "bot"}]))
    assert not failed
    googlebot = next(item for item in result["shadowed"] if item["name"] == "Googlebot")
    assert googlebot == dict(name="Googlebot", pattern="Googlebot", source="builtin", action="block",
                             shadowed_by="any bot", message=googlebot["message"])
    assert result["counts"]["shadowed"] == len(result["shadowed"]) > 10


def test_rate_limited_bingbot(run, paths):
    failed, result, _warnings, _moves = run(dict(paths, patterns=[{"name": "bingbot", "pattern": "bingbot",
                                                                   "action": "limit"}]))
    assert not failed
    assert {"name": "bingbot", "pattern": "bingbot", "regex": False, "action": "limit", "source": "user"} in result[
        "patterns"]
    assert result["counts"]["limit"] == 1
    assert '"~*bingbot" limit;' in read(paths["dest"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"patterns": [{"name": "broken", "pattern": "Googlebot(", "regex": True}]},
         "pattern 'broken': 'Googlebot(' is not a valid regular expression: missing ), unterminated subpattern at"
         " position 9"),
        ({"patterns": [{"name": "backref", "pattern": r"(bot)\1", "regex": True}]},
         "pattern 'backref': a back-reference at position 5"),
        ({"patterns": [{"name": "browsers", "pattern": "Chrome/"}]},
         "pattern 'browsers' (user, 'Chrome/') matches Chrome 142 on Windows: 'Mozilla/5.0 (Windows NT 10.0;"),
        ({"patterns": [{"name": "apple", "pattern": "AppleWebKit", "regex": True}]},
         "Narrow or allow the pattern, or set allow_browser_matches: true"),
        ({"patterns": [{"name": "x", "pattern": "x", "action": "drop"}]},
         "value of action must be one of: block, limit, got: drop found in patterns"),
        ({"patterns": [{"pattern": "x"}]}, "missing required arguments: name found in patterns"),
        ({"block_status": 500}, "value of block_status must be one of: 444, 403, got: 500"),
        ({"limit_rate": "30 per minute"}, "limit_rate must be a request rate such as 30r/m or 5r/s"),
        ({"limit_burst": -1}, "limit_burst must be a whole number of requests, 0 or more, not -1"),
        ({"probe_paths": [".env"]}, "probe path '.env' must start with '/'"),
    ],
)
def test_failures(run, paths, args, message):
    failed, result, _warnings, moves = run(dict(paths, **args))
    assert failed
    assert message in result["msg"]
    assert moves == [] and not os.path.exists(paths["dest"])


def test_browser_matches_can_be_allowed(run, paths):
    args = dict(paths, patterns=[{"name": "browsers", "pattern": "SamsungBrowser"}], allow_browser_matches=True)
    failed, result, warnings, _moves = run(args)
    assert not failed and result["changed"] is True
    samsung = [(label, agent) for label, agent in data.BROWSER_USER_AGENTS if "SamsungBrowser" in agent]
    assert len(samsung) == 3
    assert warnings == [f"pattern 'browsers' (user, 'SamsungBrowser') matches {label}: {agent!r}"
                        for label, agent in samsung]


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("no_dir", "the directory of {snippet_dest} does not exist; create {snippet_dir} first"),
        ("dest_is_dir", "{dest} is a directory; give the path of a file"),
        ("same", "dest and snippet_dest are the same file"),
    ],
)
def test_file_problems(run, paths, tmp_path, setup, message):
    args = dict(paths)
    if setup == "no_dir":
        args["snippet_dest"] = str(tmp_path / "missing" / "bots.conf")
    elif setup == "dest_is_dir":
        os.mkdir(args["dest"])
    else:
        args["snippet_dest"] = args["dest"]
    failed, result, _warnings, moves = run(args)
    assert failed and moves == []
    assert message.format(snippet_dir=os.path.dirname(args["snippet_dest"]), **args) in result["msg"]
    if setup == "no_dir":  # nothing written when one of the two cannot be
        assert not os.path.exists(args["dest"])


def test_documentation_matches_the_module(run, paths, module_init, assert_documented):
    """Every option, suboption and return value is documented, and nothing more."""
    failed, result, _warnings, _moves = run(dict(paths, patterns=[{"name": "any bot", "pattern": "bot"},
                                                                  {"name": "bing", "pattern": "bingbot"}],
                                                 _ansible_diff=True))
    assert not failed

    doc = yaml.safe_load(bot_filter.DOCUMENTATION)
    assert module_init["supports_check_mode"] is True
    assert doc["attributes"]["check_mode"]["support"] == "full"
    assert doc["attributes"]["diff_mode"]["support"] == "full"
    assert_documented(doc["options"], module_init["argument_spec"])

    returned = yaml.safe_load(bot_filter.RETURN)
    assert set(returned) == set(result) - {"changed", "diff"}
    assert set(returned["counts"]["contains"]) == set(result["counts"])
    assert set(returned["patterns"]["contains"]) == set(result["patterns"][0])
    assert set(returned["duplicates"]["contains"]) == set(result["duplicates"][0])
    assert set(returned["shadowed"]["contains"]) == set(result["shadowed"][0])
    yaml.safe_load(bot_filter.EXAMPLES)
