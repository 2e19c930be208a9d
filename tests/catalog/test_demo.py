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


def test_demo_covers_and_syllabus_look_like_a_store():
    from xml.etree import ElementTree

    from luffy.catalog.demo import COURSES

    call_command("load_demo_catalog")
    for course in models.Course.objects.all():
        assert course.cover.name.endswith(".svg")
        svg = ElementTree.fromstring(course.cover.read())  # noqa: S314 (our own file)
        words = "".join(svg.itertext())
        assert all(part in words for part in course.name.split(" "))
    for banner in models.Banner.objects.all():
        assert banner.image.name.endswith(".svg")
        ElementTree.fromstring(banner.image.read())  # noqa: S314
    lessons = list(models.CourseLesson.objects.values_list("name", flat=True))
    assert len(lessons) == len(COURSES) * 6
    assert len(set(lessons)) == len(lessons), "every lesson has its own name"
    assert not any(name.endswith("课时") for name in lessons)
    chapters = set(models.CourseChapter.objects.values_list("name", flat=True))
    assert len(chapters) == len(COURSES) * 2
    assert not any(name.startswith("第") for name in chapters)


def test_demo_lessons_have_real_media_made_here():
    """Issue 19: a newcomer can buy a demo course and watch: published lessons carry a
    generated MP4 (or PDF notes) that the store's own checks accept; the rest say 未更新."""
    import io

    from luffy.catalog.demo import COURSES, demo_published_lessons
    from luffy.catalog.media import media_type, mp4_duration, sniff

    call_command("load_demo_catalog")
    names = [name for name, *_ in COURSES]
    for course in models.Course.objects.all():
        out = demo_published_lessons(names.index(course.name))
        lessons = list(course.lessons.order_by("chapter__number", "order"))
        published = [lesson for lesson in lessons if lesson.media]
        assert len(published) == out
        assert lessons[:out] == published
        assert not any(lesson.link for lesson in lessons[out:])
        for lesson in published:
            data = lesson.media.read()
            assert sniff(data[:16]) == media_type(lesson.media.name)
            if lesson.section_type == models.CourseLesson.Section.VIDEO:
                assert mp4_duration(io.BytesIO(data)) == lesson.duration == 20
                assert len(data) < 200_000
