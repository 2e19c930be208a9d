from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError

from luffy.catalog.models import Banner, CourseLesson, Discount, DiscountType, Navigation

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, make_user):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    return client


def test_model_validation_rejects_invalid_rule_with_message(db):
    discount = Discount(type=DiscountType.objects.create(name="满减"), sale="满100-10\n打八折")
    with pytest.raises(ValidationError) as exc:
        discount.full_clean()
    assert "Line 2" in exc.value.message_dict["sale"][0]


def test_admin_form_rejects_invalid_rule(admin_client):
    dtype = DiscountType.objects.create(name="限时折扣")
    response = admin_client.post(
        "/admin/catalog/discount/add/", {"type": dtype.id, "condition": "0", "sale": "*1.5"}
    )
    assert response.status_code == 200  # the form again, with the error
    assert "the multiplier must be between 0 and 1" in response.content.decode()
    assert not Discount.objects.exists()
    admin_client.post(
        "/admin/catalog/discount/add/", {"type": dtype.id, "condition": "0", "sale": "*0.8"}
    )
    assert Discount.objects.get().sale == "*0.8"


def test_lesson_must_belong_to_its_course_chapter(make_course):
    a, b = make_course(), make_course()
    lesson = CourseLesson(chapter=a.chapters.get(), course=b, name="x")
    with pytest.raises(ValidationError, match="属于其他课程"):
        lesson.full_clean()


def test_chapter_inline_sets_lesson_course(admin_client, make_course):
    course = make_course(lessons=0)
    chapter = course.chapters.get()
    prefix = "lessons"
    response = admin_client.post(
        f"/admin/catalog/coursechapter/{chapter.id}/change/",
        {
            "course": course.id,
            "number": 1,
            "name": "Ch 1",
            "summary": "",
            f"{prefix}-TOTAL_FORMS": 1,
            f"{prefix}-INITIAL_FORMS": 0,
            f"{prefix}-0-name": "Intro",
            f"{prefix}-0-section_type": 2,
            f"{prefix}-0-duration": 60,
            f"{prefix}-0-order": 1,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert CourseLesson.objects.get().course == course


@pytest.mark.parametrize(
    "model",
    [
        "coursecategory",
        "teacher",
        "course",
        "coursechapter",
        "courselesson",
        "discounttype",
        "discount",
        "activity",
        "banner",
        "navigation",
    ],
)
def test_admin_pages_render(admin_client, make_course, make_discount, model):
    make_course(options=[(30, "9.90")])
    make_discount(make_course())
    Banner.objects.create(title="b")
    Navigation.objects.create(position="header", title="n", link="/")
    pk = apps.get_model("catalog", model).objects.first().pk
    assert admin_client.get(f"/admin/catalog/{model}/").status_code == 200
    assert admin_client.get(f"/admin/catalog/{model}/add/").status_code == 200
    assert admin_client.get(f"/admin/catalog/{model}/{pk}/change/").status_code == 200


def test_course_admin_has_option_and_chapter_inlines(admin_client, make_course):
    course = make_course(options=[(30, "9.90")], price=Decimal("1"))
    page = admin_client.get(f"/admin/catalog/course/{course.id}/change/").content.decode()
    assert "expire_options-0-price" in page and "chapters-0-name" in page


class TestPriceBounds:
    """A price the money columns cannot hold is refused everywhere, SQLite included (which
    ignores max_digits and used to store it)."""

    @pytest.mark.parametrize("price", ["100000000.00", "1000000000000"])
    def test_course_price_over_the_maximum_is_refused_by_the_database(self, make_course, price):
        from django.db import DataError, IntegrityError, transaction

        from luffy.catalog.models import Course, CourseExpire

        course = make_course(price="10.00")
        # SQLite: the CHECK constraint; PostgreSQL / MariaDB: numeric(10, 2) overflows first.
        refused = (IntegrityError, DataError)
        with pytest.raises(refused), transaction.atomic():
            Course.objects.filter(id=course.id).update(price=Decimal(price))
        with pytest.raises(refused), transaction.atomic():
            CourseExpire.objects.create(course=course, days=7, text="7天", price=Decimal(price))

    def test_the_maximum_itself_is_accepted(self, make_course):
        course = make_course(price="99999999.99", options=[(30, "99999999.99")])
        course.refresh_from_db()
        assert course.price == Decimal("99999999.99")

    def test_model_validation_names_the_price(self, make_course):
        course = make_course(price="10.00")
        course.price = Decimal("100000000.00")
        with pytest.raises(ValidationError) as exc:
            course.full_clean()
        assert "price" in exc.value.message_dict or "__all__" in exc.value.message_dict
