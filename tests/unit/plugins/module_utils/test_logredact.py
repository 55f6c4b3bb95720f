# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The log redaction engine: every default pattern on real-looking lines, what it must leave alone, the settings'
problems, and the two host-side protocols (rsyslog's mmexternal and a line filter)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from ansible_collections.aiguard.hardening.plugins.module_utils import logredact

SOURCE = Path(logredact.__file__)
DEFAULT = logredact.build()
FULL = logredact.build(path_prefixes=["/root/workspace", "/home/aiapp/"], truncate_ipv4=True, truncate_ipv6=True)

OPENAI = "sk-proj-Ab3dE5gH7jK9mN1pQ3sT5vX7zA9cE1gI3kM5oQ7s"
OPENAI_OLD = "sk-4f8A0b2C4d6E8f0G2h4J6k8L0m2N4p6Q8r0S2t4V6"
ANTHROPIC = "sk-ant-api03-Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0Fe-_Dc9Ba8"
HF = "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"
MJ = "mj-api-8c1f3e5a7b9d1f3e5a7b9d1f3e5a7b9d"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # OpenAI, new and old style, in JSON and in prose
        (f'{{"api_key_hint": "{OPENAI}"}}', '{"api_key_hint": "[REDACTED:openai_key]"}'),
        (f"using key {OPENAI_OLD} for gpt-4o", "using key [REDACTED:openai_key] for gpt-4o"),
        (f"OPENAI_API_KEY={OPENAI}", "OPENAI_API_KEY=[REDACTED:openai_key]"),
        # Anthropic is named as such, not as an OpenAI key
        (f"client = Anthropic(api_key='{ANTHROPIC}')", "client = Anthropic(api_key='[REDACTED:anthropic_key]')"),
        (f"HF_TOKEN {HF} loaded", "HF_TOKEN [REDACTED:huggingface_token] loaded"),
        (f"midjourney proxy key {MJ}", "midjourney proxy key [REDACTED:midjourney_key]"),
        ("mj-api-secret: 0123456789abcdef0123", "mj-api-secret: [REDACTED:api_key_header]"),
        ('"X-Api-Key": "abcdEFGH1234"', '"X-Api-Key": "[REDACTED:api_key_header]"'),
        (f"Authorization: Bearer {JWT}", "Authorization: Bearer [REDACTED:bearer_token]"),
        # the key patterns run first; the key is gone either way
        (f"authorization: bearer {OPENAI}", "authorization: bearer [REDACTED:openai_key]"),
        ("Authorization: Basic dXNlcjpwYXNzd29yZA==", "Authorization: Basic [REDACTED:basic_auth]"),
        ('"authorization":"Basic YWxpY2U6c2VjcmV0"', '"authorization":"Basic [REDACTED:basic_auth]"'),
        ("git clone https://alice:s3cr3t@git.example.org/x.git", None),
        ("redis://:pa55word@127.0.0.1:6379/0", "redis://:pa55word@127.0.0.1:6379/0"),
        ("postgresql://app:pa55word@db:5432/app", "postgresql://app:[REDACTED:url_password]@db:5432/app"),
        # secret query values; the other parameters stay
        ("GET /api/v1?token=abc123&page=2 HTTP/1.1", "GET /api/v1?token=[REDACTED:query_secret]&page=2 HTTP/1.1"),
        ("/s?key=AIzaSyA1&q=cats", "/s?key=[REDACTED:query_secret]&q=cats"),
        ("/cb?access_token=x.y.z#frag", "/cb?access_token=[REDACTED:query_secret]#frag"),
        ("login password=hunter2 user=bob", "login password=[REDACTED:query_secret] user=bob"),
        ("/pay?sign=9f8e7d&ts=1", "/pay?sign=[REDACTED:query_secret]&ts=1"),
        ("/x?API_KEY=abc&secret=def", "/x?API_KEY=[REDACTED:query_secret]&secret=[REDACTED:query_secret]"),
        ("contact admin@example.com now", "contact [REDACTED:email] now"),
        # Chinese text, with its full-width colon, and an internationalised address
        ("邮箱：张三.li@例子.example.cn 已发送", "邮箱：[REDACTED:email] 已发送"),  # noqa: RUF001
    ],
)
def test_default_patterns_mask(line, expected):
    if expected is None:
        expected = "git clone https://alice:[REDACTED:url_password]@git.example.org/x.git"
    assert DEFAULT.redact(line) == expected


