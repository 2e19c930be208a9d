"""Study benchmark: median ms and SQL queries per request for the lesson API (a signed link),
the media endpoint (a 64 KB Range of a 2 MB file, served by Python; with LESSON_SENDFILE the
web server sends the bytes instead), saving a position, course progress and my courses with
progress for 20 bought courses.

    .venv/bin/python bench/study.py [--repeat 200]

Runs in-process (Django test client) on a throw-away SQLite file and a private embedded Redis
(or DATABASE_URL / REDIS_URL if set). Prints one JSON line per endpoint."""

import argparse
import json
import statistics
import time

import _django  # noqa: F401 - Django set-up first
from _django import make_courses
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from luffy.access.models import CoursePurchase
from luffy.catalog.demo_media import demo_video
from luffy.catalog.models import CourseChapter, CourseLesson
from luffy.common.redis import redis_client
from luffy.users.models import User


def measure(call, repeat: int) -> tuple[float, int]:
    call()  # warm up
    queries: list[str] = []

    def count(execute, sql, *args):
        queries.append(sql)
        return execute(sql, *args)

    with connection.execute_wrapper(count):
        call()
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings), len(queries)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    redis_client().flushdb()
    user = User.objects.create_user(username="bench", mobile="13800000000")  # token login only
    courses = make_courses(20)
    video = demo_video(seconds=20)
    video = (video * (2 * 1024 * 1024 // len(video) + 1))[: 2 * 1024 * 1024]
    lessons = []
    for course in courses:
        chapter = CourseChapter.objects.create(course=course, number=1, name="Ch")
        for order in range(1, 11):
            lessons.append(
                CourseLesson.objects.create(
                    chapter=chapter, course=course, name=f"L{order}", order=order
                )
            )
        CoursePurchase.objects.create(user=user, course=course)
    lesson = lessons[1]
    lesson.media.save("bench.mp4", ContentFile(video))
    client = APIClient(HTTP_HOST="localhost")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    course_id = lesson.course_id
    study = f"/api/courses/{course_id}/lessons/{lesson.id}/"
    media = client.get(study).json()["playback"]["url"]
    player = APIClient(HTTP_HOST="localhost")  # a <video> element: no login header
    position = iter(range(10**9))

    def range_read():
        response = player.get(media, HTTP_RANGE="bytes=1048576-1114111")
        assert response.status_code == 206
        b"".join(response.streaming_content)

    def save():
        response = client.put(
            f"/api/courses/{course_id}/lessons/{lesson.id}/progress/",
            {"position": next(position)},
            format="json",
        )
        assert response.status_code in (204, 429)

    from django.conf import settings

    settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["progress_user"] = "1000000/min"
    from rest_framework.throttling import ScopedRateThrottle

    ScopedRateThrottle.THROTTLE_RATES = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    for name, call in [
        ("lesson API (signed link)", lambda: client.get(study)),
        ("media 64 KB Range (Python)", range_read),
        ("save position (upsert)", save),
        ("course progress", lambda: client.get(f"/api/courses/{course_id}/progress/")),
        ("my courses (20, with progress)", lambda: client.get("/api/users/me/courses/")),
    ]:
        ms, queries = measure(call, args.repeat)
        print(json.dumps({"endpoint": name, "median_ms": round(ms, 2), "queries": queries}))


if __name__ == "__main__":
    main()
