"""Paid lesson files behind signed, short-lived links (issue 19): signature, expiry, another
user, access that ended, HTTP Range, and the hand-off to the web server."""

import base64
import json
from datetime import timedelta
from unittest import mock

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from luffy.access import playback
from luffy.access.models import CoursePurchase
from luffy.catalog.demo_media import demo_pdf, demo_video
from tests.conftest import client_for

VIDEO = demo_video(seconds=2)


@pytest.fixture
def course(make_course):
    course = make_course(chapters=1, lessons=2)  # order 1 is a free trial, 2 is paid
    for lesson in course.lessons.all():
        lesson.media.save(f"lesson-{lesson.id}.mp4", ContentFile(VIDEO), save=True)
    return course


def paid_lesson(course):
    return course.lessons.get(order=2)


def trial_lesson(course):
    return course.lessons.get(order=1)


def buy(user, course, expires_at=None):
    return CoursePurchase.objects.create(user=user, course=course, expires_at=expires_at)


def lesson_url(course, lesson):
    return f"/api/courses/{course.id}/lessons/{lesson.id}/"


def signed_url(client, course, lesson) -> str:
    body = client.get(lesson_url(course, lesson)).json()
    assert body["playback"]["kind"] == "file"
    assert body["playback"]["content_type"] == "video/mp4"
    return body["playback"]["url"]


def anonymous_get(api_client, url, **headers):
    api_client.credentials()  # a <video> element sends no login token
    return api_client.get(url, **headers)


def test_the_study_api_gives_a_signed_short_lived_link_not_the_file(auth_client, user, course):
    buy(user, course)
    lesson = paid_lesson(course)
    body = auth_client.get(lesson_url(course, lesson)).json()
    link = body["playback"]
    assert lesson.media.name not in link["url"]
    assert link["url"].startswith(f"/api/lessons/{lesson.id}/media/")
    expires = timezone.datetime.fromisoformat(link["expires_at"])
    assert timedelta(seconds=590) < expires - timezone.now() <= timedelta(seconds=600)


def test_the_link_plays_without_a_login_header(auth_client, api_client, user, course):
    buy(user, course)
    url = signed_url(auth_client, course, paid_lesson(course))
    response = anonymous_get(api_client, url)
    assert response.status_code == 200
    assert response["Content-Type"] == "video/mp4"
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Length"] == str(len(VIDEO))
    assert b"".join(response.streaming_content) == VIDEO


def test_a_range_request_gets_206_with_the_right_bytes(auth_client, api_client, user, course):
    buy(user, course)
    url = signed_url(auth_client, course, paid_lesson(course))
    size = len(VIDEO)
    cases = {
        "bytes=0-99": (0, 99),
        "bytes=100-": (100, size - 1),
        "bytes=-50": (size - 50, size - 1),
        f"bytes=10-{size + 500}": (10, size - 1),  # the end is clamped to the file
    }
    for header, (first, last) in cases.items():
        response = anonymous_get(api_client, url, HTTP_RANGE=header)
        assert response.status_code == 206, header
        assert response["Content-Range"] == f"bytes {first}-{last}/{size}"
        assert response["Content-Length"] == str(last - first + 1)
        assert b"".join(response.streaming_content) == VIDEO[first : last + 1]


def test_a_range_past_the_end_is_416_with_the_size(auth_client, api_client, user, course):
    buy(user, course)
    url = signed_url(auth_client, course, paid_lesson(course))
    response = anonymous_get(api_client, url, HTTP_RANGE=f"bytes={len(VIDEO)}-")
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(VIDEO)}"
    assert response.json()["code"] == "range_not_satisfiable"


@pytest.mark.parametrize("header", ["bytes=0-1,5-9", "bytes=9-3", "lines=1-2", "bytes=x-"])
def test_ranges_it_cannot_serve_get_the_whole_file(auth_client, api_client, user, course, header):
    buy(user, course)
    url = signed_url(auth_client, course, paid_lesson(course))
    response = anonymous_get(api_client, url, HTTP_RANGE=header)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == VIDEO


