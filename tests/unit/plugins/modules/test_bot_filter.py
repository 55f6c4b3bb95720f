# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run bot_filter's main() as Ansible would: files, check mode, diff mode, failures.

Most runs keep the built-in patterns, whose fast-path listing is cached once
computed; the runs with other patterns switch the fast path off unless they
are about it.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest
import yaml
from ansible.module_utils import basic

from ansible_collections.aiguard.hardening.plugins.module_utils import botfilter as bf
from ansible_collections.aiguard.hardening.plugins.module_utils import botfilter_data as data
from ansible_collections.aiguard.hardening.plugins.module_utils import botfilter_pack as pack
from ansible_collections.aiguard.hardening.plugins.module_utils.botfilter_entries import ALLOW, BLOCK
from ansible_collections.aiguard.hardening.plugins.modules import bot_filter

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "module_utils"))
# The evaluator of the module_utils tests.
from botfilter_nginx import NginxServer, dropped

FILES = ("dest", "server_snippet_dest", "snippet_dest")
ACME = "/.well-known/acme-challenge/"
# Patterns that leave fast-path families out, without matching a current browser.
DROPPING = [
    {"name": "old firefox", "pattern": "Firefox/13"},
    {"name": "safari 27.1", "pattern": r"Version/27\.1", "regex": True},
]


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
    for directory in ("conf.d", "server", "snippets"):
        (tmp_path / directory).mkdir()
    return dict(
        dest=str(tmp_path / "conf.d" / "aiguard-bots.conf"),
        server_snippet_dest=str(tmp_path / "server" / "aiguard-bots-server.conf"),
        snippet_dest=str(tmp_path / "snippets" / "aiguard-bots.conf"),
    )


def read(path):
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def texts(paths):
    return [read(paths[name]) for name in FILES]


def expected_texts(flt, paths, block_status=444, limit_rate="30r/m", limit_burst=5, return_on_drop=True):
    """The three files for ``flt``; they name each other by base name only."""
    base = {name: os.path.basename(paths[name]) for name in FILES}
    return [
        flt.render_http(limit_rate, snippet_dest=base["snippet_dest"], server_snippet_dest=base["server_snippet_dest"]),
        flt.render_server(
            block_status, dest=base["dest"], snippet_dest=base["snippet_dest"], return_on_drop=return_on_drop
        ),
        flt.render_snippet(limit_burst, dest=base["dest"]),
    ]


def builtin_notes(result):
    """The warnings of a run without user patterns: the built-in list's duplicate and shadowing are only counted."""
    assert all(d["source"] == "builtin" for d in result["duplicates"])
    assert all(s["source"] == s["shadowed_by_source"] == "builtin" for s in result["shadowed"])
    return [d["message"] for d in result["fast_path_dropped"]]


def warned_items(result):
    """The result items warned about: duplicates and shadowing that involve the user's patterns, fast-path drops."""
    return (
        [d["message"] for d in result["duplicates"] if d["source"] == "user"]
        + [s["message"] for s in result["shadowed"] if "user" in (s["source"], s["shadowed_by_source"])]
        + [d["message"] for d in result["fast_path_dropped"]]
    )


