"""Lesson media files: where they are stored, which files are accepted, and the duration of an
MP4 read from its header (the `mvhd` box) without a media library.

Lesson files live in their own storage (`STORAGES["lessons"]`), never under MEDIA_ROOT, which
the app server may publish as it is: a paid lesson is only reachable through a signed link (see
luffy.access.playback)."""

from __future__ import annotations

import struct

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.utils.translation import gettext_lazy as _

# Accepted kinds: extension -> (MIME type, a check on the first bytes).
KINDS = {
    "mp4": "video/mp4",
    "m4v": "video/mp4",
    "webm": "video/webm",
    "pdf": "application/pdf",
}


def lesson_storage():
    """The storage for lesson files (a callable, so settings can change it in tests)."""
    return storages["lessons"]


def sniff(head: bytes) -> str | None:
    """The MIME type the file's first bytes show, or None for anything else."""
    if head[:5] == b"%PDF-":
        return "application/pdf"
    if head[:4] == b"\x1a\x45\xdf\xa3":  # EBML: WebM / Matroska
        return "video/webm"
    if head[4:8] in (b"ftyp", b"moov", b"mdat", b"free", b"wide"):
        return "video/mp4"
    return None


def media_type(name: str) -> str | None:
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return KINDS.get(ext)


def validate_lesson_file(file) -> None:
    """Size, extension and content agree with an accepted kind; errors in Chinese for the admin."""
    limit = settings.LESSON_MEDIA_MAX_BYTES
    if file.size > limit:
        raise ValidationError(
            _("The file is %(size)s MB; a lesson file may be at most %(limit)s MB."),
            code="file_too_large",
            params={"size": round(file.size / 1048576, 1), "limit": limit // 1048576},
        )
    expected = media_type(file.name)
    if expected is None:
        raise ValidationError(
            _("Only MP4 or WebM videos and PDF documents can be uploaded."), code="file_type"
        )
    position = file.tell() if hasattr(file, "tell") else 0
    file.seek(0)
    head = file.read(16)
    file.seek(position)
    if sniff(head) != expected:
        raise ValidationError(
            _("The file's content is not a valid %(kind)s file."),
            code="file_content",
            params={"kind": expected.split("/")[1].upper()},
        )


def mp4_duration(file, *, limit: int = 64 * 1024 * 1024) -> int | None:
    """Whole seconds from the MP4's movie header (moov/mvhd), or None when it can't be read.

    Walks the top-level boxes (skipping mdat by seeking), then the boxes inside moov."""
    file.seek(0)
    end = None
    scanned = 0
    while scanned < limit:
        header = file.read(8)
        if len(header) < 8:
            return None
        size, kind = struct.unpack(">I4s", header)
        offset = 8
        if size == 1:
            size = struct.unpack(">Q", file.read(8))[0]
            offset = 16
        if kind == b"moov":
            end = file.tell() + size - offset if size else None
            break
        if size == 0 or size < offset:
            return None
        file.seek(size - offset, 1)
        scanned += size
    else:
        return None
    while end is None or file.tell() < end:
        header = file.read(8)
        if len(header) < 8:
            return None
        size, kind = struct.unpack(">I4s", header)
        if kind == b"mvhd":
            version = file.read(4)[0]
            if version == 1:
                _created, _modified, scale, duration = struct.unpack(">QQIQ", file.read(28))
            else:
                _created, _modified, scale, duration = struct.unpack(">IIII", file.read(16))
            return round(duration / scale) if scale else None
        if size < 8:
            return None
        file.seek(size - 8, 1)
    return None


def lesson_duration_from_file(file) -> int | None:
    """Seconds read from an uploaded MP4 (None for WebM, PDF, or an unreadable header)."""
    if not file or media_type(file.name) != "video/mp4":
        return None
    try:
        return mp4_duration(file)
    except (OSError, struct.error, IndexError):
        return None
