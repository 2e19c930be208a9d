import pytest
from django.core.management import call_command
from django.utils import timezone

from luffy.catalog import models
from luffy.catalog.selectors import course_list

pytestmark = pytest.mark.django_db

MODELS = [
    models.CourseCategory,
    models.Teacher,
    models.Course,
    models.CourseExpire,
    models.CourseChapter,
    models.CourseLesson,
    models.DiscountType,
    models.Discount,
    models.Activity,
    models.CoursePriceDiscount,
    models.Banner,
    models.Navigation,
]


def snapshot():
    return {m.__name__: list(m.objects.order_by("id").values()) for m in MODELS}


def test_demo_catalog_loads_and_is_idempotent(capsys):
    call_command("load_demo_catalog")
    first = snapshot()
    call_command("load_demo_catalog")
    assert snapshot() == first
    assert "nothing new" in capsys.readouterr().out
    assert len(first["Course"]) >= 12
    assert all(course["cover"] for course in first["Course"])
    rules = {d["sale"] for d in first["Discount"]}
    assert {"0", "*0.8", "-50"} <= rules and any(r.startswith("满") for r in rules)
    now = timezone.now()
    assert all(a["start"] <= now < a["end"] for a in first["Activity"])
    results = course_list(size=50)["results"]
    assert len(results) == len(first["Course"])
    assert {r["discount_name"] for r in results} >= {"限时免费", "限时折扣", "限时减免", "满减"}


def test_if_empty_leaves_an_existing_catalog_alone(capsys):
    models.Course.objects.create(name="Our own course", price="10.00")
    call_command("load_demo_catalog", "--if-empty")
    assert models.Course.objects.count() == 1
    assert "not loaded" in capsys.readouterr().out