def test_writes_three_files_then_is_idempotent(run, paths, tmp_path):
    failed, result, warnings, moves = run(dict(paths))
    assert not failed, result.get("msg")
    assert result["changed"] is True
    assert warnings == builtin_notes(result)
    expected = bf.build()
    http, server, location = texts(paths)
    # The files name each other by base name, so the bytes do not depend on the directory.
    assert [http, server, location] == expected_texts(expected, paths)
    assert "# Needs aiguard-bots-server.conf at the end of every server block to filter." in http
    assert "map $http_user_agent $aiguard_bot_class {\n    default user;\n" in http
    assert "limit_req_zone" not in http and "$aiguard_bot_limit_key" not in server  # no limit pattern
    assert f"if ($http_user_agent ~ {pack.nginx_string(expected.fast_path)}) {{\n    break;\n}}\n" in server
    assert 'set $aiguard_bot_drop "";\n' in server
    assert "if ($aiguard_bot_drop) {\n    return 444;\n}\n" in server
    assert 'location ^~ "/.env" { return 444; }\n' in server
    assert "limit_req" not in location and "# No pattern has the action limit: nothing to do here.\n" in location
    for path in paths.values():
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o644
    # Atomic: each file came from a temporary file in its own directory, none left behind.
    assert [dest for _src, dest in moves] == [paths[name] for name in FILES]
    for src, dest in moves:
        assert os.path.dirname(src) == os.path.dirname(dest) and not os.path.exists(src)
    for name in FILES:
        assert os.listdir(os.path.dirname(paths[name])) == [os.path.basename(paths[name])]
    assert result["counts"] == expected.counts
    assert result["policies"] == {"private": expected.counts}
    assert result["counts"]["fast_path_families"] == len(data.FAST_PATH_FAMILIES)
    assert result["patterns"] == [entry.as_dict() for entry in expected.entries]
    assert {item["category"] for item in result["patterns"]} >= {"ai", "scanner", "search"}
    # The built-in list: one duplicate (generic-java, Java), the names the generic markers shadow.
    assert [(d["name"], d["duplicate_of"]) for d in result["duplicates"]] == [("generic-java", "Java")]
    assert len(result["shadowed"]) == result["counts"]["shadowed"] > 500
    assert result["fast_path_dropped"] == expected.fast_path_dropped
    assert [d for d in result["fast_path_dropped"] if d["family"] in dict(data.FAST_PATH_FAMILIES)] == []
    assert "diff" not in result

    failed, again, _warnings, moves = run(dict(paths))
    assert not failed and again["changed"] is False and moves == []


def test_only_the_changed_file_is_replaced(run, paths):
    run(dict(paths))
    before = texts(paths)
    failed, result, _warnings, moves = run(dict(paths, block_status=403))  # only the server include changes
    assert not failed and result["changed"] is True
    assert [dest for _src, dest in moves] == [paths["server_snippet_dest"]]
    after = texts(paths)
    assert (after[0], after[2]) == (before[0], before[2]) and after[1] != before[1]


LIMIT = [{"name": "bingbot", "pattern": "bingbot", "action": "limit"}]


@pytest.mark.parametrize(
    ("args", "present", "absent"),
    [
        (
            {"block_status": 403, "limit_burst": 10, "limit_rate": "5r/s", "patterns": LIMIT, "fast_path": False},
            ["    return 403;", 'location ^~ "/.env" { return 403; }', "burst=10 nodelay;", "rate=5r/s;"],
            ["return 444"],
        ),
        (
            {"allow": ["curl", "python-requests"], "fast_path": False},
            [f"{len(bf.build(fast_path=False).entries) - 2} user-agent patterns"],
            [],
        ),
        (
            {"builtin": False, "patterns": [{"name": "gpt", "pattern": "GPTBot"}], "fast_path": False},
            [
                "1 user-agent patterns",
                'if ($http_user_agent ~* "gptbot") {\n    set $aiguard_bot_drop ua:$aiguard_bot_class;',
                "map $http_user_agent $aiguard_bot_class {\n    default user;\n}",  # a user pattern is the default
            ],
            [],
        ),
        (
            {"builtin_probe_paths": False, "probe_paths": ["/backup.zip"]},
            [
                "1 probe paths",
                'location ^~ "/backup.zip" { return 444; }',
                'if ($uri ~* "/backup\\.zip") {\n    set $aiguard_bot_drop probe;\n}',
            ],
            ['"/.env"'],
        ),
        ({"fast_path": False}, ["fast path: 0 browser families, 0 user agents"], ["$http_user_agent ~ ", "break;"]),
        (
            {"exempt_paths": ["/health", ACME]},
            ['if ($uri ~ "^/health$|^/\\.well-known/acme-challenge/") {\n    break;\n}'],
            [],
        ),
        (
            {"return_on_drop": False},
            ['location ^~ "/.env" { return 444; }'],
            ["if ($aiguard_bot_drop)", "    return 444;"],
        ),
        ({"policy": "public"}, ["policy public"], ["policy private"]),
        ({"reserved_locations": ["/wp-admin", "/api/"]}, ['location ^~ "/wp-login.php"'], ['location ^~ "/wp-admin"']),
    ],
)
def test_options_reach_the_files(run, paths, args, present, absent):
    failed, result, _warnings, _moves = run(dict(paths, **args))
    assert not failed, result.get("msg")
    text = "".join(texts(paths))
    for check in present:
        assert check in text
    for check in absent:
        assert check not in text


