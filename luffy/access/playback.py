"""Signed, short-lived links to lesson files, and serving a file behind such a link.

A `<video>` or `<iframe>` element can't send the JWT header, and the SPA keeps no session
cookie, so the link carries its own proof: a token in the URL path, signed with the site's
secret (django.core.signing, HMAC-SHA256) over (user id, lesson id, expiry). Nobody can change
any of the three without breaking the signature. Each request for the file checks, at that
moment, the signature, the expiry and that the user's access to the course is still active; a
request that also carries a login token for another account is refused. A copied link is
therefore useless after LESSON_LINK_TTL seconds, or as soon as the access ends.

Free trial lessons get a link too (user 0 for visitors), still short-lived, so a trial file
can't be hot-linked forever either; it stops working when the lesson is no longer a trial.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.http import HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from luffy.access.models import LessonProgress
from luffy.access.selectors import active_access, lesson_for_study
from luffy.access.video_cloud import Viewer, video_cloud
from luffy.catalog.media import lesson_storage, media_type
from luffy.catalog.models import CourseLesson
from luffy.common.choices import choice_code
from luffy.common.errors import Forbidden, NotFound, RangeNotSatisfiable

logger = logging.getLogger(__name__)

SALT = "luffy.access.lesson-media"
CHUNK = 64 * 1024
SENDFILE_MODES = ("none", "x-accel-redirect", "x-sendfile", "redirect")


@dataclass(frozen=True)
class LessonLink:
    url: str
    expires_at: datetime


@dataclass(frozen=True)
class LinkClaims:
    user_id: int | None  # None: a visitor's link to a free trial lesson
    lesson_id: int
    expires: int  # Unix seconds


def lesson_link_issue(*, user_id: int | None, lesson_id: int, now: datetime | None = None):
    """A link to the lesson's file, valid for LESSON_LINK_TTL seconds, for this user only."""
    now = now or timezone.now()
    expires = int(now.timestamp()) + settings.LESSON_LINK_TTL
    token = signing.dumps([user_id or 0, lesson_id, expires], salt=SALT, compress=False)
    url = reverse("access:lesson-media", kwargs={"lesson_id": lesson_id, "token": token})
    return LessonLink(url=url, expires_at=datetime.fromtimestamp(expires, tz=UTC))


def lesson_link_claims(*, token: str, lesson_id: int, now: datetime | None = None) -> LinkClaims:
    """The token's claims, if its signature is right, it names this lesson and it has not
    expired; Forbidden otherwise."""
    try:
        user_id, signed_lesson, expires = signing.loads(token, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError):
        raise Forbidden(
            _("This lesson link is not valid; open the lesson again from the study page."),
            code="lesson_link_invalid",
        ) from None
    if signed_lesson != lesson_id:
        raise Forbidden(
            _("This lesson link is not valid; open the lesson again from the study page."),
            code="lesson_link_invalid",
        )
    if int((now or timezone.now()).timestamp()) >= expires:
        raise Forbidden(
            _("This lesson link has expired; open the lesson again from the study page."),
            code="lesson_link_expired",
        )
    return LinkClaims(user_id=user_id or None, lesson_id=lesson_id, expires=expires)


def lesson_for_link(*, claims: LinkClaims, requester_id: int | None, now=None) -> CourseLesson:
    """The lesson a valid link points to, if the link's user may still open it (2 queries)."""
    if requester_id is not None and requester_id != claims.user_id:
        # A shared link: worth one line for whoever looks into leaked content.
        logger.info(
            "lesson link of user %s used by user %s (lesson %s)",
            claims.user_id,
            requester_id,
            claims.lesson_id,
        )
        raise Forbidden(
            _("This lesson link belongs to another account."), code="lesson_link_other_user"
        )
    lesson = (
        CourseLesson.objects.filter(id=claims.lesson_id)
        .only("id", "course_id", "media", "free_trial")
        .first()
    )
    if lesson is None or not lesson.media:
        raise NotFound(_("This lesson has no file."), code="lesson_media_missing")
    may_open = lesson.free_trial or (
        claims.user_id is not None
        and active_access(user_id=claims.user_id, course_ids=[lesson.course_id], at=now)
    )
    if not may_open:
        logger.info(
            "lesson link refused: access ended (user %s, lesson %s)",
            claims.user_id,
            claims.lesson_id,
        )
        raise Forbidden(
            _("Your access to this course has ended; this link no longer works."),
            code="access_ended",
        )
    return lesson


