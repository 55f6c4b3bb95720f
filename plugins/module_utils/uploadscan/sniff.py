# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Content types from the header bytes (magic numbers) and the script markers inside them."""

from __future__ import annotations

import re

from .kinds import DANGEROUS, OTHER, TYPES, Detection

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
    if text.startswith((b"<?xml", b"<svg", b"<!DOCTYPE svg")) and b"<svg" in head:
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