def test_a_tampered_token_is_refused(auth_client, api_client, user, make_user, course):
    buy(user, course)
    url = signed_url(auth_client, course, paid_lesson(course))
    token = url.rstrip("/").rsplit("/", 1)[1]
    payload, _stamp, signature = token.split(":")
    # The same claims for another user id, with the old signature.
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims[0] = make_user().id
    forged = base64.urlsafe_b64encode(json.dumps(claims, separators=(",", ":")).encode())
    forged_url = url.replace(payload, forged.decode().rstrip("="))
    for bad in (forged_url, url.replace(signature, signature[::-1]), url[:-5] + "/"):
        response = anonymous_get(api_client, bad)
        assert response.status_code == 403, bad
        assert response.json()["code"] == "lesson_link_invalid"


def test_a_link_for_one_lesson_does_not_open_another(auth_client, api_client, user, course):
    buy(user, course)
    url = signed_url(auth_client, course, paid_lesson(course))
    other = trial_lesson(course)
    response = anonymous_get(
        api_client, url.replace(f"/lessons/{paid_lesson(course).id}/", f"/lessons/{other.id}/")
    )
    assert response.status_code == 403
    assert response.json()["code"] == "lesson_link_invalid"


def test_an_expired_link_is_refused(auth_client, api_client, user, course, settings):
    buy(user, course)
    url = signed_url(auth_client, course, paid_lesson(course))
    later = timezone.now() + timedelta(seconds=settings.LESSON_LINK_TTL + 1)
    with mock.patch("luffy.access.playback.timezone.now", return_value=later):
        response = anonymous_get(api_client, url)
    assert response.status_code == 403
    assert response.json() == {
        "detail": "课时链接已过期，请回到学习页面重新打开课时。",
        "code": "lesson_link_expired",
    }


def test_the_ttl_is_a_setting(auth_client, user, course, settings):
    settings.LESSON_LINK_TTL = 30
    buy(user, course)
    body = auth_client.get(lesson_url(course, paid_lesson(course))).json()
    expires = timezone.datetime.fromisoformat(body["playback"]["expires_at"])
    assert expires - timezone.now() <= timedelta(seconds=30)


def test_another_logged_in_user_cannot_use_the_link(auth_client, user, make_user, course):
    buy(user, course)
    url = signed_url(auth_client, course, paid_lesson(course))
    other = make_user()
    buy(other, course)  # even a buyer of the same course: the link is personal
    response = client_for(other).get(url)
    assert response.status_code == 403
    assert response.json()["code"] == "lesson_link_other_user"
    assert auth_client.get(url).status_code == 200  # its owner, with the header, is fine


def test_the_link_stops_when_the_access_ends(auth_client, api_client, user, course):
    purchase = buy(user, course)
    url = signed_url(auth_client, course, paid_lesson(course))
    assert anonymous_get(api_client, url).status_code == 200
    purchase.expires_at = timezone.now() - timedelta(seconds=1)  # e.g. refunded
    purchase.save()
    response = anonymous_get(api_client, url)
    assert response.status_code == 403
    assert response.json()["code"] == "access_ended"


def test_a_visitor_gets_a_link_to_a_trial_lesson_only_while_it_is_a_trial(api_client, course):
    trial = trial_lesson(course)
    url = signed_url(api_client, course, trial)
    assert anonymous_get(api_client, url).status_code == 200
    trial.free_trial = False
    trial.save()
    assert anonymous_get(api_client, url).status_code == 403


def test_a_lesson_without_a_file_is_404(auth_client, api_client, user, course):
    buy(user, course)
    lesson = paid_lesson(course)
    url = signed_url(auth_client, course, lesson)
    lesson.media = ""
    lesson.save()
    response = anonymous_get(api_client, url)
    assert response.status_code == 404
    assert response.json()["code"] == "lesson_media_missing"


def test_the_media_check_costs_two_queries(
    auth_client, api_client, user, course, django_assert_num_queries
):
    buy(user, course)
    url = signed_url(auth_client, course, paid_lesson(course))
    with django_assert_num_queries(2):  # the lesson, the purchase
        assert anonymous_get(api_client, url, HTTP_RANGE="bytes=0-9").status_code == 206


def test_the_study_api_query_count(auth_client, user, course, django_assert_num_queries):
    buy(user, course)
    lesson = paid_lesson(course)
    auth_client.get(lesson_url(course, lesson))  # caches the account's active flag
    with django_assert_num_queries(3):  # lesson, purchase, progress (the lesson proves the course)
        assert auth_client.get(lesson_url(course, lesson)).status_code == 200