def test_exempt_paths_and_reserved_locations(run, paths):
    args = dict(
        exempt_paths=["/health", ACME, "/health"],
        reserved_locations=["/wp-admin", "/api/"],
        probe_paths=["/backup.zip"],
    )
    failed, result, _warnings, _moves = run(dict(paths, **args))
    assert not failed, result.get("msg")
    flt = bf.build(**args)
    assert texts(paths) == expected_texts(flt, paths)
    counts = result["counts"]
    assert (counts["exempt_paths"], counts["probe_paths"], counts["probe_locations"]) == (2, 39, 38)
    assert flt.classify("curl/8.5.0", ACME + "token") == ALLOW


def test_check_mode_writes_nothing(run, paths):
    failed, result, _warnings, moves = run(dict(paths, _ansible_check_mode=True))
    assert not failed and result["changed"] is True and moves == []
    assert not any(os.path.exists(path) for path in paths.values())
    # A converged host reports no change in check mode.
    run(dict(paths))
    failed, result, _warnings, moves = run(dict(paths, _ansible_check_mode=True))
    assert not failed and result["changed"] is False and moves == []
    # A change of options is predicted but not made.
    before = texts(paths)
    failed, result, _warnings, moves = run(
        dict(paths, block_status=403, exempt_paths=["/health"], _ansible_check_mode=True)
    )
    assert not failed and result["changed"] is True and moves == []
    assert texts(paths) == before


@pytest.mark.parametrize("check_mode", [False, True])
def test_diff_mode(run, paths, check_mode):
    run(dict(paths, patterns=LIMIT, fast_path=False))  # a limit pattern: the http include has the zone
    old = texts(paths)
    failed, result, _warnings, _moves = run(
        dict(
            paths,
            patterns=LIMIT,
            fast_path=False,
            limit_rate="10r/m",
            block_status=403,
            _ansible_diff=True,
            _ansible_check_mode=check_mode,
        )
    )
    assert not failed and result["changed"] is True
    assert len(result["diff"]) == 3
    for name, diff, before in zip(FILES, result["diff"], old, strict=True):
        assert diff["before_header"] == diff["after_header"] == paths[name]
        assert diff["before"] == before
    http_diff, server_diff, location_diff = result["diff"]
    assert "rate=30r/m;" in http_diff["before"] and "rate=10r/m;" in http_diff["after"]
    assert "return 444;" in server_diff["before"] and "return 403;" in server_diff["after"]
    assert location_diff["after"] == location_diff["before"]  # same burst: nothing changed there
    assert (texts(paths) == old) is check_mode


def test_diff_mode_on_new_files(run, paths):
    failed, result, _warnings, _moves = run(dict(paths, _ansible_diff=True, _ansible_check_mode=True))
    assert not failed
    assert [d["before"] for d in result["diff"]] == ["", "", ""]
    assert [d["after_header"] for d in result["diff"]] == [paths[name] for name in FILES]
    assert [d["after"] for d in result["diff"]] == expected_texts(bf.build(), paths)


def test_mode(run, paths):
    failed, result, _warnings, _moves = run(dict(paths, mode="0640"))
    assert not failed and result["changed"] is True
    for path in paths.values():
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    # Only the mode differs: changed, content untouched.
    failed, result, _warnings, moves = run(dict(paths, mode="u=rw,go=r"))
    assert not failed and result["changed"] is True and moves == []
    for path in paths.values():
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o644
    failed, result, _warnings, _moves = run(dict(paths, mode="0644"))
    assert result["changed"] is False


def test_replaces_a_foreign_file(run, paths):
    with open(paths["server_snippet_dest"], "w", encoding="utf-8") as handle:
        handle.write("# hand-written\n")
    os.chmod(paths["server_snippet_dest"], 0o600)
    failed, result, _warnings, _moves = run(dict(paths, _ansible_diff=True))
    assert not failed and result["changed"] is True
    assert [d["before"] for d in result["diff"]] == ["", "# hand-written\n", ""]
    assert read(paths["server_snippet_dest"]).startswith("# Generated by")
    assert stat.S_IMODE(os.stat(paths["server_snippet_dest"]).st_mode) == 0o644


