# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Check uploaded files by their content, quarantine the bad ones, expire old ones.

Plain Python (stdlib only, no AnsibleModule, no libmagic) so that the
upload_scan module, the unit tests and the host-side command that systemd
runs (``python3 uploadscan.py scan --config FILE``, installed by the
upload_guard role) are the same code.

What a scan does with each file under a directory:

* it walks with directory file descriptors (``os.scandir(fd)``, ``openat``
  with ``O_NOFOLLOW``): a symbolic link is reported, never followed, and a
  directory swapped for a link during the scan cannot redirect it;
* it stays on the directory's filesystem unless asked (``one_filesystem``);
* it reads at most ``window`` bytes from the start of each file, once, with
  ``O_NONBLOCK`` (a FIFO cannot block it) and checks it is still the same
  regular file it listed; a file that vanished or changed size while it was
  read is reported as such and left alone for the next scan;
* the content type comes from the header bytes (``sniff``), then the file
  gets one verdict (``judge``) with a reason a person understands;
* with the ``quarantine`` action a flagged file is moved (renamed, or copied
  then unlinked across filesystems) into a 0700 directory beside a JSON
  record: sha256, original path, owner, mode, detected type, verdict, reason
  and time. Nothing is ever deleted by a scan; ``release`` puts a file back
  and remembers its sha256 so the next scan leaves it where it is.

