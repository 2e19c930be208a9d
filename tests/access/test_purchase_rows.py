""" "My courses" is written from value rows by purchases_data, not by the serializer (issue 13:
reads close to their floor); PurchaseSerializer stays the documented shape and both must write
the same JSON: permanent, running, expired and refunded access, with and without a cover and
progress, in Shanghai time and in UTC."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from luffy.access import selectors
from luffy.access.models import CoursePurchase, LessonProgress
from luffy.access.serializers import PurchaseSerializer
from tests.conftest import client_for


@pytest.fixture
def purchases(user, make_course):
    now = timezone.now()
    kinds = [
        dict(expires_at=None),
        dict(expires_at=now + timedelta(days=20)),
        dict(expires_at=now - timedelta(days=2)),
        dict(expires_at=now - timedelta(days=1), revoked_at=now - timedelta(days=1)),
    ]
    made = []
    for i, kind in enumerate(kinds):
        cover = "courses/covers/c.png" if i % 2 else ""
        course = make_course(name=f"课程 {i}", lessons=3, cover=cover)
        made.append(CoursePurchase.objects.create(user=user, course=course, **kind))
        if i < 2:
            lessons = list(course.lessons.order_by("order"))
            LessonProgress.objects.create(
                user=user,
                course=course,
                lesson=lessons[0],
                position=0,
                done=True,
                updated_at=now - timedelta(hours=2),
            )
            LessonProgress.objects.create(
                user=user,
                course=course,
                lesson=lessons[1],
                position=42,
                done=False,
                updated_at=now - timedelta(hours=1),
            )
    return made


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC"])
def test_my_courses_write_what_the_serializer_documents(user, purchases, zone):
    with timezone.override(zone):
        body = client_for(user).get("/api/users/me/courses/").json()
        rows = selectors.purchase_list(user_id=user.id)
        documented = PurchaseSerializer(rows, many=True, context={"now": timezone.now()}).data
    assert body == json.loads(JSONRenderer().render(documented))
    by_name = {row["name"]: row for row in body}
    assert [by_name[f"课程 {i}"]["active"] for i in range(4)] == [True, True, False, False]
    assert by_name["课程 3"]["refunded_at"] is not None
    assert by_name["课程 2"]["refunded_at"] is None
    assert by_name["课程 1"]["cover"].startswith("/media/courses/covers/")
    assert by_name["课程 0"]["cover"] is None
    assert by_name["课程 0"]["lessons_done"] == 1
    assert by_name["课程 0"]["last_lesson"]["position"] == 42
    assert by_name["课程 2"]["last_lesson"] is None
