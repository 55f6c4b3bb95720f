# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Content types, verdicts, actions, sizes: the names every part of the scanner shares."""

from __future__ import annotations

import re

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

    __slots__ = ("extension_set", "extensions", "family", "label", "mime", "name")

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

    __slots__ = ("detail", "marker", "type")

    def __init__(self, type_, detail="", marker=None):
        self.type = type_
        self.detail = detail
        self.marker = marker  # (type name, offset, text) of a script marker in the window

    @property
    def kind(self):
        return TYPES[self.type]

    def __repr__(self):
        return f"Detection({self.type!r}, {self.detail!r}, {self.marker!r})"


class UploadScanError(ValueError):
    """A bad input or a directory that cannot be used; the message says what to do."""


# nginx's own size syntax (ngx_parse_size): digits and an optional unit, no
# spaces. The one definition of it: nginx_auth's preflight checks
# client_max_body_size with parse_size too.
_SIZE = re.compile(r"([0-9]+)([kKmMgG]?)")


def parse_size(text):
    """An nginx size (``200m``, ``512k``, ``1g``, a number of bytes) in bytes; None for None, ``0`` or ``""``.

    The syntax is nginx's: ``^[0-9]+[kKmMgG]?$`` (an int is read as its digits).
    """
    if text is None or text == "":
        return None
    match = _SIZE.fullmatch(str(text))
    if not match:
        raise UploadScanError(
            f"size {text!r} is not a size nginx understands, such as 200m, 512k, 1g or a number of bytes"
        )
    number = int(match.group(1)) * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[match.group(2).lower()]
    return number or None


# Characters that never reach a line of output as they are: C0 controls
# (newline, carriage return, escape...), DEL and C1 controls (0x9b starts a
# terminal sequence as ESC [ does), the backslash that starts an escape, the
# surrogates that stand for bytes of a name that is not UTF-8, the Unicode
# line separators and the bidirectional controls that reorder what a
# terminal shows.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\\\\\u200e\u200f\u2028-\u202e\u2066-\u2069\udc80-\udcff]")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\"}


def _escape(match):
    char = match.group()
    code = ord(char)
    if char in _ESCAPES:
        return _ESCAPES[char]
    if code < 0x100:
        return f"\\x{code:02x}"
    if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte of the name, as os.fsdecode() kept it
        return f"\\x{code - 0xDC00:02x}"
    return f"\\u{code:04x}"


def printable(text):
    """``text`` with every control character and backslash escaped (``\\n``, ``\\x1b``, ``\\\\``...): one line, inert.

    A file name may hold anything but ``/`` and NUL; the uploader chooses it.
    Every line the command writes (results, the journal through systemd,
    errors) and every path listed in the module's diff goes through this
    once, so a name cannot start a forged line or a terminal sequence, and
    the escaped form still tells every name apart.
    """
    text = str(text)
    return _UNPRINTABLE.sub(_escape, text) if _UNPRINTABLE.search(text) else text