Retention (``expire``) is the only code that deletes: files older than a
number of days and, with a size cap, the oldest files until the directory
fits; it never follows links or leaves the filesystem, and logs each file.
"""

from __future__ import annotations

import argparse
import datetime
import errno
import fnmatch
import hashlib
import json
import os
import re
import secrets
import stat
import sys
import time

# Bytes read from the start of a file: one page, enough for every header
# below, and the window searched for script markers (where EXIF, XMP and ID3
# metadata and "GIF89a;<?php"-style prefixes put them). A larger window
# finds markers further in, at the cost of a longer search per file.
WINDOW = 4096

ALLOWED = "allowed"
EMPTY = "empty"
OVERSIZE = "oversize"
EXECUTABLE = "executable"
POLYGLOT = "polyglot"
DOUBLE_EXTENSION = "double_extension"
EXTENSION_MISMATCH = "extension_mismatch"
TYPE_NOT_ALLOWED = "type_not_allowed"
NOT_REGULAR = "not_regular"
UNREADABLE = "unreadable"
CHANGED = "changed"
PENDING = "pending"
# Every verdict, the most serious first; all but ALLOWED, CHANGED and PENDING
# are flagged. NOT_REGULAR and UNREADABLE are only reported: such a file
# cannot be moved safely (a link, a FIFO) or read at all.
VERDICTS = (
    EXECUTABLE,
    POLYGLOT,
    DOUBLE_EXTENSION,
    OVERSIZE,
    EXTENSION_MISMATCH,
    TYPE_NOT_ALLOWED,
    EMPTY,
    NOT_REGULAR,
    UNREADABLE,
    CHANGED,
    PENDING,
    ALLOWED,
)
NOT_FLAGGED = (ALLOWED, CHANGED, PENDING)
NOT_MOVABLE = (NOT_REGULAR, UNREADABLE, CHANGED, PENDING, ALLOWED)

REPORT = "report"
QUARANTINE = "quarantine"
ACTIONS = (REPORT, QUARANTINE)

MEDIA = "media"
DOCUMENT = "document"
DANGEROUS = "dangerous"
OTHER = "other"


class Kind:
    """A content type: name, family, MIME type, the extensions it goes by, a description."""

    __slots__ = ("name", "family", "mime", "extensions", "label", "extension_set")

    def __init__(self, name, family, mime, extensions, label):
        self.name, self.family, self.mime, self.extensions, self.label = name, family, mime, extensions, label
        self.extension_set = frozenset(extensions)


def _kinds(*rows):
    return {row[0]: Kind(*row) for row in rows}


TYPES = _kinds(
    ("mp4", MEDIA, "video/mp4", ("mp4", "m4v", "m4a", "m4b", "m4p", "f4v", "f4a"), "MP4 video (ISO BMFF)"),
    ("m4a", MEDIA, "audio/mp4", ("m4a", "m4b", "m4p", "mp4", "aac"), "MPEG-4 audio (ISO BMFF)"),
    ("mov", MEDIA, "video/quicktime", ("mov", "qt", "mp4"), "QuickTime movie"),
    ("3gp", MEDIA, "video/3gpp", ("3gp", "3g2", "3gpp", "mp4"), "3GPP video (ISO BMFF)"),
    ("heif", MEDIA, "image/heif", ("heic", "heif", "avif"), "HEIF/AVIF image (ISO BMFF)"),
    ("wav", MEDIA, "audio/wav", ("wav", "wave"), "WAV audio"),
    ("avi", MEDIA, "video/x-msvideo", ("avi",), "AVI video"),
    ("mp3", MEDIA, "audio/mpeg", ("mp3", "mpga", "mp2"), "MP3 audio"),
    ("aac", MEDIA, "audio/aac", ("aac", "adts"), "AAC audio (ADTS)"),
    ("flac", MEDIA, "audio/flac", ("flac",), "FLAC audio"),
    ("ogg", MEDIA, "audio/ogg", ("ogg", "oga", "ogv", "opus", "spx"), "Ogg audio/video"),
    ("webm", MEDIA, "video/webm", ("webm", "weba"), "WebM video"),
    ("mkv", MEDIA, "video/x-matroska", ("mkv", "mka", "mks", "mk3d"), "Matroska video"),
    ("png", MEDIA, "image/png", ("png",), "PNG image"),
    ("jpeg", MEDIA, "image/jpeg", ("jpg", "jpeg", "jpe", "jfif"), "JPEG image"),
    ("gif", MEDIA, "image/gif", ("gif",), "GIF image"),
    ("webp", MEDIA, "image/webp", ("webp",), "WebP image"),
    ("bmp", MEDIA, "image/bmp", ("bmp", "dib"), "BMP image"),
    ("tiff", MEDIA, "image/tiff", ("tif", "tiff"), "TIFF image"),
    ("pdf", DOCUMENT, "application/pdf", ("pdf",), "PDF document"),
    ("zip", DOCUMENT, "application/zip", ("zip", "docx", "xlsx", "pptx", "odt", "ods", "odp", "epub"), "ZIP archive"),
    ("elf", DANGEROUS, "application/x-executable", (), "ELF executable (Linux program or library)"),
    ("pe", DANGEROUS, "application/vnd.microsoft.portable-executable", (), "Windows executable (MZ/PE)"),
    ("macho", DANGEROUS, "application/x-mach-binary", (), "Mach-O executable (macOS program)"),
    ("java", DANGEROUS, "application/java", (), "Java class file or Mach-O universal binary"),
    ("jar", DANGEROUS, "application/java-archive", (), "Java archive (ZIP with a manifest)"),
    ("script", DANGEROUS, "text/x-script", (), "script with a #! interpreter line"),
    ("php", DANGEROUS, "application/x-php", (), "PHP code"),
    ("html", DANGEROUS, "text/html", (), "HTML or SVG with markup a browser runs"),
    ("javascript", DANGEROUS, "text/javascript", (), "JavaScript code"),
    ("server-page", DANGEROUS, "text/x-server-page", (), "JSP/ASP server page code"),
    ("svg", OTHER, "image/svg+xml", ("svg",), "SVG image"),
    ("text", OTHER, "text/plain", ("txt", "text", "md", "csv", "json", "srt", "vtt"), "plain text"),
    ("unknown", OTHER, "application/octet-stream", (), "unrecognised binary data"),
)

# What an app that takes audio, video and images should accept.
DEFAULT_ALLOWED = (
    "mp4",
    "m4a",
    "mov",
    "wav",
    "mp3",
    "aac",
    "flac",
    "ogg",
    "webm",
    "mkv",
    "png",
    "jpeg",
    "gif",
    "webp",
    "bmp",
    "tiff",
)

# Extensions a web server or a shell may execute; one before the last
# extension (shell.php.mp4) is a double extension.
RISKY_EXTENSIONS = frozenset(
    (
        "php",
        "php3",
        "php4",
        "php5",
        "php7",
        "pht",
        "phtml",
        "phar",
        "phps",
        "inc",
        "asp",
        "aspx",
        "ascx",
        "ashx",
        "asmx",
        "asa",
        "cer",
        "jsp",
        "jspx",
        "jsw",
        "jsv",
        "jspf",
        "cgi",
        "pl",
        "py",
        "rb",
        "sh",
        "bash",
        "zsh",
        "ps1",
        "psm1",
        "bat",
        "cmd",
        "vbs",
        "vbe",
        "wsf",
        "hta",
        "exe",
        "dll",
        "scr",
        "com",
        "msi",
        "jar",
        "elf",
        "so",
        "bin",
        "run",
        "appimage",
        "html",
        "htm",
        "xhtml",
        "shtml",
        "svg",
        "js",
        "mjs",
    )
)


class Detection:
    """What the header bytes are: a type name, and the marker found inside, if any."""

    __slots__ = ("type", "detail", "marker")

    def __init__(self, type_, detail="", marker=None):
        self.type = type_
        self.detail = detail
        self.marker = marker  # (type name, offset, text) of a script marker in the window

    @property
    def kind(self):
        return TYPES[self.type]

    def __repr__(self):
        return f"Detection({self.type!r}, {self.detail!r}, {self.marker!r})"


# ---------------------------------------------------------------------------
# Sniffing. Each test looks at fixed offsets of the header; the first byte
# picks the few tests that can apply, so a file costs a handful of slice
# comparisons before the marker search.

_BMFF_BRANDS = {
    b"qt  ": "mov",
    b"M4A ": "m4a",
    b"M4B ": "m4a",
    b"M4P ": "m4a",
    b"F4A ": "m4a",
    b"F4B ": "m4a",
    b"heic": "heif",
    b"heix": "heif",
    b"hevc": "heif",
    b"hevx": "heif",
    b"mif1": "heif",
    b"msf1": "heif",
    b"avif": "heif",
    b"avis": "heif",
}
_BMFF_ATOMS = frozenset((b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"))
_BMP_DIB_SIZES = (12, 40, 52, 56, 64, 108, 124)
_MACHO = (b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe")
_MP3_BITRATE_BAD = (0x00, 0xF0)

# Script markers: every alternative starts with "<", the regex engine's
# literal prefix, so most of the window is skipped by a character scan.
# Each is long or specific enough that compressed media data almost never
# contains it by chance (a 3-byte marker alone would in about 1 of 2,000
# files of 8 KiB).
_MARKERS = re.compile(
    rb"<(?:"
    rb"(?P<php>\?[pP][hH][pP]|\?=\s*[$`'\"(\w])"
    rb"|(?P<sp>%(?:@\s*(?:[pP]age|[iI]mport|[iI]nclude|[tT]aglib|[lL]anguage)"
    rb"|=?\s*(?:eval|[eE]xecute|[rR]esponse\.|[rR]equest[.(\[]|out\.print|Runtime|[cC]reate[oO]bject))"
    rb"|jsp:[a-z])"
    rb"|(?P<html>[sS][cC][rR][iI][pP][tT][\s>/]|[iI][fF][rR][aA][mM][eE][\s>/]|[hH][tT][mM][lL][\s>]"
    rb"|[bB][oO][dD][yY][\s>]|!DOCTYPE\s+[hH][tT][mM][lL]|!doctype\s+html|[sS][vV][gG][\s>])"
    rb")"
)
_MARKER_TYPES = {"php": "php", "sp": "server-page", "html": "html"}
# What can follow the "<" of a marker: the first pass over the window, the
# fastest for the regex engine (in random data such a pair occurs about once
# per 4 KiB, against 16 times for "<" alone). Where it finds one, the search
# for the markers starts there; with the same lookahead it tries the
# alternatives only at such pairs.
_MARKER_START = re.compile(rb"<[?%jsSiIhHbB!]")
_MARKER_SEARCH = re.compile(rb"<(?=[?%jsSiIhHbB!])" + _MARKERS.pattern[1:])
# In SVG (an image that is XML) only active content counts.
_SVG_ACTIVE = re.compile(rb"<[sS][cC][rR][iI][pP][tT]|\son[a-zA-Z]+\s*=|javascript:|<foreignObject|<iframe", re.I)
_PDF_ACTIVE = re.compile(rb"/JavaScript|/JS\s*[(<]|/Launch|/EmbeddedFile")
_JS_START = re.compile(
    rb"(?:'use strict'|\"use strict\"|\(function\s*\(|function\s+\w+\s*\(|(?:var|let|const)\s+[\w$]+\s*="
    rb"|document\.(?:write|cookie|location)|window\.location|eval\s*\(|import\s+[\w{*]|require\s*\(|fetch\s*\()"
)
_TEXT_BYTES = frozenset(range(0x20, 0x7F)) | {0x09, 0x0A, 0x0C, 0x0D, 0x1B}
_NON_TEXT = bytes(b for b in range(256) if b not in _TEXT_BYTES and b < 0x80)


def _bmff(head):
    brand = head[8:12]
    if len(brand) < 4:
        return ("mp4", "ISO BMFF header cut short")
    found = _BMFF_BRANDS.get(brand)
    if found:
        return (found, f"ftyp brand {brand.decode('latin-1')!r}")
    if brand.startswith(b"3g"):
        return ("3gp", f"ftyp brand {brand.decode('latin-1')!r}")
    return ("mp4", f"ftyp brand {brand.decode('latin-1')!r}")


def _riff(head):
    form = head[8:12]
    if form == b"WAVE":
        return ("wav", "")
    if form == b"WEBP":
        return ("webp", "")
    if form == b"AVI ":
        return ("avi", "")
    return None


def _mpeg_audio(head):
    if len(head) < 4:
        return None
    b1, b2 = head[1], head[2]
    if b1 & 0xE0 != 0xE0:
        return None
    layer = b1 & 0x06
    version = b1 & 0x18
    if layer == 0:
        # Layer bits 00 are reserved in MPEG audio; ADTS (AAC) uses them.
        if b1 & 0xF6 == 0xF0 and (b2 >> 2) & 0x0F < 13:
            return ("aac", "ADTS frame header")
        return None
    if version == 0x08 or b2 & 0xF0 == 0xF0 or b2 & 0x0C == 0x0C:
        return None  # reserved version, bad bitrate index or sample rate
    return ("mp3", "MPEG audio frame sync")


def _zip(head):
    if head[2:4] == b"\x03\x04" and len(head) >= 30:
        name_len = int.from_bytes(head[26:28], "little")
        name = head[30 : 30 + name_len]
        if name in (b"META-INF/MANIFEST.MF", b"META-INF/") or name.endswith(b".class"):
            return ("jar", f"first entry {name.decode('latin-1')!r}")
        return ("zip", f"first entry {name.decode('latin-1')!r}" if name else "")
    if head[2:4] in (b"\x05\x06", b"\x07\x08"):
        return ("zip", "")
    return None


def _bmp(head):
    if len(head) < 18 or head[6:10] != b"\0\0\0\0":
        return None
    if int.from_bytes(head[14:18], "little") in _BMP_DIB_SIZES:
        return ("bmp", "")
    return None


def _pe(head):
    offset = int.from_bytes(head[0x3C:0x40], "little") if len(head) >= 0x40 else 0
    if offset and head[offset : offset + 4] == b"PE\0\0":
        return ("pe", "PE signature")
    return ("pe", "MZ header")


def _matroska(head):
    window = head[:64]
    if b"\x42\x82\x84webm" in window or b"webm" in window:
        return ("webm", "EBML doctype webm")
    return ("mkv", "EBML doctype matroska" if b"matroska" in window else "EBML header")


def _by_first_byte():
    table = {}

    def add(first, test):
        table.setdefault(first, []).append(test)

    add(0x7F, lambda h: ("elf", "") if h.startswith(b"\x7fELF") else None)
    add(ord("M"), lambda h: _pe(h) if h.startswith(b"MZ") else None)
    add(ord("M"), lambda h: ("tiff", "big-endian") if h.startswith(b"MM\0*") else None)
    add(ord("I"), lambda h: ("tiff", "little-endian") if h.startswith(b"II*\0") else None)
    add(
        ord("I"),
        lambda h: ("mp3", "ID3 tag") if h.startswith(b"ID3") and len(h) >= 10 and h[3] < 0xFF and h[4] < 0xFF else None,
    )
    for first in (0xFE, 0xCE, 0xCF):
        add(first, lambda h: ("macho", "") if h[:4] in _MACHO else None)
    add(0xCA, lambda h: ("java", "") if h.startswith(b"\xca\xfe\xba\xbe") else None)
    add(ord("#"), lambda h: ("script", _shebang(h)) if h.startswith(b"#!") else None)
    add(ord("R"), lambda h: _riff(h) if h.startswith(b"RIFF") else None)
    add(0xFF, lambda h: ("jpeg", "") if h.startswith(b"\xff\xd8\xff") else None)
    add(0xFF, _mpeg_audio)
    add(ord("f"), lambda h: ("flac", "") if h.startswith(b"fLaC") else None)
    add(ord("O"), lambda h: ("ogg", "") if h.startswith(b"OggS") else None)
    add(0x1A, lambda h: _matroska(h) if h.startswith(b"\x1a\x45\xdf\xa3") else None)
    add(0x89, lambda h: ("png", "") if h.startswith(b"\x89PNG\r\n\x1a\n") and h[12:16] == b"IHDR" else None)
    add(ord("G"), lambda h: ("gif", "") if h[:6] in (b"GIF87a", b"GIF89a") and len(h) >= 13 else None)
    add(ord("B"), lambda h: _bmp(h) if h.startswith(b"BM") else None)
    add(ord("%"), lambda h: ("pdf", "") if h.startswith(b"%PDF-") else None)
    add(ord("P"), lambda h: _zip(h) if h.startswith(b"PK") else None)
    return {first: tuple(tests) for first, tests in table.items()}


def _shebang(head):
    line = head[2:130].split(b"\n", 1)[0].strip()
    return "#!" + line.decode("utf-8", "replace") if line else "#!"


_FIRST = _by_first_byte()


def _text_like(head):
    """True if the window looks like text: no NUL and almost no control bytes."""
    if b"\0" in head:
        return False
    controls = len(head) - len(head.translate(None, _NON_TEXT))
    return controls * 100 <= len(head)


def sniff(head):
    """The Detection for ``head``, the first bytes of a file (at most its whole content)."""
    detection = Detection(*_header(head))
    family = TYPES[detection.type].family
    if family != DANGEROUS:
        marker = find_marker(head, detection.type)
        if marker and family == OTHER and marker[0] in TYPES:
            # Text or unknown data with script markers is that script.
            return Detection(marker[0], f"{marker[2]!r} at byte {marker[1]}")
        detection.marker = marker
    return detection


def _header(head):
    """``(type, detail)`` of the header bytes alone, before the search for script markers."""
    box = head[4:8]
    if box == b"ftyp":
        return _bmff(head)
    if box in _BMFF_ATOMS and head[0] == 0 and int.from_bytes(head[:4], "big") >= 8:
        return ("mov", f"QuickTime {box.decode('latin-1')!r} atom")
    if head:
        for test in _FIRST.get(head[0], ()):
            found = test(head)
            if found is not None:
                return found
    return _sniff_text(head)


def _sniff_text(head):
    if not head or not _text_like(head[:1024]):
        return ("unknown", "")
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"<?xml") or text.startswith(b"<svg") or text.startswith(b"<!DOCTYPE svg"):
        if b"<svg" in head:
            return ("svg", "")
    if _JS_START.match(text):
        return ("javascript", "JavaScript statement at the start")
    return ("text", "")


# Types whose active content find_marker() looks for with a search of their
# own; for every other type it is _MARKER_SEARCH alone.
_OWN_SEARCH = frozenset(("svg", "pdf"))


def find_marker(head, type_name="unknown"):
    """The first script marker in ``head`` as ``(type, offset, text)``, or None."""
    if type_name == "svg":
        match = _SVG_ACTIVE.search(head)
        return ("html", match.start(), _show(match.group())) if match else None
    if type_name == "pdf":
        match = _PDF_ACTIVE.search(head)
        if match:
            return ("pdf-active", match.start(), _show(match.group()))
    start = _MARKER_START.search(head)
    match = start and _MARKER_SEARCH.search(head, start.start())
    if match:
        return (_MARKER_TYPES[match.lastgroup], match.start(), _show(match.group()))
    return None


def _show(raw):
    return raw.decode("latin-1").strip()


# ---------------------------------------------------------------------------
# Verdicts.


class Policy:
    """What a directory accepts: types, size limit, window, action."""

    def __init__(
        self,
        allowed_types=DEFAULT_ALLOWED,
        max_size=None,
        window=WINDOW,
        action=REPORT,
        quarantine_dir=None,
        min_age=0,
        one_filesystem=True,
        exclude=(),
    ):
        unknown = sorted(set(allowed_types) - set(TYPES))
        if unknown:
            raise UploadScanError(
                f"allowed_types: unknown type(s) {', '.join(unknown)}; known types are "
                + ", ".join(sorted(t for t, k in TYPES.items() if k.family != DANGEROUS))
            )
        dangerous = sorted(t for t in allowed_types if TYPES[t].family == DANGEROUS)
        if dangerous:
            raise UploadScanError(
                f"allowed_types: {', '.join(dangerous)} is executable or script content and cannot be allowed"
            )
        if action not in ACTIONS:
            raise UploadScanError(f"action must be one of {', '.join(ACTIONS)}, not {action!r}")
        if action == QUARANTINE and not quarantine_dir:
            raise UploadScanError("action quarantine needs a quarantine directory")
        if window < 64:
            raise UploadScanError(f"the scan window must be at least 64 bytes to hold every header, not {window}")
        self.allowed_types = frozenset(allowed_types)
        self.max_size = max_size
        self.window = window
        self.action = action
        self.quarantine_dir = quarantine_dir
        self.min_age = min_age
        self.one_filesystem = one_filesystem
        self.exclude = tuple(exclude)


class UploadScanError(ValueError):
    """A bad input or a directory that cannot be used; the message says what to do."""


_SIZE = re.compile(r"^\s*([0-9]+)\s*([kKmMgG]?)\s*$")


def parse_size(text):
    """An nginx size (``200m``, ``512k``, ``1g``, a number of bytes) in bytes; None for None, ``0`` or ``""``."""
    if text is None or text == "":
        return None
    match = _SIZE.match(str(text))
    if not match:
        raise UploadScanError(
            f"size {text!r} is not a size nginx understands, such as 200m, 512k, 1g or a number of bytes"
        )
    number = int(match.group(1)) * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[match.group(2).lower()]
    return number or None


def extensions(name):
    """The extensions of a file name, lower-case, leading dots of hidden files ignored: a.PHP.mp4 -> [php, mp4]."""
    if name.count(".") == 1 and name[0] != ".":
        ext = name[name.index(".") + 1 :].lower()
        return [ext] if ext else []
    parts = name.lstrip(".").lower().split(".")
    return [part for part in parts[1:] if part]


def judge(name, size, head, policy):
    """``(verdict, detection, reason)`` for a regular file of ``size`` bytes whose first bytes are ``head``."""
    if size == 0:
        return EMPTY, Detection("unknown"), "the file is empty, so there is no content to check"
    detection = sniff(head)
    kind = TYPES[detection.type]
    exts = extensions(name)
    if kind.family == DANGEROUS:
        return EXECUTABLE, detection, f"content is {_shown(detection)}, which must never be stored as an upload"
    marker = detection.marker
    if marker:
        where = f"{marker[2]!r} at byte {marker[1]}"
        if kind.family in (MEDIA, DOCUMENT):
            return (
                POLYGLOT,
                detection,
                f"a valid {kind.label} header with {TYPES[marker[0]].label if marker[0] in TYPES else 'active PDF'}"
                f" inside ({where}): a polyglot that a server or browser could run",
            )
        detection = Detection(marker[0], f"marker {where}")
        return EXECUTABLE, detection, f"content is {TYPES[marker[0]].label}: found {where}"
    if len(exts) > 1:
        risky = [ext for ext in exts[:-1] if ext in RISKY_EXTENSIONS]
        if risky:
            return (
                DOUBLE_EXTENSION,
                detection,
                f"the name {name!r} hides a .{risky[0]} extension before .{exts[-1]}: a misconfigured server runs"
                f" such files (content is {_shown(detection)})",
            )
    if policy.max_size is not None and size > policy.max_size:
        return OVERSIZE, detection, f"{size} bytes is over the limit of {policy.max_size} bytes"
    if exts and exts[-1] not in kind.extension_set and kind.name != "unknown":
        expected = ", ".join("." + e for e in kind.extensions) or "none"
        return (
            EXTENSION_MISMATCH,
            detection,
            f"the extension .{exts[-1]} does not match the content, {_shown(detection)} (expected {expected})",
        )
    if detection.type not in policy.allowed_types:
        return (
            TYPE_NOT_ALLOWED,
            detection,
            f"content is {_shown(detection)}, which this directory does not accept (allowed: "
            f"{', '.join(sorted(policy.allowed_types)) or 'nothing'})",
        )
    return ALLOWED, detection, f"content is {kind.label}"


def _shown(detection):
    kind = TYPES[detection.type]
    return f"{kind.label} ({detection.detail})" if detection.detail else kind.label


# ---------------------------------------------------------------------------
# Walking and reading.

_OPEN_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0)
_OPEN_DIR = os.O_RDONLY | os.O_NOFOLLOW | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0)


class Result(dict):
    """One file's result: path, verdict, type, mime, size, reason, action (and quarantine id)."""

    @property
    def flagged(self):
        return self["verdict"] not in NOT_FLAGGED


