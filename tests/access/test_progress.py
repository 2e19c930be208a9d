"""A student's progress (issue 16, Studying): lessons done, where they left off, x / y lessons
and 继续学习 on my courses."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from luffy.access import services
from luffy.access.models import CoursePurchase, LessonProgress
from tests.conftest import client_for


@pytest.fixture
def course(make_course):
    return make_course(chapters=2, lessons=2)  # order 1 of each chapter is a free trial


def lesson(course, chapter, order):
    return course.lessons.get(chapter__number=chapter, order=order)


def progress_url(course, lesson_):
    return f"/api/courses/{course.id}/lessons/{lesson_.id}/progress/"


def buy(user, course, expires_at=None):
    return CoursePurchase.objects.create(user=user, course=course, expires_at=expires_at)


def test_save_position_then_mark_done_is_one_row(auth_client, user, course):
    buy(user, course)
    paid = lesson(course, 1, 2)
    assert auth_client.put(progress_url(course, paid), {"position": 42}).status_code == 204
    assert auth_client.put(progress_url(course, paid), {"position": 42}).status_code == 204
    assert auth_client.put(progress_url(course, paid), {"done": True}).status_code == 204
    row = LessonProgress.objects.get(user=user, lesson=paid)
    assert (row.position, row.done, row.course_id) == (42, True, course.id)
    assert row.done_at is not None
    # A later position keeps the lesson done; un-marking is possible.
    auth_client.put(progress_url(course, paid), {"position": 50})
    row.refresh_from_db()
    assert (row.position, row.done) == (50, True)
    auth_client.put(progress_url(course, paid), {"done": False})
    row.refresh_from_db()
    assert (row.done, row.done_at) == (False, None)
    assert LessonProgress.objects.count() == 1


def test_the_study_api_resumes_at_the_saved_position(auth_client, user, course):
    buy(user, course)
    paid = lesson(course, 1, 2)
    auth_client.put(progress_url(course, paid), {"position": 73, "done": True})
    body = auth_client.get(f"/api/courses/{course.id}/lessons/{paid.id}/").json()
    assert (body["position"], body["done"]) == (73, True)


def test_progress_needs_login_and_access(api_client, auth_client, user, course):
    paid = lesson(course, 1, 2)
    assert api_client.put(progress_url(course, paid), {"position": 1}).status_code == 401
    response = auth_client.put(progress_url(course, paid), {"position": 1})
    assert response.status_code == 403
    assert response.json()["code"] == "no_access"
    # A trial lesson is fine without buying.
    trial = lesson(course, 1, 1)
    assert auth_client.put(progress_url(course, trial), {"position": 5}).status_code == 204
    buy(user, course, timezone.now() - timedelta(days=1))  # expired
    assert auth_client.put(progress_url(course, paid), {"position": 1}).status_code == 403


def test_progress_input_is_checked(auth_client, user, course, make_course):
    buy(user, course)
    paid = lesson(course, 1, 2)
    for body in ({}, {"position": -1}, {"position": "x"}, {"position": 10**7}):
        response = auth_client.put(progress_url(course, paid), body, format="json")
        assert response.status_code == 400, body
        assert response.json()["code"] == "invalid"
    other = make_course()
    response = auth_client.put(progress_url(course, other.lessons.first()), {"position": 1})
    assert response.status_code == 404
    assert response.json()["code"] == "lesson_not_found"


def test_saving_a_position_costs_two_queries(auth_client, user, course, django_assert_num_queries):
    buy(user, course)
    paid = lesson(course, 1, 2)
    auth_client.put(progress_url(course, paid), {"position": 1})  # caches the account flag
    with django_assert_num_queries(2):  # the access check, the upsert
        assert auth_client.put(progress_url(course, paid), {"position": 2}).status_code == 204


def test_saving_is_throttled_per_user(auth_client, user, course, settings, monkeypatch):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**rates, "progress_user": "3/min"},
    }
    from rest_framework.settings import api_settings
    from rest_framework.throttling import ScopedRateThrottle

    # monkeypatch, not assignment: undoing it removes the subclass attribute again, so later
    # tests that patch SimpleRateThrottle.THROTTLE_RATES reach ScopedRateThrottle too.
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", api_settings.DEFAULT_THROTTLE_RATES)
    buy(user, course)
    paid = lesson(course, 1, 2)
    codes = [auth_client.put(progress_url(course, paid), {"position": i}).status_code
             for i in range(4)]  # fmt: skip
    assert codes == [204, 204, 204, 429]


def test_course_progress(auth_client, user, course):
    buy(user, course)
    url = f"/api/courses/{course.id}/progress/"
    assert auth_client.get(url).json() == {
        "course_id": course.id,
        "lessons_total": 4,
        "lessons_done": 0,
        "last_lesson_id": None,
        "lessons": [],
    }
    first, second = lesson(course, 1, 2), lesson(course, 2, 1)
    auth_client.put(progress_url(course, first), {"done": True})
    auth_client.put(progress_url(course, second), {"position": 30})
    body = auth_client.get(url).json()
    assert (body["lessons_done"], body["lessons_total"]) == (1, 4)
    assert body["last_lesson_id"] == second.id
    assert {row["lesson_id"]: row["position"] for row in body["lessons"]} == {
        first.id: 0,
        second.id: 30,
    }


def test_my_courses_show_x_of_y_and_where_to_continue(
    auth_client, user, make_user, course, make_course, django_assert_num_queries
):
    buy(user, course)
    other_course = make_course(lessons=3)
    buy(user, other_course)
    first, second = lesson(course, 1, 2), lesson(course, 2, 2)
    auth_client.put(progress_url(course, first), {"done": True})
    auth_client.put(progress_url(course, second), {"position": 12})
    # Someone else's progress counts for nobody else.
    stranger = make_user()
    buy(stranger, course)
    client_for(stranger).put(progress_url(course, lesson(course, 2, 1)), {"done": True})

    # Purchases, lesson counts, progress (token auth): three plain queries build faster than one
    # with five correlated subqueries (docs/benchmarks.md).
    with django_assert_num_queries(3):
        rows = {row["course_id"]: row for row in auth_client.get("/api/users/me/courses/").json()}
    assert (rows[course.id]["lessons_done"], rows[course.id]["lessons_total"]) == (1, 4)
    assert rows[course.id]["last_lesson"] == {"id": second.id, "name": "2.2", "position": 12}
    assert (rows[other_course.id]["lessons_done"], rows[other_course.id]["lessons_total"]) == (0, 3)
    assert rows[other_course.id]["last_lesson"] is None


@pytest.mark.django_db(transaction=True)
def test_two_tabs_saving_at_once_make_one_row(make_user, make_course):
    user = make_user()
    course = make_course(lessons=2)
    buy(user, course)
    paid = lesson(course, 1, 2)
    barrier = threading.Barrier(4)
    errors = []

    def save(position):
        try:
            barrier.wait()
            services.lesson_progress_save(
                user_id=user.id,
                course_id=course.id,
                lesson_id=paid.id,
                position=position,
                at=timezone.now(),
            )
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(p,)) for p in (10, 20, 30, 40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    rows = list(LessonProgress.objects.filter(user=user, lesson=paid))
    assert len(rows) == 1 and rows[0].position in (10, 20, 30, 40)


def test_the_admin_lists_progress_read_only(client, make_user, user, course):
    buy(user, course)
    services.lesson_progress_save(
        user_id=user.id, course_id=course.id, lesson_id=lesson(course, 1, 2).id, position=9,
        at=timezone.now(),
    )  # fmt: skip
    client.force_login(make_user(is_staff=True, is_superuser=True))
    response = client.get("/admin/access/lessonprogress/", HTTP_HOST="localhost")
    assert response.status_code == 200
    assert "1.2" in response.content.decode()
    assert client.get("/admin/access/lessonprogress/add/", HTTP_HOST="localhost").status_code == 403