# --- serving the bytes --------------------------------------------------------------------------

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(first, last) byte of a single-range `Range` header, inclusive; None to send the whole
    file (no header, several ranges, or a malformed one, which RFC 9110 says to ignore).
    RangeNotSatisfiable when the range starts past the end."""
    if not header:
        return None
    match = _RANGE.match(header.strip())
    if not match:
        return None
    first, last = match.groups()
    if first == "" and last == "":
        return None
    if first == "":  # the last N bytes
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable(size=size)
        return max(size - suffix, 0), size - 1
    start = int(first)
    if last != "" and int(last) < start:
        return None
    if start >= size:
        raise RangeNotSatisfiable(size=size)
    return start, size - 1 if last == "" else min(int(last), size - 1)


def _chunks(file, start: int, length: int):
    try:
        file.seek(start)
        while length > 0:
            data = file.read(min(CHUNK, length))
            if not data:
                break
            length -= len(data)
            yield data
    finally:
        file.close()


def lesson_file_response(*, lesson: CourseLesson, range_header: str | None) -> HttpResponse:
    """The lesson's file: bytes from Python with Range support, or a hand-off to the web server
    (X-Accel-Redirect / X-Sendfile, which then does Range itself) or to object storage."""
    storage = lesson_storage()
    name = lesson.media.name
    content_type = media_type(name) or "application/octet-stream"
    mode = settings.LESSON_SENDFILE
    if mode == "redirect":
        response = HttpResponseRedirect(storage.url(name))
    elif mode in ("x-accel-redirect", "x-sendfile"):
        response = HttpResponse(content_type=content_type)
        if mode == "x-accel-redirect":
            response["X-Accel-Redirect"] = settings.LESSON_SENDFILE_PREFIX.rstrip("/") + "/" + name
        else:
            response["X-Sendfile"] = storage.path(name)
    else:
        size = storage.size(name)
        selected = byte_range(range_header, size)
        start, end = selected if selected else (0, size - 1)
        length = end - start + 1 if size else 0
        response = StreamingHttpResponse(
            _chunks(storage.open(name, "rb"), start, length),
            status=206 if selected else 200,
            content_type=content_type,
        )
        response["Content-Length"] = str(length)
        if selected:
            response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Accept-Ranges"] = "bytes"
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    # The link is personal: no shared cache keeps it; the browser may, while it seeks.
    response["Cache-Control"] = "private, max-age=60"
    return response


# --- what the study API tells the player ---------------------------------------------------------


def _masked(mobile: str) -> str:
    return f"{mobile[:3]}****{mobile[-4:]}" if len(mobile) >= 7 else mobile


def lesson_playback(*, lesson: CourseLesson, user_id: int | None, client_ip: str) -> dict | None:
    """How the page plays a lesson it may open: its own file behind a signed link, a video
    cloud's player with a per-viewer token, or (free trials only) the operator's public URL.
    None when there is nothing to play yet (未更新). Never a permanent URL for paid content."""
    if lesson.media:
        link = lesson_link_issue(user_id=user_id, lesson_id=lesson.id)
        return {
            "kind": "file",
            "url": link.url,
            "content_type": media_type(lesson.media.name),
            "expires_at": link.expires_at,
        }
    if not lesson.link:
        return None
    if re.match(r"^https?://", lesson.link):
        # A typed URL is permanent: fine for a public trial, never handed out for paid content.
        return {"kind": "external", "url": lesson.link} if lesson.free_trial else None
    mobile = ""
    if user_id is not None:  # the cloud's player shows and logs who watches
        mobile = (
            get_user_model().objects.filter(id=user_id).values_list("mobile", flat=True).first()
            or ""
        )
    token = video_cloud().player_token(
        video_id=lesson.link, viewer=Viewer(id=user_id or 0, name=_masked(mobile), ip=client_ip)
    )
    return {
        "kind": "cloud",
        "provider": token.provider,
        "video_id": token.video_id,
        "token": token.token,
        "expires_at": timezone.now() + timedelta(seconds=token.ttl),
    }


def lesson_study_open(
    *, user_id: int | None, course_id: int, lesson_id: int, client_ip: str
) -> dict:
    """A lesson the user may open, how to play it and where they left off (4 queries for a
    buyer: lesson, course, purchase, progress; 1 for a visitor's trial)."""
    lesson = lesson_for_study(user_id=user_id, course_id=course_id, lesson_id=lesson_id)
    progress = None
    if user_id is not None:
        progress = (
            LessonProgress.objects.filter(user_id=user_id, lesson_id=lesson.id)
            .values("position", "done")
            .first()
        )
    return {
        "id": lesson.id,
        "course_id": lesson.course_id,
        "name": lesson.name,
        "section_type": choice_code(CourseLesson.Section, lesson.section_type),
        "duration": lesson.duration,
        "free_trial": lesson.free_trial,
        "playback": lesson_playback(lesson=lesson, user_id=user_id, client_ip=client_ip),
        "position": progress["position"] if progress else 0,
        "done": progress["done"] if progress else False,
    }