def _result(path, verdict, reason, size=None, detection=None):
    kind = detection.kind if detection else None
    return Result(
        path=path,
        verdict=verdict,
        type=kind.name if kind else None,
        mime=kind.mime if kind else None,
        size=size,
        reason=reason,
        action="none",
    )


# Looked up once: the walk calls them for every file.
_os_open, _os_fstat, _os_read, _os_close = os.open, os.fstat, os.read, os.close
_S_IFREG = stat.S_IFREG
_marker_start, _marker_search = _MARKER_START.search, _MARKER_SEARCH.search
_NO_LIMIT = float("inf")
# Directories nested deeper than this are reported and not entered: the walk
# holds one descriptor per level.
MAX_DEPTH = 64


class _Walk:
    """One walk of a tree: counts and results, and ``on_flagged`` for flagged files that were read.

    ``on_flagged(result, dir_fd, name, fd, fst)`` runs while the directory and
    the file are still open, so a quarantine acts on exactly what was judged.
    Entries are classified from the directory listing (``d_type``, ``d_ino``)
    and ``fstat`` of the opened file or directory, without an ``lstat`` each.
    A file the quick test of the walk allows is only counted; every other
    file gets its verdict from judge().
    """

    def __init__(self, policy, counts, results, on_flagged=None, list_allowed=False, now=None, skip=()):
        self.policy = policy
        self.counts = counts
        self.results = results
        self.on_flagged = on_flagged
        self.list_allowed = list_allowed
        self.now = time.time() if now is None else now
        self.skip = frozenset(skip)
        self.newest = 0.0
        # For the quick test of the walk: the extensions (".ext") each allowed
        # type goes by, for the types whose markers _MARKER_SEARCH alone finds
        # (none when every result is listed, so judge() runs for all).
        quick = (
            {}
            if list_allowed
            else {
                name: frozenset("." + ext for ext in TYPES[name].extensions)
                for name in policy.allowed_types
                if TYPES[name].family != DANGEROUS and name not in _OWN_SEARCH
            }
        )
        self.settings = (
            policy.exclude,
            policy.window,
            policy.min_age,
            _NO_LIMIT if policy.max_size is None else policy.max_size,
            quick,
            self.now,
            self.skip,
        )
        self.allowed = 0  # files the quick test allowed, added to the counts at the end of run()

    def run(self, root):
        try:
            root_fd = os.open(root, _OPEN_DIR)
        except OSError as exc:
            raise UploadScanError(
                f"cannot open directory {root}: {exc.strerror}; check it exists, is a directory and not a symbolic link"
            ) from None
        try:
            root_st = os.fstat(root_fd)
            self.root_dev = root_st.st_dev
            self.newest = max(self.newest, root_st.st_mtime)
            self._walk(root_fd, root.rstrip("/") or "/")
        finally:
            os.close(root_fd)
            self.counts["scanned"] += self.allowed
            self.counts[ALLOWED] += self.allowed
            self.allowed = 0

    def report(self, path, verdict, reason, size=None, detection=None, dir_fd=None, name=None, fd=None, fst=None):
        counts = self.counts
        counts["scanned"] += 1
        counts[verdict] += 1
        if verdict == ALLOWED and not self.list_allowed:
            return
        result = _result(path, verdict, reason, size, detection)
        if verdict not in NOT_FLAGGED:
            counts["flagged"] += 1
            if fd is not None and self.on_flagged is not None:
                self.on_flagged(result, dir_fd, name, fd, fst)
        self.results.append(result)

    def _walk(self, root_fd, root_path):
        """Every entry under ``root_fd``, depth first, holding one directory descriptor per level."""
        # One loop over a stack of open directories rather than a call per
        # directory, and the common cases inline with the fewest steps: a
        # subdirectory that is entered, a regular file that is allowed.
        # Anything else, and every verdict but ALLOWED, goes through the
        # methods below.
        exclude, window, min_age, max_size, quick, now, skip = self.settings
        root_dev = self.root_dev
        allowed = 0
        newest = 0.0
        dir_fd, dir_path, depth, dir_dev = root_fd, root_path, 0, root_dev
        try:
            listing = os.scandir(dir_fd)
        except OSError as exc:
            self.report(dir_path, UNREADABLE, f"cannot list the directory: {exc.strerror}")
            return
        stack = []
        try:
            while True:
                for entry in listing:
                    name = entry.name
                    if exclude and any(fnmatch.fnmatchcase(name, pat) for pat in exclude):
                        continue
                    try:
                        if not entry.is_file(follow_symlinks=False):
                            if not entry.is_dir(follow_symlinks=False):
                                self._other(dir_fd, f"{dir_path}/{name}", name)
                                continue
                            # A subdirectory: opened without following links,
                            # still the listed inode, on the same filesystem.
                            try:
                                sub_fd = _os_open(name, _OPEN_DIR, dir_fd=dir_fd)
                            except OSError as exc:
                                self._subdir_failed(f"{dir_path}/{name}", exc)
                                continue
                            try:
                                st = _os_fstat(sub_fd)
                                if st.st_ino != entry.inode() or st.st_dev != dir_dev or depth >= MAX_DEPTH or skip:
                                    enter = self._subdir(
                                        f"{dir_path}/{name}",
                                        st,
                                        entry.inode(),
                                        depth,
                                        dir_dev,
                                        [parent[0] for parent in stack] + [dir_fd],
                                    )
                                else:
                                    enter = True
                                    if st.st_mtime > newest:
                                        newest = st.st_mtime
                                if enter:
                                    sub_listing = os.scandir(sub_fd)
                            except OSError as exc:
                                _os_close(sub_fd)
                                if isinstance(exc, FileNotFoundError):
                                    raise
                                self.report(
                                    f"{dir_path}/{name}", UNREADABLE, f"cannot list the directory: {exc.strerror}"
                                )
                                continue
                            except BaseException:
                                _os_close(sub_fd)
                                raise
                            if not enter:
                                _os_close(sub_fd)
                                continue
                            stack.append((dir_fd, dir_path, depth, dir_dev, listing))
                            dir_fd, dir_path, depth, dir_dev, listing = (
                                sub_fd,
                                f"{dir_path}/{name}",
                                depth + 1,
                                st.st_dev,
                                sub_listing,
                            )
                            break
                        # A regular file in the listing: opened without
                        # following links, still the listed inode and a
                        # regular file by the fstat of the descriptor (so a
                        # FIFO or device swapped in is never read), read once.
                        try:
                            fd = _os_open(name, _OPEN_FILE, dir_fd=dir_fd)
                        except FileNotFoundError:
                            continue
                        except OSError as exc:
                            self._open_failed(f"{dir_path}/{name}", exc)
                            continue
                        try:
                            fst = _os_fstat(fd)
                            mtime = fst.st_mtime
                            if mtime > newest:
                                newest = mtime
                            if (
                                fst.st_ino != entry.inode()
                                or fst.st_mode & 0o170000 != _S_IFREG
                                or min_age
                                and now - mtime < min_age
                            ):
                                self._unsettled(f"{dir_path}/{name}", fst, entry.inode())
                                continue
                            try:
                                head = _os_read(fd, window)
                            except OSError as exc:
                                self.report(
                                    f"{dir_path}/{name}", UNREADABLE, f"cannot read: {exc.strerror}", fst.st_size
                                )
                                continue
                            # The quick test: what judge() says ALLOWED to,
                            # with nothing built. Read whole or a full window,
                            # within the size limit, content of an allowed type,
                            # no extension or one that type goes by (the name
                            # from its first dot is ".ext", so no double
                            # extension), no script marker. Anything else,
                            # judge() decides.
                            size = fst.st_size
                            if 0 < size <= max_size and (len(head) == window or len(head) >= size):
                                suffixes = quick.get(_header(head)[0])
                                if suffixes is not None:
                                    dot = name.find(".")
                                    if dot < 0 or name[dot:].lower() in suffixes:
                                        start = _marker_start(head)
                                        if start is None or _marker_search(head, start.start()) is None:
                                            allowed += 1
                                            continue
                            self._judge(dir_fd, dir_path, name, fd, fst, head)
                        finally:
                            _os_close(fd)
                    except FileNotFoundError:
                        continue  # vanished since the listing
                else:
                    # This directory is done: back to its parent's listing.
                    listing.close()
                    if not stack:
                        break
                    _os_close(dir_fd)
                    dir_fd, dir_path, depth, dir_dev, listing = stack.pop()
        finally:
            listing.close()
            if dir_fd != root_fd:
                _os_close(dir_fd)
            for parent_fd, _path, _depth, _dev, parent_listing in stack:
                parent_listing.close()
                if parent_fd != root_fd:
                    _os_close(parent_fd)
            self.allowed += allowed
            if newest > self.newest:
                self.newest = newest

    def _subdir_failed(self, path, exc):
        if isinstance(exc, FileNotFoundError):
            return  # vanished since the listing
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            self.report(path, CHANGED, "replaced by a symbolic link or file during the scan; not followed")
        else:
            self.report(path, UNREADABLE, f"cannot open the directory: {exc.strerror}")

    def _subdir(self, path, st, inode, depth, parent_dev, ancestor_fds):
        """Whether to enter a subdirectory that is skipped, another inode than listed, on another filesystem or too deep.

        The listing shows the inode of the directory a mount covers, so a
        mount point has another inode than listed: on another device it is
        another filesystem, on the same device a bind mount of a directory of
        this filesystem. A directory renamed over the listed one during the
        scan looks the same. Either way the directory now opened (without
        following links, from the directory the walk holds) is what lies at
        that name, and is walked, unless it is one of the directories above
        it: a bind mount of an ancestor would make the walk go round forever.
        """
        if self.skip and (st.st_dev, st.st_ino) in self.skip:
            return False
        if st.st_mtime > self.newest:
            self.newest = st.st_mtime
        if st.st_dev != parent_dev and self.policy.one_filesystem:
            self.report(path, NOT_REGULAR, "a mount point of another filesystem; not entered (one_filesystem)")
            return False
        if st.st_ino != inode and any(os.path.samestat(st, os.fstat(fd)) for fd in ancestor_fds):
            self.report(path, NOT_REGULAR, "the same directory as one above it (a bind mount); not entered again")
            return False
        if depth >= MAX_DEPTH:
            self.report(path, NOT_REGULAR, f"nested more than {MAX_DEPTH} directories deep; not entered")
        else:
            return True
        return False

    def _other(self, dir_fd, path, name):
        st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        mode = st.st_mode
        if stat.S_ISLNK(mode):
            try:
                target = os.readlink(name, dir_fd=dir_fd)
            except OSError:
                target = "?"
            self.report(path, NOT_REGULAR, f"a symbolic link to {target}; never followed", st.st_size)
        elif stat.S_ISREG(mode) or stat.S_ISDIR(mode):
            self.report(path, CHANGED, "changed type during the scan; left for the next scan")
        else:
            what = (
                "a FIFO"
                if stat.S_ISFIFO(mode)
                else "a socket"
                if stat.S_ISSOCK(mode)
                else "a device file"
                if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
                else "not a regular file"
            )
            self.report(path, NOT_REGULAR, f"{what}; never read")

    def _open_failed(self, path, exc):
        if exc.errno == errno.ELOOP:
            self.report(path, CHANGED, "replaced by a symbolic link during the scan; not followed")
        else:
            self.report(path, UNREADABLE, f"cannot open: {exc.strerror}")

    def _unsettled(self, path, fst, inode):
        """A file that is not the regular file listed any more, or too recent to be judged."""
        if fst.st_ino != inode or fst.st_mode & 0o170000 != _S_IFREG:
            self.report(path, CHANGED, "replaced by another file during the scan; left for the next scan", fst.st_size)
        else:
            self.report(
                path,
                PENDING,
                f"modified less than {self.policy.min_age}s ago, maybe still being written; checked by a later scan",
                fst.st_size,
            )

    def _judge(self, dir_fd, dir_path, name, fd, fst, head):
        """The verdict on a file read whole or up to the window, and what follows from it."""
        size = fst.st_size
        path = f"{dir_path}/{name}"
        if len(head) < size and len(head) < self.policy.window:
            # Truncated while it was read: judge it next time.
            self.report(path, CHANGED, f"shrank from {size} bytes while it was read; left for the next scan", size)
            return
        verdict, detection, reason = judge(name, size, head, self.policy)
        self.report(path, verdict, reason, size, detection, dir_fd, name, fd, fst)