@pytest.mark.parametrize(
    "line",
    [
        "GET /index.html HTTP/1.1 200 512",
        "task-runner started sk-learn model in 0.2s",  # "sk-" followed by too little
        "risk-averse mask-rcnn desk-top",  # sk- inside words
        "monkey=banana turkey=1 keyboard=us",  # names that only end in a secret's name
        "basic configuration loaded, bearer of news",  # the words without a credential
        "http://example.org/path?page=2&sort=asc",
        "hf_hub_download cached",
        "时间 12:30:45 运行实时日志 正常 ✓ naïve café",
        "",
        "ready at 10.0.0.1:7860",  # IPs stay unless truncation is on
    ],
)
def test_default_patterns_leave_alone(line):
    assert DEFAULT.redact(line) == line


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("writing /root/workspace/运行实时日志.log", "writing [REDACTED:path]/运行实时日志.log"),
        ("cwd=/root/workspace", "cwd=[REDACTED:path]"),
        ("/root/workspace2/x stays", "/root/workspace2/x stays"),
        ('"/home/aiapp/models/x.bin"', '"[REDACTED:path]/models/x.bin"'),
        ("client 192.168.17.201 said hi", "client 192.168.17.0 said hi"),
        ("v1.2.3.4 and 1.2.3.4.5", "v1.2.3.4 and 1.2.3.4.5"),
        ("from 2001:db8:85a3:8d3:1319:8a2e:370:7348", "from 2001:db8:85a3::"),
        ("at 12:30:45 done", "at 12:30:45 done"),
        ("mac aa:bb:cc:dd:ee:ff", "mac aa:bb:cc:dd:ee:ff"),
    ],
)
def test_paths_and_ip_truncation(line, expected):
    assert FULL.redact(line) == expected


def test_extra_pattern_runs_after_the_defaults():
    extra = [{"name": "lab_token", "regex": r"\blab-[0-9a-f]{8}\b", "hints": ["lab-"]}]
    redactor = logredact.build(extra)
    assert redactor.redact("id lab-0123abcd sk-" + "a" * 20) == "id [REDACTED:lab_token] [REDACTED:openai_key]"
    group = [{"name": "pin", "regex": r"(pin:)\d+", "replacement": r"\g<1>****"}]
    assert logredact.build(group).redact("pin:1234") == "pin:****"


@pytest.mark.parametrize(
    ("patterns", "problem"),
    [
        ([{"name": "bad", "regex": "(unclosed"}], "extra_patterns[0].regex: '(unclosed' is not a valid regular"),
        ([{"name": "empty", "regex": "x*"}], "extra_patterns[0].regex: 'x*' matches the empty string"),
        ([{"name": "Bad Name", "regex": "x"}], "extra_patterns[0].name: 'Bad Name' is not a name"),
        ([{"name": "email", "regex": "x"}], "extra_patterns[0].name: 'email' is used twice"),
        ([{"name": "a", "regex": "x"}, {"name": "a", "regex": "y"}], "extra_patterns[1].name: 'a' is used twice"),
        ([{"name": "a"}], "extra_patterns[0].regex: is required"),
        ([{"name": "a", "regex": "(x)", "replacement": r"\g<2>"}], "extra_patterns[0].replacement:"),
        ([{"name": "a", "regex": "x", "hints": "x"}], "extra_patterns[0].hints: must be a list"),
        ([{"name": "a", "regex": "x", "flags": "i"}], "extra_patterns[0]: unknown key(s) flags"),
        (["x"], "extra_patterns[0]: must be a dict"),
    ],
)
def test_pattern_problems_name_the_entry(patterns, problem):
    found = logredact.pattern_problems(patterns, "extra_patterns")
    assert any(item.startswith(problem) for item in found), found
    with pytest.raises(logredact.RedactError):
        logredact.build(patterns)


@pytest.mark.parametrize(("prefixes", "bad"), [(["relative/x"], 0), (["/ok", "/"], 1), ([""], 0)])
def test_path_prefix_problems(prefixes, bad):
    assert logredact.path_problems(prefixes, "p") == [
        f"p[{bad}]: {prefixes[bad]!r} is not an absolute directory path (like /root/workspace)"
    ]


def test_the_default_patterns_are_valid_data():
    """Checked as extra patterns, the defaults' only problem is that their names are taken (by themselves)."""
    found = logredact.pattern_problems([dict(p) for p in logredact.DEFAULT_PATTERNS], "defaults")
    taken = "is used twice (or by a default pattern); give each pattern its own"
    names = [pattern["name"] for pattern in logredact.DEFAULT_PATTERNS]
    assert found == [f"defaults[{index}].name: {name!r} {taken}" for index, name in enumerate(names)]


