"""A new course is a draft (未上线) until the publish check passes: cover, a lesson, a price."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from luffy.catalog.models import Course, CourseChapter, CourseLesson
from luffy.catalog.selectors import course_list, course_offers
from luffy.catalog.services import courses_publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, make_user):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    return client


def png(name="cover.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 36), "teal").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def course_form(**fields) -> dict:
    """The course add/change form with its five inline formsets (empty unless given)."""
    data = {"name": "新课", "brief": "", "level": 0, "status": Course.Status.DRAFT, "period": 7}
    data["price"] = "0"
    for prefix in ["expire_options", "chapters", "lessons", "price_discounts"]:
        data[f"{prefix}-TOTAL_FORMS"] = 0
        data[f"{prefix}-INITIAL_FORMS"] = 0
    data.update(fields)
    return data


def test_a_new_course_is_a_draft_and_not_sold(make_course):
    course = Course.objects.create(name="写了一半", price="10.00")
    assert course.status == Course.Status.DRAFT
    assert course_list()["count"] == 0
    assert not any(offer.on_sale for offer in course_offers(course_ids=[course.id]).values())


def test_publish_reports_what_is_missing_in_chinese(make_course):
    bare = Course.objects.create(name="空课")
    result = courses_publish(course_ids=[bare.id])
    assert result.published == []
    name, missing = result.problems[bare.id]
    assert name == "空课"
    assert missing == [
        "请上传课程封面。",
        "请至少添加一个课时。",
        "请至少设置一个价格：永久有效价格或一个有效期选项。",
    ]
    bare.refresh_from_db()
    assert bare.status == Course.Status.DRAFT


def test_publish_a_complete_course(make_course):
    course = make_course(status=Course.Status.DRAFT, options=[(30, "9.90")], price="0")
    course.cover.save("c.png", png())
    assert courses_publish(course_ids=[course.id]).published == [course.id]
    course.refresh_from_db()
    assert course.status == Course.Status.ONLINE
    assert course_list()["count"] == 1  # the cache saw the change


def test_admin_action_publishes_complete_and_names_incomplete(admin_client, make_course):
    ready = make_course(status=Course.Status.DRAFT)
    ready.cover.save("c.png", png())
    no_lessons = make_course(status=Course.Status.DRAFT, chapters=0, name="没有课时")
    no_lessons.cover.save("c.png", png())
    response = admin_client.post(
        "/admin/catalog/course/",
        {"action": "publish", "_selected_action": [ready.id, no_lessons.id]},
        follow=True,
    )
    page = response.content.decode()
    assert "1 门课程已上线" in page
    assert "“没有课时”仍未上线：请至少添加一个课时。" in page
    statuses = dict(Course.objects.values_list("id", "status"))
    assert statuses == {ready.id: Course.Status.ONLINE, no_lessons.id: Course.Status.DRAFT}


def test_the_draft_form_cannot_pick_online_only_publish(admin_client):
    page = admin_client.get("/admin/catalog/course/add/").content.decode()
    assert 'name="publish"' in page
    assert ">已上线</option>" not in page  # not a choice for a draft
    assert ">未上线</option>" in page
    response = admin_client.post(
        "/admin/catalog/course/add/", course_form(status=Course.Status.ONLINE)
    )
    assert response.status_code == 200 and not Course.objects.exists()


def test_operator_creates_and_publishes_on_one_page(admin_client):
    """Add a course with a lesson (no chapter yet: one is made) and a price, ticking 上线."""
    incomplete = course_form(
        price="199.00", publish="on", **{"lessons-TOTAL_FORMS": 1, "lessons-0-name": "开篇"}
    )
    incomplete.update({"lessons-0-section_type": 2, "lessons-0-order": 1, "lessons-0-duration": 0})
    response = admin_client.post("/admin/catalog/course/add/", incomplete, follow=True)
    course = Course.objects.get()
    assert response.redirect_chain[-1][0] == f"/admin/catalog/course/{course.id}/change/"
    assert "仍未上线：请上传课程封面。" in response.content.decode()
    assert course.status == Course.Status.DRAFT
    chapter = CourseChapter.objects.get(course=course)
    assert CourseLesson.objects.get().chapter == chapter and chapter.number == 1

    lesson = CourseLesson.objects.get()
    complete = course_form(price="199.00", publish="on", cover=png())
    complete.update(
        {
            "chapters-TOTAL_FORMS": 1, "chapters-INITIAL_FORMS": 1, "chapters-0-id": chapter.id,
            "chapters-0-course": course.id, "chapters-0-number": 1, "chapters-0-name": chapter.name,
            "lessons-TOTAL_FORMS": 1, "lessons-INITIAL_FORMS": 1, "lessons-0-id": lesson.id,
            "lessons-0-course": course.id, "lessons-0-chapter": chapter.id,
            "lessons-0-name": "开篇", "lessons-0-section_type": 2, "lessons-0-order": 1,
            "lessons-0-duration": 0,
        }
    )  # fmt: skip
    response = admin_client.post(f"/admin/catalog/course/{course.id}/change/", complete)
    assert response.status_code == 302, response.content.decode()[:3000]
    course.refresh_from_db()
    assert course.status == Course.Status.ONLINE
    page = admin_client.get(f"/admin/catalog/course/{course.id}/change/").content.decode()
    assert 'name="publish"' not in page  # online already


def test_course_page_counts_lessons_and_sales_inline_is_read_only(
    admin_client, make_course, make_discount
):
    course = make_course(lessons=3)
    CourseLesson.objects.filter(course=course, order=3).update(link="")
    make_discount(course)
    page = admin_client.get(f"/admin/catalog/course/{course.id}/change/").content.decode()
    assert 'name="lessons-0-name"' in page  # lessons edited on the course page
    assert "参与的促销" in page
    assert "price_discounts-empty" not in page  # read-only: no "Add another" template row
    changelist = admin_client.get("/admin/catalog/course/").content.decode()
    assert '<td class="field-lessons_count">3</td>' in changelist
    assert '<td class="field-pub_lessons_count">2</td>' in changelist