def scan_tree(root, policy, now=None, list_allowed=True):
    """``(counts, results)`` of one directory tree, read only (no quarantine)."""
    counts = _new_counts()
    results = []
    walk = _Walk(policy, counts, results, list_allowed=list_allowed, now=now)
    walk.run(root)
    counts["newest_mtime"] = walk.newest
    return counts, results


def _new_counts():
    return dict(scanned=0, flagged=0, quarantined=0, **{v: 0 for v in VERDICTS})


# ---------------------------------------------------------------------------
# Quarantine and release.

RECORD_SUFFIX = ".json"
DATA_SUFFIX = ".data"
RELEASED_SUFFIX = ".released.json"
_ID = re.compile(r"^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{12}-[0-9a-f]{6}$")


def _utc(ts=None):
    return datetime.datetime.fromtimestamp(time.time() if ts is None else ts, datetime.timezone.utc)


def open_quarantine(directory, create=True):
    """Open (and create, 0700) the quarantine directory; refuse a link or a group/world-accessible one."""
    if create:
        try:
            os.mkdir(directory, 0o700)
        except FileExistsError:
            pass
        except OSError as exc:
            raise UploadScanError(f"cannot create the quarantine directory {directory}: {exc.strerror}") from None
    try:
        fd = os.open(directory, _OPEN_DIR)
    except OSError as exc:
        raise UploadScanError(
            f"cannot open the quarantine directory {directory}: {exc.strerror}; it must be a"
            " directory, not a symbolic link"
        ) from None
    st = os.fstat(fd)
    if stat.S_IMODE(st.st_mode) & 0o077 or st.st_uid != os.geteuid():
        os.close(fd)
        raise UploadScanError(
            f"the quarantine directory {directory} must belong to the user running the scan and"
            f" have mode 0700, not {stat.S_IMODE(st.st_mode):04o} owned by uid {st.st_uid}; fix it"
            f" with: chown {os.geteuid()} {directory} && chmod 0700 {directory}"
        )
    return fd