def test_a_pdf_opens_inline_in_a_frame_of_the_site(auth_client, api_client, user, course):
    buy(user, course)
    lesson = paid_lesson(course)
    lesson.media.save("notes.pdf", ContentFile(demo_pdf(title="讲义", lines=["第一页"])))
    body = auth_client.get(lesson_url(course, lesson)).json()
    assert body["playback"]["content_type"] == "application/pdf"
    response = anonymous_get(api_client, body["playback"]["url"])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == "inline"
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("mode", "header", "value"),
    [
        ("x-accel-redirect", "X-Accel-Redirect", "/protected-lessons/{name}"),
        ("x-sendfile", "X-Sendfile", "/srv/lessons/{name}"),
    ],
)
def test_production_hands_the_bytes_to_the_web_server(
    auth_client, api_client, user, course, settings, mode, header, value
):
    settings.LESSON_SENDFILE = mode
    buy(user, course)
    lesson = paid_lesson(course)
    url = signed_url(auth_client, course, lesson)
    storage = playback.lesson_storage()
    with mock.patch.object(
        type(storage), "path", lambda self, name: f"/srv/lessons/{name}", create=True
    ):
        response = anonymous_get(api_client, url, HTTP_RANGE="bytes=0-9")
    assert response.status_code == 200  # the web server answers the Range itself
    assert response[header] == value.format(name=lesson.media.name)
    assert response.content == b""
    assert response["Content-Type"] == "video/mp4"


def test_object_storage_gets_a_redirect_to_its_own_url(
    auth_client, api_client, user, course, settings
):
    settings.LESSON_SENDFILE = "redirect"
    buy(user, course)
    url = signed_url(auth_client, course, paid_lesson(course))
    storage = playback.lesson_storage()
    with mock.patch.object(
        type(storage), "url", lambda self, name: f"https://oss.example.com/{name}?sig=1"
    ):
        response = anonymous_get(api_client, url)
    assert response.status_code == 302
    assert response["Location"].startswith("https://oss.example.com/lessons/")


def test_byte_range_parsing():
    assert playback.byte_range(None, 10) is None
    assert playback.byte_range("bytes=0-0", 10) == (0, 0)
    assert playback.byte_range("bytes=-100", 10) == (0, 9)
    with pytest.raises(playback.RangeNotSatisfiable):
        playback.byte_range("bytes=-0", 10)
    with pytest.raises(playback.RangeNotSatisfiable):
        playback.byte_range("bytes=0-", 0)


def test_head_answers_the_size_without_the_bytes(auth_client, api_client, user, course):
    buy(user, course)
    url = signed_url(auth_client, course, paid_lesson(course))
    api_client.credentials()
    response = api_client.head(url)
    assert response.status_code == 200
    assert response["Content-Length"] == str(len(VIDEO))
    assert b"".join(response.streaming_content) == b""


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC"])
@pytest.mark.parametrize("link", ["file", "v-cloud-1", "https://example.com/trial.mp4", ""])
def test_the_study_api_writes_what_its_serializer_documents(auth_client, user, course, zone, link):
    """The study API writes its answer directly (serializers.study_lesson_data, issue 13: reads
    close to their floor); StudyLessonSerializer stays the documented shape."""
    from rest_framework.renderers import JSONRenderer

    from luffy.access.serializers import StudyLessonSerializer

    buy(user, course)
    lesson = trial_lesson(course)
    if link != "file":
        lesson.media = ""
        lesson.link = link
        lesson.save()
    with timezone.override(zone):
        body = auth_client.get(lesson_url(course, lesson)).json()
        opened = playback.lesson_study_open(
            user_id=user.id, course_id=course.id, lesson_id=lesson.id, client_ip="127.0.0.1"
        )
        documented = json.loads(JSONRenderer().render(StudyLessonSerializer(opened).data))
    kinds = {"file": "file", "v-cloud-1": "cloud", "": None}
    assert (body["playback"] or {}).get("kind") == kinds.get(link, "external")
    for answer in (body, documented):  # tokens and links are signed anew on every open
        for key in ("url", "token", "expires_at"):
            if answer["playback"] and key in answer["playback"]:
                answer["playback"][key] = type(answer["playback"][key]).__name__
    assert body == documented