# ------------------------------------------------------------------ host side


@pytest.mark.parametrize(
    ("message", "reply"),
    [
        ("GET /?token=abc", {"msg": "GET /?token=[REDACTED:query_secret]"}),
        ("plain line", {}),
        ("两行\n第二行 Bearer abcdefghijk", {"msg": "两行\n第二行 Bearer [REDACTED:bearer_token]"}),
    ],
)
def test_mmexternal_fulljson(message, reply):
    stdin = io.BytesIO((json.dumps({"msg": message, "hostname": "app"}) + "\n").encode())
    stdout = io.BytesIO()
    logredact.run_mmexternal(DEFAULT, stdin, stdout)
    assert stdout.getvalue().count(b"\n") == 1
    assert json.loads(stdout.getvalue()) == reply


def test_mmexternal_one_reply_per_line_in_order():
    lines = [f"line {n} key=v{n}" if n % 2 else f"line {n}" for n in range(50)] + ["not json {"]
    stdin = io.BytesIO(b"".join(json.dumps({"msg": line}).encode() + b"\n" for line in lines[:-1]) + b"not json {\n")
    stdout = io.BytesIO()
    logredact.run_mmexternal(DEFAULT, stdin, stdout)
    replies = [json.loads(reply) for reply in stdout.getvalue().splitlines()]
    assert len(replies) == len(lines)
    for n, reply in enumerate(replies[:-1]):
        assert reply == ({"msg": f"line {n} key=[REDACTED:query_secret]"} if n % 2 else {})
    assert replies[-1] == {}


def test_mmexternal_raw_msg_input():
    stdout = io.BytesIO()
    logredact.run_mmexternal(DEFAULT, io.BytesIO(b"a@b.example x\n"), stdout, fulljson=False)
    assert json.loads(stdout.getvalue()) == {"msg": "[REDACTED:email] x"}


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def file_message(name, offset, msg="line"):
    return {"msg": msg, "$!": {"metadata": {"filename": str(name), "fileoffset": str(offset)}}}


def test_a_file_line_read_again_after_a_crash_keeps_its_id(tmp_path):
    log = tmp_path / "运行实时日志.log"
    log.write_bytes(b"one\ntwo\nthree\n")
    state = str(tmp_path / "seq.json")
    first = logredact.Sequencer(state)
    ids = [first(file_message(log, offset)) for offset in (0, 4, 8)]
    assert len(set(ids)) == 3
    assert ids[0][0].endswith("-1") and ids[2][0].endswith("-9")
    assert [prev for _seq, prev in ids] == [0, 1, 5]
    # kill -9: no final save; the state on disk is what the last forced or timed save wrote.
    again = logredact.Sequencer(state)
    # The first line of the new run finds the line before it in the file.
    assert [again(file_message(log, offset)) for offset in (4, 8)] == ids[1:]
    assert again(file_message(log, 14))[0].split("-", maxsplit=1)[0] == ids[0][0].split("-", maxsplit=1)[0]


@pytest.mark.parametrize("change", ["rotate", "truncate", "replace", "shrink_while_down"])
def test_a_new_generation_of_a_file_gets_a_new_key(tmp_path, change):
    log = tmp_path / "app.log"
    log.write_bytes(b"first line of the day\nsecond\n")
    state = str(tmp_path / "seq.json")
    seq = logredact.Sequencer(state)
    key = seq(file_message(log, 0))[0].split("-", maxsplit=1)[0]
    seq(file_message(log, 22))
    if change == "rotate":  # renamed away, a new file: imfile starts at 0 again
        log.rename(tmp_path / "app.log.1")
        log.write_bytes(b"first line of the day\n")
        new = seq(file_message(log, 0))
    elif change == "truncate":  # copytruncate: same inode, offsets start again
        log.write_bytes(b"first line of the day\n")
        new = seq(file_message(log, 0))
    elif change == "replace":  # while rsyslog was down: another inode, same first bytes
        seq.save(force=True)
        log.unlink()
        (tmp_path / "keep").write_bytes(b"x")  # the old inode is not reused at once
        log.write_bytes(b"first line of the day\nsecond\nthird\n")
        new = logredact.Sequencer(state)(file_message(log, 22))
    else:  # truncated while down, below the highest offset seen
        seq.save(force=True)
        log.write_bytes(b"first line of the day\n")
        new = logredact.Sequencer(state)(file_message(log, 0))
    assert new[0].split("-", maxsplit=1)[0] != key