def released_hashes(qfd):
    """``{(original path, sha256)}`` of released files, which scans leave alone."""
    out = set()
    for name in os.listdir(qfd):
        if name.endswith(RELEASED_SUFFIX):
            record = _read_record(qfd, name)
            if record:
                out.add((record.get("original_path"), record.get("sha256")))
    return out


def _read_record(qfd, name):
    try:
        fd = os.open(name, _OPEN_FILE, dir_fd=qfd)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        try:
            return json.loads(handle.read(1 << 20))
        except ValueError:
            return None


def _write_record(qfd, name, record):
    temp = f".{name}.{secrets.token_hex(4)}.tmp"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600, dir_fd=qfd)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(record, handle, indent=2, sort_keys=True)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.rename(temp, name, src_dir_fd=qfd, dst_dir_fd=qfd)


def sha256_fd(fd):
    digest = hashlib.sha256()
    offset = 0
    while True:
        chunk = os.pread(fd, 1 << 20, offset)
        if not chunk:
            return digest.hexdigest(), offset
        digest.update(chunk)
        offset += len(chunk)


def quarantine(result, dir_fd, name, fd, st, qfd, quarantine_dir, released=frozenset(), now=None):
    """Move one flagged file into the quarantine; update ``result`` (action, quarantine_id); never delete data.

    The file is renamed through the directory descriptors it was found with,
    then checked to be the inode that was judged. Across filesystems it is
    copied from the open descriptor, checked against the sha256 and only then
    unlinked, if the name still holds the judged inode.
    """
    digest, length = sha256_fd(fd)
    result["sha256"] = digest
    if (result["path"], digest) in released:
        result["action"] = "kept: released from quarantine before"
        return result
    if length != st.st_size:
        result.update(
            verdict=CHANGED,
            reason=f"grew from {st.st_size} to {length} bytes during the scan; left for the next scan",
            action="none",
        )
        return result
    stamp = _utc(now)
    qid = f"{stamp:%Y%m%dT%H%M%SZ}-{digest[:12]}-{secrets.token_hex(3)}"
    data_name = qid + DATA_SUFFIX
    record = dict(
        id=qid,
        sha256=digest,
        size=length,
        original_path=result["path"],
        detected_type=result["type"],
        mime=result["mime"],
        verdict=result["verdict"],
        reason=result["reason"],
        quarantined_at=stamp.isoformat(timespec="seconds"),
        uid=st.st_uid,
        gid=st.st_gid,
        mode=f"{stat.S_IMODE(st.st_mode):04o}",
        mtime=st.st_mtime,
        data=os.path.join(quarantine_dir, data_name),
    )
    try:
        os.rename(name, data_name, src_dir_fd=dir_fd, dst_dir_fd=qfd)
        moved = os.stat(data_name, dir_fd=qfd, follow_symlinks=False)
        if (moved.st_ino, moved.st_dev) != (st.st_ino, st.st_dev):
            # Swapped between the read and the rename: it is another file of
            # the same directory. Put it back and leave it for the next scan.
            os.rename(data_name, name, src_dir_fd=qfd, dst_dir_fd=dir_fd)
            result.update(verdict=CHANGED, reason="replaced by another file during the scan; left for the next scan")
            return result
    except FileNotFoundError:
        result.update(verdict=CHANGED, reason="vanished during the scan", action="none")
        return result
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise UploadScanError(f"cannot move {result['path']} into {quarantine_dir}: {exc.strerror}") from None
        _copy_across(fd, qfd, data_name, digest)
        current = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        if (current.st_ino, current.st_dev) != (st.st_ino, st.st_dev):
            os.unlink(data_name, dir_fd=qfd)
            result.update(verdict=CHANGED, reason="replaced by another file during the scan; left for the next scan")
            return result
        os.unlink(name, dir_fd=dir_fd)
    os.fchmod(fd, 0o400)
    _write_record(qfd, qid + RECORD_SUFFIX, record)
    result.update(action="quarantined", quarantine_id=qid, quarantine_path=record["data"])
    return result