@pytest.mark.parametrize(
    ("args", "warned", "others"),
    [
        (
            {"patterns": [{"name": "bing", "pattern": "bingbot", "action": "limit"}], "fast_path": False},
            ["pattern 'bing' (user, limit) matches exactly what 'bingbot' (builtin, block) matches"],
            0,
        ),
        pytest.param(
            {"patterns": [{"name": "any bot", "pattern": "bot"}], "fast_path": False},
            [
                "pattern 'Googlebot' (builtin, block) is shadowed by 'any bot' (user, block)",
                "pattern 'GPTBot' (builtin, block) is shadowed by 'any bot'",
            ],
            0,
        ),
        (
            {"allow": ["curl", "no-such-bot"], "fast_path": False},
            ["allow item 'no-such-bot' matches no built-in pattern name or pattern"],
            1,
        ),
        (
            {"patterns": DROPPING},
            [
                "fast path: Firefox on Windows, macOS and Linux left out,"
                " since a pattern matches one of its user agents",
                "fast path: Safari on macOS left out",
                "fast path: Safari on iPhone left out",
            ],
            0,
        ),
    ],
)
def test_warnings(run, paths, args, warned, others):
    failed, result, warnings, _moves = run(dict(paths, **args))
    assert not failed, result.get("msg")
    for text in warned:
        assert any(text in warning for warning in warnings), warnings
    assert len(warnings) == len(warned_items(result)) + others


def test_fast_path_dropped_result(run, paths):
    failed, result, warnings, _moves = run(dict(paths, patterns=DROPPING))
    assert not failed, result.get("msg")
    flt = bf.build(patterns=DROPPING)
    assert result["fast_path_dropped"] == flt.fast_path_dropped
    dropped = [
        "Firefox on Windows, macOS and Linux",
        "Safari on macOS",
        "Safari on iPhone",
        "Safari on iPhone and iPad, any version",
        "Firefox and Edge on iPhone and iPad, any version",
        "Safari on macOS, any version",
        "Firefox on Android, any version",
    ]
    assert [item["family"] for item in result["fast_path_dropped"]] == dropped
    for item in result["fast_path_dropped"]:
        assert set(item) == {"family", "user_agent", "message"}
        assert item["message"] in warnings
        agent = item["user_agent"]
        if agent.startswith("one of the form "):  # a family with digit runs, checked symbolically
            assert "may contain 'version/27.1'" in agent.lower() or "may contain 'firefox/13'" in agent.lower()
        else:
            assert not flt.in_fast_path(agent) and flt.classify(agent) == BLOCK
    counts = result["counts"]
    assert (counts["fast_path_families"], counts["fast_path_dropped"]) == (
        len(data.FAST_PATH_FAMILIES) - len(dropped),
        len(dropped),
    )
    server = read(paths["server_snippet_dest"])
    fast = next(line for line in server.splitlines() if line.startswith('if ($http_user_agent ~ "^'))
    assert "Firefox" not in fast and "Version/" not in fast and "Chrome/" in fast
    assert texts(paths) == expected_texts(flt, paths)


def test_shadowed_result(run, paths):
    failed, result, _warnings, _moves = run(
        dict(paths, patterns=[{"name": "any bot", "pattern": "bot"}], fast_path=False, policy="public")
    )
    assert not failed
    googlebot = next(item for item in result["shadowed"] if item["name"] == "GPTBot")
    assert googlebot == dict(
        name="GPTBot",
        pattern="GPTBot",
        source="builtin",
        action="block",
        shadowed_by="any bot",
        shadowed_by_source="user",
        message=googlebot["message"],
    )
    assert result["counts"]["shadowed"] == len(result["shadowed"]) > 10


