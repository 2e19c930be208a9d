import struct

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from luffy.catalog.media import lesson_duration_from_file, mp4_duration, validate_lesson_file


def box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def tiny_mp4(seconds: int, *, scale: int = 1000) -> bytes:
    mvhd = box(
        b"mvhd", b"\0\0\0\0" + struct.pack(">IIII", 0, 0, scale, seconds * scale) + b"\0" * 80
    )
    return box(b"ftyp", b"isom\0\0\2\0isom") + box(b"mdat", b"\0" * 100) + box(b"moov", mvhd)


def test_mp4_duration_read_from_mvhd_after_mdat():
    upload = SimpleUploadedFile("a.mp4", tiny_mp4(95), content_type="video/mp4")
    assert mp4_duration(upload) == 95
    assert lesson_duration_from_file(upload) == 95


def test_duration_of_non_mp4_or_broken_header_is_none():
    assert lesson_duration_from_file(SimpleUploadedFile("a.pdf", b"%PDF-1.4 x")) is None
    assert lesson_duration_from_file(SimpleUploadedFile("a.mp4", b"\0\0\0\x10ftypisom")) is None


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("notes.txt", b"hello", "file_type"),
        ("video.mp4", b"%PDF-1.4 not a video", "file_content"),
        ("doc.pdf", b"\x1a\x45\xdf\xa3 webm", "file_content"),
    ],
)
def test_upload_refused_with_a_clear_reason(name, content, code):
    with pytest.raises(ValidationError) as caught:
        validate_lesson_file(SimpleUploadedFile(name, content))
    assert caught.value.code == code


def test_upload_too_large_is_refused(settings):
    settings.LESSON_MEDIA_MAX_BYTES = 1024 * 1024
    with pytest.raises(ValidationError) as caught:
        validate_lesson_file(SimpleUploadedFile("big.mp4", tiny_mp4(1) + b"\0" * 1024 * 1024))
    assert caught.value.code == "file_too_large"


def test_valid_files_pass():
    validate_lesson_file(SimpleUploadedFile("a.mp4", tiny_mp4(3)))
    validate_lesson_file(SimpleUploadedFile("a.webm", b"\x1a\x45\xdf\xa3" + b"\0" * 20))
    validate_lesson_file(SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF"))


def test_the_generated_demo_files_pass_the_upload_checks():
    from luffy.catalog.demo_media import demo_pdf, demo_video

    video = SimpleUploadedFile("lesson.mp4", demo_video(seconds=7), content_type="video/mp4")
    validate_lesson_file(video)
    assert lesson_duration_from_file(video) == 7
    validate_lesson_file(SimpleUploadedFile("notes.pdf", demo_pdf(title="讲义", lines=["一"])))