def _copy_across(fd, qfd, data_name, digest):
    out = os.open(data_name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o400, dir_fd=qfd)
    check = hashlib.sha256()
    offset = 0
    try:
        while True:
            chunk = os.pread(fd, 1 << 20, offset)
            if not chunk:
                break
            check.update(chunk)
            os.write(out, chunk)
            offset += len(chunk)
        os.fsync(out)
    finally:
        os.close(out)
    if check.hexdigest() != digest:
        os.unlink(data_name, dir_fd=qfd)
        raise UploadScanError("a file changed while it was copied into the quarantine; it was left in place")


def list_quarantine(quarantine_dir):
    """The records of the files in quarantine (not the released ones), oldest first."""
    try:
        qfd = open_quarantine(quarantine_dir, create=False)
    except UploadScanError:
        if not os.path.lexists(quarantine_dir):
            return []
        raise
    try:
        records = []
        for name in sorted(os.listdir(qfd)):
            if name.endswith(RECORD_SUFFIX) and not name.endswith(RELEASED_SUFFIX) and not name.startswith("."):
                record = _read_record(qfd, name)
                if record:
                    records.append(record)
        return records
    finally:
        os.close(qfd)


def plan_release(quarantine_dir, qid):
    """The record of ``qid`` and where it would go; raises UploadScanError if it cannot be released."""
    if not _ID.match(qid or ""):
        raise UploadScanError(f"{qid!r} is not a quarantine id (like 20260101T120000Z-0123456789ab-a1b2c3)")
    for record in list_quarantine(quarantine_dir):
        if record.get("id") == qid:
            break
    else:
        released = os.path.join(quarantine_dir, qid + RELEASED_SUFFIX)
        if os.path.exists(released):
            return None  # released already: nothing to do
        raise UploadScanError(
            f"no file with id {qid} in quarantine {quarantine_dir}; list them with: "
            f"aiguard-upload-scan list --quarantine-dir {quarantine_dir}"
        )
    target = record["original_path"]
    if os.path.lexists(target):
        raise UploadScanError(f"cannot release {qid}: {target} exists again; move it away first")
    if not os.path.isdir(os.path.dirname(target)):
        raise UploadScanError(f"cannot release {qid}: the directory of {target} no longer exists")
    return record