def test_rate_limited_bingbot(run, paths):
    # policy public: in private the generic markers ('bot', '://') block bingbot anyway.
    failed, result, _warnings, _moves = run(dict(paths, patterns=LIMIT, fast_path=False, policy="public"))
    assert not failed
    assert {
        "name": "bingbot",
        "pattern": "bingbot",
        "regex": False,
        "action": "limit",
        "source": "user",
        "category": "user",
    } in result["patterns"]
    assert result["counts"]["limit"] == 1
    http, server, location = texts(paths)
    assert "limit_req_zone $aiguard_bot_limit_key zone=aiguard_bots:10m rate=30r/m;" in http
    assert 'set $aiguard_bot_limit_key "";\n' in server
    assert 'if ($http_user_agent ~* "bingbot") {\n    set $aiguard_bot_limit_key $binary_remote_addr;\n}' in server
    assert "limit_req zone=aiguard_bots burst=5 nodelay;\n" in location


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            {"patterns": [{"name": "broken", "pattern": "Googlebot(", "regex": True}]},
            "pattern 'broken': 'Googlebot(' is not a valid regular expression: missing ), unterminated subpattern at"
            " position 9",
        ),
        (
            {"patterns": [{"name": "backref", "pattern": r"(bot)\1", "regex": True}]},
            "pattern 'backref': a back-reference at position 5",
        ),
        (
            {"patterns": [{"name": "browsers", "pattern": "Chrome/"}]},
            "pattern 'browsers' (user, 'Chrome/') matches Chrome 142 on Windows: 'Mozilla/5.0 (Windows NT 10.0;",
        ),
        (
            {"patterns": [{"name": "apple", "pattern": "AppleWebKit", "regex": True}]},
            "Narrow or allow the pattern, or set allow_browser_matches: true",
        ),
        (
            {"patterns": [{"name": "x", "pattern": "x", "action": "drop"}]},
            "value of action must be one of: block, limit, got: drop found in patterns",
        ),
        ({"patterns": [{"pattern": "x"}]}, "missing required arguments: name found in patterns"),
        ({"block_status": 500}, "value of block_status must be one of: 444, 403, got: 500"),
        ({"limit_rate": "30 per minute"}, "limit_rate must be a request rate such as 30r/m or 5r/s"),
        ({"limit_burst": -1}, "limit_burst must be a whole number of requests, 0 or more, not -1"),
        ({"probe_paths": [".env"]}, "probe path '.env' must start with '/'"),
        ({"exempt_paths": ["health"]}, "exempt path 'health' must start with '/'"),
        ({"exempt_paths": ["/a b"]}, "exempt path '/a b': character ' ' at position 2"),
        ({"server_snippet_dest": None}, "one of the following is required: server_snippet_dest, server_snippets"),
        (
            {"server_snippets": {"private": "/tmp/x.conf"}},
            "parameters are mutually exclusive: server_snippet_dest|server_snippets",
        ),
        ({"server_snippet_dest": None, "server_snippets": {"staging": "/tmp/x.conf"}}, "'staging' is not a policy"),
        (
            {"server_snippet_dest": None, "server_snippets": {}},
            "server_snippets: give a path for one or more of the policies private, public",
        ),
        ({"policy": "open"}, "value of policy must be one of: private, public, got: open"),
    ],
)
def test_failures(run, paths, args, message):
    failed, result, _warnings, moves = run(
        {key: value for key, value in dict(paths, **args).items() if value is not None}
    )
    assert failed
    assert message in result["msg"]
    assert moves == [] and not any(os.path.exists(path) for path in paths.values())