def test_the_state_is_saved_on_a_new_generation_and_then_at_intervals(tmp_path):
    log = tmp_path / "app.log"
    log.write_bytes(b"a\n" * 100)
    state = tmp_path / "seq.json"
    clock = Clock()
    seq = logredact.Sequencer(str(state), save_interval=1.0, clock=clock)
    seq(file_message(log, 0))
    assert json.loads(state.read_text())["files"][str(log)]["max"] == 0
    seq(file_message(log, 2))
    assert json.loads(state.read_text())["files"][str(log)]["max"] == 0  # within the interval
    clock.now = 1.5
    seq(file_message(log, 4))
    assert json.loads(state.read_text())["files"][str(log)]["max"] == 4


def test_a_broken_state_file_only_starts_new_generations(tmp_path):
    log = tmp_path / "app.log"
    log.write_bytes(b"a\n")
    state = tmp_path / "seq.json"
    state.write_text('{"files": {"x": {"key": "nothex"}}, ')
    seq, prev = logredact.Sequencer(str(state))(file_message(log, 0))
    assert seq.endswith("-1")
    assert prev == 0


def test_the_line_before_is_found_in_the_file_after_a_start(tmp_path):
    log = tmp_path / "app.log"
    long_line = b"x" * 70000 + b"\n"  # longer than one read back
    log.write_bytes(b"one\n" + long_line + b"three\n")
    seq = logredact.Sequencer(str(tmp_path / "seq.json"))
    assert seq(file_message(log, 4 + len(long_line)))[1] == 5  # the long line's offset 4, plus one
    other = logredact.Sequencer(str(tmp_path / "seq2.json"))
    assert other(file_message(log, 4))[1] == 1
    assert logredact.Sequencer()(file_message(tmp_path / "gone.log", 9))[1] is None


def test_journal_lines_are_counted_per_run():
    seq = logredact.Sequencer()
    ids = [seq({"msg": "m", "$!": {"_SYSTEMD_UNIT": "nginx.service"}}) for _n in range(3)]
    assert [(i.split("-")[1], prev) for i, prev in ids] == [("1", 0), ("2", 1), ("3", 2)]
    assert len({i.split("-", maxsplit=1)[0] for i, _prev in ids}) == 1
    assert logredact.Sequencer()(None)[0].split("-", maxsplit=1)[0] != ids[0][0].split("-", maxsplit=1)[0]


def test_mmexternal_sets_the_sequence_id(tmp_path):
    log = tmp_path / "app.log"
    log.write_bytes(b"GET /?token=abc\n")
    stdin = io.BytesIO((json.dumps(file_message(log, 0, "GET /?token=abc")) + "\n").encode())
    stdout = io.BytesIO()
    logredact.run_mmexternal(DEFAULT, stdin, stdout, sequencer=logredact.Sequencer(str(tmp_path / "s.json")))
    reply = json.loads(stdout.getvalue())
    assert reply["msg"] == "GET /?token=[REDACTED:query_secret]"
    assert reply["$!"]["aiguard_seq"].endswith("-1")
    assert reply["$!"]["aiguard_prev"] == "0"


def test_filter_keeps_bytes_that_are_not_utf8():
    stdout = io.BytesIO()
    logredact.run_filter(DEFAULT, io.BytesIO(b"\xff\xfe token=x \xe8\xbf\x90\n last"), stdout)
    assert stdout.getvalue() == b"\xff\xfe token=[REDACTED:query_secret] \xe8\xbf\x90\n last"


def test_the_file_runs_alone_as_a_program(tmp_path):
    """The host runs this file with python3 -I and no Ansible: it must import nothing of the collection."""
    config = tmp_path / "redact.json"
    config.write_text(json.dumps({"path_prefixes": ["/root/workspace"]}))
    run = subprocess.run(
        [sys.executable, "-I", str(SOURCE), "--config", str(config), "filter"],
        input="/root/workspace/运行实时日志.log sk-ant-0123456789abcdefghij\n".encode(),
        capture_output=True,
        check=True,
    )
    assert run.stdout.decode() == "[REDACTED:path]/运行实时日志.log [REDACTED:anthropic_key]\n"
    config.write_text(json.dumps({"extra_patterns": [{"name": "x", "regex": "("}]}))
    bad = subprocess.run(
        [sys.executable, "-I", str(SOURCE), "--config", str(config), "filter"], capture_output=True, check=False
    )
    assert bad.returncode == 2
    assert b"extra_patterns[0].regex" in bad.stderr