def release(quarantine_dir, qid, now=None):
    """Put a quarantined file back where it was, with its owner, mode (no exec bits) and mtime.

    Returns its record, or None if it was released already. The file keeps
    its inode (a hard link, then the quarantine name is removed) or, across
    filesystems, is copied and checked against its sha256 first.
    """
    record = plan_release(quarantine_dir, qid)
    if record is None:
        return None
    qfd = open_quarantine(quarantine_dir, create=False)
    try:
        data_name = qid + DATA_SUFFIX
        fd = os.open(data_name, _OPEN_FILE, dir_fd=qfd)
        try:
            digest, _length = sha256_fd(fd)
            if digest != record["sha256"]:
                raise UploadScanError(f"cannot release {qid}: its content no longer matches the recorded sha256")
            target = record["original_path"]
            parent = os.open(os.path.dirname(target), _OPEN_DIR)
            try:
                _put_back(fd, qfd, data_name, parent, os.path.basename(target), record)
            finally:
                os.close(parent)
        finally:
            os.close(fd)
        record = dict(record, released_at=_utc(now).isoformat(timespec="seconds"))
        _write_record(qfd, qid + RELEASED_SUFFIX, record)
        os.unlink(qid + RECORD_SUFFIX, dir_fd=qfd)
        return record
    finally:
        os.close(qfd)


def _put_back(fd, qfd, data_name, parent, base, record):
    try:
        os.link(data_name, base, src_dir_fd=qfd, dst_dir_fd=parent, follow_symlinks=False)
        placed = fd
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise UploadScanError(
                f"cannot release {record['id']} to {record['original_path']}: {exc.strerror}"
            ) from None
        _copy_across(fd, parent, base, record["sha256"])
        # Opened without following links: whatever now holds the name, no
        # link can turn the chmod below onto another file.
        placed = os.open(base, _OPEN_FILE, dir_fd=parent)
    try:
        os.unlink(data_name, dir_fd=qfd)
        if (os.fstat(placed).st_uid, os.fstat(placed).st_gid) != (record["uid"], record["gid"]):
            os.fchown(placed, record["uid"], record["gid"])
        os.fchmod(placed, int(record["mode"], 8) & 0o666)
        os.utime(placed, (record["mtime"], record["mtime"]))
    finally:
        if placed != fd:
            os.close(placed)


# ---------------------------------------------------------------------------
# A whole scan.


def scan(paths, policy, apply=True, list_allowed=False, now=None):
    """Scan ``paths`` with ``policy``; quarantine flagged files when ``apply`` and the action says so.

    Returns ``(counts, results)``: counts per verdict (and ``scanned``,
    ``flagged``, ``quarantined``, ``newest_mtime``, the newest mtime of any
    file or directory seen) and the results of every entry that is not
    allowed (of all with ``list_allowed``). Without ``apply`` (check mode)
    the results say what would be quarantined (``action: would
    quarantine``) and nothing on disk changes.
    """
    counts = _new_counts()
    results = []
    qfd = None
    released = frozenset()
    skip = ()
    try:
        if policy.action == QUARANTINE:
            qdir = os.path.abspath(policy.quarantine_dir)
            if apply or os.path.isdir(qdir):
                qfd = open_quarantine(qdir, create=apply)
                qst = os.fstat(qfd)
                skip = ((qst.st_dev, qst.st_ino),)
                released = frozenset(released_hashes(qfd))

            def on_flagged(result, dir_fd, name, fd, fst):
                verdict = result["verdict"]
                if apply:
                    quarantine(result, dir_fd, name, fd, fst, qfd, policy.quarantine_dir, released, now)
                elif released and (result["path"], sha256_fd(fd)[0]) in released:
                    result["action"] = "kept: released from quarantine before"
                else:
                    result["action"] = "would quarantine"
                if result["action"] in ("quarantined", "would quarantine"):
                    counts["quarantined"] += 1
                elif result["verdict"] != verdict:  # it changed under the quarantine: not flagged after all
                    counts["flagged"] -= 1
                    counts[verdict] -= 1
                    counts[result["verdict"]] += 1
        else:
            on_flagged = None
        walk = _Walk(policy, counts, results, on_flagged, list_allowed, now, skip)
        for path in paths:
            walk.run(os.path.abspath(path))
        # Directory order is the filesystem's; results are sorted for people and diffs.
        results.sort(key=lambda result: result["path"])
    finally:
        if qfd is not None:
            os.close(qfd)
    counts["newest_mtime"] = walk.newest
    return counts, results


# ---------------------------------------------------------------------------
# Retention: the only code that deletes.


def expire(root, max_age_days, max_bytes=None, dry_run=False, now=None, one_filesystem=True, log=None):
    """Delete files under ``root`` older than ``max_age_days``, then the oldest until it holds ``max_bytes``.

    Symbolic links are deleted as entries (never followed), other
    filesystems are not entered, empty subdirectories left behind are
    removed (never ``root`` itself). Returns ``(deleted, kept_bytes)``,
    ``deleted`` a list of ``(path, size, mtime, why)``; ``log(line)`` is
    called for each.
    """
    if not max_age_days or max_age_days < 1:
        raise UploadScanError(f"retention must be at least 1 day, not {max_age_days!r}")
    now = time.time() if now is None else now
    cutoff = now - max_age_days * 86400
    files = []
    root = os.path.abspath(root)
    root_fd = os.open(root, _OPEN_DIR)
    deleted = []
    touched = set()
    try:
        root_dev = os.fstat(root_fd).st_dev
        _collect(root_fd, root, root_dev, one_filesystem, files)
        total = sum(size for *_rest, size, _mtime in files)
        # Oldest first; by age, then by the size cap.
        files.sort(key=lambda item: item[-1])
        for dir_fd_path, name, path, size, mtime in files:
            if mtime < cutoff:
                why = f"older than {max_age_days} days"
            elif max_bytes is not None and total > max_bytes:
                why = f"directory over its cap of {max_bytes} bytes"
            else:
                continue
            if not dry_run and not _unlink_under(root_fd, dir_fd_path, name):
                continue
            touched.add(dir_fd_path)
            total -= size
            deleted.append((path, size, mtime, why))
            if log:
                log(
                    f"{'would delete' if dry_run else 'deleted'} {path} ({size} bytes, modified"
                    f" {_utc(mtime).isoformat(timespec='seconds')}): {why}"
                )
        if not dry_run:
            _prune_dirs(root_fd, root_dev, one_filesystem, cutoff, touched, ())
    finally:
        os.close(root_fd)
    return deleted, total


def _collect(dir_fd, dir_path, root_dev, one_filesystem, files, rel=()):
    for entry in os.scandir(dir_fd):
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if stat.S_ISDIR(st.st_mode):
            if one_filesystem and st.st_dev != root_dev:
                continue
            try:
                sub = os.open(entry.name, _OPEN_DIR, dir_fd=dir_fd)
            except OSError:
                continue
            try:
                _collect(sub, f"{dir_path}/{entry.name}", root_dev, one_filesystem, files, rel + (entry.name,))
            finally:
                os.close(sub)
        else:
            files.append((rel, entry.name, f"{dir_path}/{entry.name}", st.st_size, st.st_mtime))


def _open_rel(root_fd, rel):
    """Open the subdirectory ``rel`` (a tuple of names) of ``root_fd`` without following links."""
    fd = os.dup(root_fd)
    for part in rel:
        try:
            nxt = os.open(part, _OPEN_DIR, dir_fd=fd)
        finally:
            os.close(fd)
        fd = nxt
    return fd


def _unlink_under(root_fd, rel, name):
    try:
        fd = _open_rel(root_fd, rel)
    except OSError:
        return False
    try:
        os.unlink(name, dir_fd=fd)
        return True
    except (FileNotFoundError, IsADirectoryError):
        return False
    finally:
        os.close(fd)


