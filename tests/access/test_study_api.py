"""Lessons open for buyers with active access, or for anyone when they are free trials."""

from datetime import timedelta

import pytest
from django.utils import timezone

from luffy.access.models import CoursePurchase
from tests.conftest import client_for


@pytest.fixture
def course(make_course):
    return make_course(chapters=1, lessons=2)  # lesson order 1 is a free trial, 2 is paid


def lessons(course):
    trial, paid = course.lessons.order_by("order")
    return trial, paid


def url(course_id, lesson_id):
    return f"/api/courses/{course_id}/lessons/{lesson_id}/"


def buy(user, course, expires_at=None):
    return CoursePurchase.objects.create(user=user, course=course, expires_at=expires_at)


def test_trial_lesson_is_open_to_anyone(api_client, course):
    trial, _ = lessons(course)
    response = api_client.get(url(course.id, trial.id))
    assert response.status_code == 200
    body = response.json()
    # Issue 19: no raw `link` any more; the lesson's video id plays through the video cloud.
    playback = body.pop("playback")
    assert body == {
        "id": trial.id,
        "course_id": course.id,
        "name": trial.name,
        "section_type": "video",
        "duration": 0,
        "free_trial": True,
        "position": 0,
        "done": False,
    }
    assert playback["kind"] == "cloud" and playback["video_id"] == trial.link


def test_paid_lesson_needs_login(api_client, course):
    _, paid = lessons(course)
    response = api_client.get(url(course.id, paid.id))
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_paid_lesson_without_purchase_is_refused(auth_client, course):
    _, paid = lessons(course)
    response = auth_client.get(url(course.id, paid.id))
    assert response.status_code == 403
    assert response.json() == {
        "detail": "购买本课程后即可观看本课时。",
        "code": "no_access",
    }


@pytest.mark.parametrize("days", [None, 3], ids=["permanent", "active"])
def test_paid_lesson_with_active_access(auth_client, user, course, days):
    _, paid = lessons(course)
    buy(user, course, timezone.now() + timedelta(days=days) if days else None)
    response = auth_client.get(url(course.id, paid.id))
    assert response.status_code == 200
    # Issue 19: a player token for the video id instead of the raw, shareable link.
    playback = response.json()["playback"]
    assert playback["kind"] == "cloud" and playback["video_id"] == paid.link
    assert playback["token"]


def test_paid_lesson_after_access_expired(auth_client, user, course):
    _, paid = lessons(course)
    buy(user, course, timezone.now() - timedelta(minutes=1))
    response = auth_client.get(url(course.id, paid.id))
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "access_expired"
    assert "续费后可继续学习" in body["detail"]


def test_another_users_purchase_gives_no_access(auth_client, make_user, course):
    _, paid = lessons(course)
    buy(make_user(), course)
    assert auth_client.get(url(course.id, paid.id)).status_code == 403


def test_unknown_lesson_is_404(auth_client, course):
    response = auth_client.get(url(course.id, 999999))
    assert response.status_code == 404
    assert response.json()["code"] == "lesson_not_found"


def test_lesson_of_another_course_is_404(auth_client, user, make_course, course):
    other = make_course()
    buy(user, course)
    _, other_paid = lessons(other)
    response = auth_client.get(url(course.id, other_paid.id))
    assert response.status_code == 404


def test_access_endpoint(api_client, user, make_user, course, make_course):
    assert api_client.get(f"/api/courses/{course.id}/access/").status_code == 401
    client = client_for(user)
    assert client.get(f"/api/courses/{course.id}/access/").json() == {
        "active": False,
        "expires_at": None,
        "expired": False,
        "refunded": False,
    }
    until = timezone.now() + timedelta(days=30)
    buy(user, course, until)
    body = client.get(f"/api/courses/{course.id}/access/").json()
    assert body["active"] is True and body["expired"] is False
    assert body["expires_at"].startswith(timezone.localtime(until).strftime("%Y-%m-%dT%H:%M"))

    expired = make_course()
    buy(user, expired, timezone.now() - timedelta(days=1))
    body = client.get(f"/api/courses/{expired.id}/access/").json()
    assert body["active"] is False and body["expired"] is True
    assert client.get("/api/courses/999999/access/").status_code == 404


def test_access_endpoint_query_count(auth_client, course, django_assert_num_queries):
    # The first request also reads the account's active flag into Redis (one query).
    with django_assert_num_queries(3):
        assert auth_client.get(f"/api/courses/{course.id}/access/").status_code == 200
    with django_assert_num_queries(2):
        assert auth_client.get(f"/api/courses/{course.id}/access/").status_code == 200