def test_browser_matches_can_be_allowed(run, paths):
    args = dict(paths, patterns=[{"name": "browsers", "pattern": "SamsungBrowser"}], allow_browser_matches=True)
    failed, result, warnings, _moves = run(args)
    assert not failed and result["changed"] is True
    samsung = [(label, agent) for label, agent in data.BROWSER_USER_AGENTS if "SamsungBrowser" in agent]
    assert len(samsung) == 3
    assert warnings == [
        f"pattern 'browsers' (user, 'SamsungBrowser') matches {label}: {agent!r}" for label, agent in samsung
    ] + builtin_notes(result)
    # No fast-path family has Samsung Internet's shape (the device path may go, for its template).
    assert [d for d in result["fast_path_dropped"] if d["family"] in dict(data.FAST_PATH_FAMILIES)] == []


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("no_dir", "the directory of {server_snippet_dest} does not exist; create {server_dir} first"),
        ("dest_is_dir", "{dest} is a directory; give the path of a file"),
        ("dest=server", "dest and server_snippet_dest are the same file ({dest}); give 3 different paths"),
        ("dest=snippet", "dest and snippet_dest are the same file ({dest}); give 3 different paths"),
        (
            "server=snippet",
            "server_snippet_dest and snippet_dest are the same file ({server_snippet_dest}); give 3 different paths",
        ),
        ("symlink", "server_snippet_dest and snippet_dest are the same file ({server_snippet_dest})"),
    ],
)
def test_file_problems(run, paths, tmp_path, setup, message):
    args = dict(paths)
    if setup == "no_dir":
        args["server_snippet_dest"] = str(tmp_path / "missing" / "bots.conf")
    elif setup == "dest_is_dir":
        os.mkdir(args["dest"])
    elif setup == "dest=server":
        args["server_snippet_dest"] = args["dest"]
    elif setup == "dest=snippet":
        args["snippet_dest"] = args["dest"]
    elif setup == "server=snippet":
        args["snippet_dest"] = args["server_snippet_dest"]
    else:  # another name for the same file
        os.symlink(args["server_snippet_dest"], args["snippet_dest"])
    failed, result, _warnings, moves = run(args)
    assert failed and moves == []
    assert message.format(server_dir=os.path.dirname(args["server_snippet_dest"]), **args) in result["msg"]
    # Nothing written when one of the three cannot be.
    assert not os.path.isfile(args["dest"]) and not os.path.exists(args["server_snippet_dest"])


def test_documentation_matches_the_module(run, paths, module_init):
    """The documented attributes and return values are what the module does and returns."""
    failed, result, _warnings, _moves = run(
        dict(
            paths,
            patterns=[{"name": "any bot", "pattern": "bot"}, {"name": "bing", "pattern": "bingbot"}, *DROPPING],
            _ansible_diff=True,
        )
    )
    assert not failed

    doc = yaml.safe_load(bot_filter.DOCUMENTATION)
    assert module_init["supports_check_mode"] is True
    assert doc["attributes"]["check_mode"]["support"] == "full"
    assert doc["attributes"]["diff_mode"]["support"] == "full"

    returned = yaml.safe_load(bot_filter.RETURN)
    assert set(returned) == set(result) - {"changed", "diff"}
    assert set(returned["counts"]["contains"]) == set(result["counts"])
    assert set(returned["patterns"]["contains"]) == set(result["patterns"][0])
    assert set(returned["duplicates"]["contains"]) == set(result["duplicates"][0])
    assert set(returned["shadowed"]["contains"]) == set(result["shadowed"][0])
    assert set(returned["fast_path_dropped"]["contains"]) == set(result["fast_path_dropped"][0])
    yaml.safe_load(bot_filter.EXAMPLES)


GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
GPTBOT = "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)"


def test_return_on_drop_false(run, paths):
    failed, result, _warnings, _moves = run(dict(paths, return_on_drop=False))
    assert not failed, result.get("msg")
    assert texts(paths) == expected_texts(bf.build(), paths, return_on_drop=False)
    http, server, location = texts(paths)
    assert "if ($aiguard_bot_drop)" not in server and 'set $aiguard_bot_drop "";' in server
    nginx = NginxServer(http, server, location)
    verdict, status, request = nginx.request(GPTBOT, "/")
    # The including server decides; the category map names the most telling category.
    assert (verdict, status, dropped(request)) == (ALLOW, None, "ua:ai")
    assert nginx.request(GPTBOT, "/.env")[:2] == (BLOCK, 444)  # the probe locations still return


def test_public_policy_with_server_snippet_dest(run, paths):
    failed, result, _warnings, _moves = run(dict(paths, policy="public"))
    assert not failed, result.get("msg")
    public = bf.build(policy="public")
    assert texts(paths) == expected_texts(public, paths)
    assert result["policies"] == {"public": public.counts} and result["counts"] == public.counts
    assert result["counts"]["patterns"] < bf.build().counts["patterns"]
    nginx = NginxServer(*texts(paths))
    assert nginx.classify(GOOGLEBOT, "/") == ALLOW
    verdict, status, request = nginx.request(GPTBOT, "/")
    assert (verdict, status, dropped(request)) == (BLOCK, 444, "ua:ai")