def _prune_dirs(dir_fd, root_dev, one_filesystem, cutoff, touched, rel):
    """Remove empty subdirectories that are old or lost files to retention; True if ``dir_fd`` ends up empty."""
    empty = True
    for entry in os.scandir(dir_fd):
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            empty = False
            continue
        if not stat.S_ISDIR(st.st_mode) or (one_filesystem and st.st_dev != root_dev):
            empty = False
            continue
        try:
            sub = os.open(entry.name, _OPEN_DIR, dir_fd=dir_fd)
        except OSError:
            empty = False
            continue
        sub_rel = rel + (entry.name,)
        try:
            sub_empty = _prune_dirs(sub, root_dev, one_filesystem, cutoff, touched, sub_rel)
        finally:
            os.close(sub)
        # A new empty directory may be an upload about to be written: keep it.
        if sub_empty and (st.st_mtime < cutoff or any(t[: len(sub_rel)] == sub_rel for t in touched)):
            try:
                os.rmdir(entry.name, dir_fd=dir_fd)
                continue
            except OSError:
                pass
        empty = False
    return empty


# ---------------------------------------------------------------------------
# The host-side command (installed by the upload_guard role as
# aiguard-upload-scan and run by systemd).


def load_config(path):
    """The JSON written by the upload_guard role: {"directories": [{path, quarantine_dir, action, ...}]}."""
    try:
        with open(path, encoding="utf-8") as handle:
            config = json.load(handle)
    except (OSError, ValueError) as exc:
        raise UploadScanError(f"cannot read the configuration {path}: {exc}") from None
    return config.get("directories", [])


def policy_from(entry):
    """The Policy of one directory entry of the configuration; raises UploadScanError for bad values."""
    if not isinstance(entry, dict) or not isinstance(entry.get("path"), str) or not entry["path"].startswith("/"):
        raise UploadScanError(f"every directory needs an absolute path: {entry!r}")
    return Policy(
        allowed_types=entry.get("allowed_types", DEFAULT_ALLOWED),
        max_size=parse_size(entry.get("max_size")),
        window=int(entry.get("window", WINDOW)),
        action=entry.get("action", REPORT),
        quarantine_dir=entry.get("quarantine_dir"),
        min_age=int(entry.get("min_age", 0)),
        one_filesystem=bool(entry.get("one_filesystem", True)),
        exclude=entry.get("exclude", ()),
    )


def _log_result(result, out):
    extra = f" -> {result['quarantine_path']}" if result.get("quarantine_id") else ""
    out.write(f"{result['verdict']}: {result['path']}: {result['reason']}; action: {result['action']}{extra}\n")


def _cli_scan(args, out):
    entries = load_config(args.config) if args.config else []
    if args.paths:
        entries = [
            dict(
                path=p,
                action=args.action,
                quarantine_dir=args.quarantine_dir,
                max_size=args.max_size,
                allowed_types=args.allowed_types.split(",") if args.allowed_types else DEFAULT_ALLOWED,
            )
            for p in args.paths
        ]
    if not entries:
        raise UploadScanError("nothing to scan: give directories or --config FILE")
    flagged = 0
    for attempt in range(args.settle_rounds + 1):
        pending = False
        for entry in entries:
            policy = policy_from(entry)
            if args.min_age is not None:
                policy.min_age = args.min_age
            counts, results = scan([entry["path"]], policy, apply=not args.dry_run)
            for result in results:
                if result.flagged or result["verdict"] != ALLOWED:
                    _log_result(result, out)
            flagged += counts["flagged"]
            # Files still being written, or a directory that just changed
            # (an upload in a new subdirectory, which systemd does not watch).
            recent = time.time() - counts["newest_mtime"] < args.settle
            pending = pending or counts[PENDING] or counts[CHANGED] or recent
            out.write(
                f"scanned {entry['path']}: {counts['scanned']} entries, {counts['flagged']} flagged,"
                f" {counts['quarantined']} {'to quarantine' if args.dry_run else 'quarantined'},"
                f" {counts[PENDING]} pending\n"
            )
        if not pending or attempt == args.settle_rounds:
            break
        # Files still being written: look again once they have settled.
        time.sleep(args.settle)
    out.flush()
    return 0


def _cli_release(args, out):
    for qid in args.ids:
        record = release(args.quarantine_dir, qid)
        if record is None:
            out.write(f"{qid}: already released\n")
        else:
            out.write(f"released {qid} to {record['original_path']}\n")
    return 0


def _cli_check_config(args, out):
    entries = load_config(args.config)
    for entry in entries:
        policy_from(entry)
        days = entry.get("retention_days")
        if days is not None and (not isinstance(days, int) or days < 1):
            raise UploadScanError(f"{entry['path']}: retention_days must be a whole number of days, at least 1")
        parse_size(entry.get("retention_max_size"))
    out.write(f"{args.config}: {len(entries)} directories, valid\n")
    return 0


def _cli_list(args, out):
    for record in list_quarantine(args.quarantine_dir):
        out.write(f"{record['id']}  {record['verdict']}  {record['original_path']}  {record['reason']}\n")
    return 0


def _cli_expire(args, out):
    entries = load_config(args.config) if args.config else [dict(path=p) for p in args.paths]
    for entry in entries:
        days = args.days if args.days is not None else entry.get("retention_days")
        cap = parse_size(args.max_bytes if args.max_bytes is not None else entry.get("retention_max_size"))
        dry = args.dry_run or bool(entry.get("retention_dry_run", False))
        deleted, kept = expire(entry["path"], days, cap, dry_run=dry, log=lambda line: out.write(line + "\n"))
        out.write(
            f"retention {entry['path']}: {len(deleted)} file(s) {'to delete' if dry else 'deleted'},"
            f" {kept} bytes kept\n"
        )
    out.flush()
    return 0


def cli(argv=None, out=None):
    """``aiguard-upload-scan scan|release|list|expire``; returns the exit code."""
    out = out or sys.stdout
    parser = argparse.ArgumentParser(prog="aiguard-upload-scan", description=__doc__.split("\n", 1)[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_scan = sub.add_parser("scan", help="check files by content; quarantine the flagged ones if configured")
    p_scan.add_argument("paths", nargs="*")
    p_scan.add_argument("--config")
    p_scan.add_argument("--action", choices=ACTIONS, default=REPORT)
    p_scan.add_argument("--quarantine-dir")
    p_scan.add_argument("--max-size")
    p_scan.add_argument("--allowed-types")
    p_scan.add_argument("--min-age", type=int)
    p_scan.add_argument(
        "--settle", type=float, default=2.0, help="seconds to wait before looking again at files still being written"
    )
    p_scan.add_argument("--settle-rounds", type=int, default=3)
    p_scan.add_argument("--dry-run", action="store_true", help="report what would be quarantined; change nothing")
    p_rel = sub.add_parser("release", help="put quarantined files back where they were")
    p_rel.add_argument("ids", nargs="+")
    p_rel.add_argument("--quarantine-dir", required=True)
    p_list = sub.add_parser("list", help="list the files in quarantine")
    p_list.add_argument("--quarantine-dir", required=True)
    p_chk = sub.add_parser("check-config", help="check a configuration file and exit")
    p_chk.add_argument("config")
    p_exp = sub.add_parser("expire", help="delete old files (retention)")
    p_exp.add_argument("paths", nargs="*")
    p_exp.add_argument("--config")
    p_exp.add_argument("--days", type=int)
    p_exp.add_argument("--max-bytes")
    p_exp.add_argument("--dry-run", action="store_true")
    args = parser.parse_args(argv)
    try:
        commands = {
            "scan": _cli_scan,
            "release": _cli_release,
            "list": _cli_list,
            "expire": _cli_expire,
            "check-config": _cli_check_config,
        }
        return commands[args.command](args, out)
    except UploadScanError as exc:
        sys.stderr.write(f"aiguard-upload-scan: {exc}\n")
        return 2


if __name__ == "__main__":
    sys.exit(cli())