@pytest.fixture
def four(paths, tmp_path):
    args = {name: paths[name] for name in ("dest", "snippet_dest")}
    args["server_snippets"] = {
        "private": str(tmp_path / "server" / "aiguard-bots-private.conf"),
        "public": str(tmp_path / "server" / "aiguard-bots-public.conf"),
    }
    return args


def test_server_snippets_write_four_files(run, four):
    failed, result, warnings, moves = run(dict(four))
    assert not failed, result.get("msg")
    assert result["changed"] is True and warnings == builtin_notes(result)
    order = [four["dest"], four["server_snippets"]["private"], four["server_snippets"]["public"], four["snippet_dest"]]
    assert [dest for _src, dest in moves] == order
    http, private_text, public_text, location = [read(path) for path in order]
    private, public = bf.build(), bf.build(policy="public")
    assert result["policies"] == {"private": private.counts, "public": public.counts}
    assert result["counts"] == private.counts
    # The http include is shared: its class map covers the patterns of both policies, shadowed ones too.
    union = list({id(e): e for e in private.entries + public.entries}.values())
    assert http == private.render_http(
        snippet_dest="aiguard-bots.conf",
        server_snippet_dest="aiguard-bots-private.conf, aiguard-bots-public.conf",
        class_entries=union,
    )
    assert "# Needs aiguard-bots-private.conf, aiguard-bots-public.conf at the end of every server block" in http
    assert private_text == private.render_server(dest="aiguard-bots.conf", snippet_dest="aiguard-bots.conf")
    assert public_text == public.render_server(dest="aiguard-bots.conf", snippet_dest="aiguard-bots.conf")
    assert "policy private" in private_text and "policy public" in public_text
    # The public server lets a search engine through and drops an AI crawler; the private one drops both.
    public_server, private_server = NginxServer(http, public_text, location), NginxServer(http, private_text, location)
    assert public_server.classify(GOOGLEBOT, "/") == ALLOW
    # The category map holds the shadowed names too and tries the most telling category first.
    assert dropped(private_server.request(GOOGLEBOT, "/")[2]) == "ua:search"
    for server, reason in ((public_server, "ua:ai"), (private_server, "ua:ai")):
        verdict, status, request = server.request(GPTBOT, "/")
        assert (verdict, status, dropped(request)) == (BLOCK, 444, reason)
    # curl is "library" in the catalog: dropped by the private policy only.
    assert dropped(private_server.request("curl/8.5.0", "/")[2]) == "ua:library"
    assert public_server.classify("curl/8.5.0", "/") == ALLOW
    failed, again, _warnings, moves = run(dict(four))
    assert not failed and again["changed"] is False and moves == []


def test_server_snippets_one_policy(run, four):
    four["server_snippets"].pop("private")
    failed, result, _warnings, moves = run(dict(four, policy="private"))  # policy is for server_snippet_dest only
    assert not failed, result.get("msg")
    assert list(result["policies"]) == ["public"] and len(moves) == 3
    assert "policy public" in read(four["server_snippets"]["public"])


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (
            "same",
            "server_snippets.private and server_snippets.public are the same file ({private}); give 4 different paths",
        ),
        ("dest", "dest and server_snippets.public are the same file ({dest}); give 4 different paths"),
        ("no_dir", "the directory of {public} does not exist"),
    ],
)
def test_server_snippets_file_problems(run, four, tmp_path, setup, message):
    snippets = four["server_snippets"]
    if setup == "same":
        snippets["public"] = snippets["private"]
    elif setup == "dest":
        snippets["public"] = four["dest"]
    else:
        snippets["public"] = str(tmp_path / "missing" / "public.conf")
    failed, result, _warnings, moves = run(four)
    assert failed and moves == []
    assert message.format(dest=four["dest"], **snippets) in result["msg"]
    assert not os.path.exists(four["dest"]) and not os.path.exists(snippets["private"])


def test_defaults_warn_nothing(run, paths):
    failed, result, warnings, _moves = run(dict(paths, fast_path=False))
    assert not failed, result.get("msg")
    assert warnings == []
