"""Finding courses: search by title, teacher and category, free courses, both cached."""

import pytest

from luffy.catalog.models import CourseCategory, Teacher

pytestmark = pytest.mark.django_db


def names(response):
    assert response.status_code == 200, response.json()
    return sorted(item["name"] for item in response.json()["results"])


@pytest.fixture
def shelf(make_course):
    go = CourseCategory.objects.create(name="Go 语言")
    wang = Teacher.objects.create(name="王老师", title="讲师", signature="", brief="")
    web = CourseCategory.objects.create(name="Web 开发")
    make_course(name="Python 入门", category=web)
    make_course(name="Django 实战", teacher=wang, category=web)
    make_course(name="并发编程", category=go, price="0", options=[(30, "0.00"), (90, "9.90")])
    # no option at all: "no price yet", not free
    make_course(name="没有价格", price="0", category=web)


def test_search_by_title_teacher_and_category(api_client, shelf):
    assert names(api_client.get("/api/courses/", {"q": "python"})) == ["Python 入门"]
    assert names(api_client.get("/api/courses/", {"q": "王老师"})) == ["Django 实战"]
    assert names(api_client.get("/api/courses/", {"q": "go 语言"})) == ["并发编程"]
    assert len(names(api_client.get("/api/courses/", {"q": "web"}))) == 3
    assert names(api_client.get("/api/courses/", {"q": "  实战   王 "})) == ["Django 实战"]
    assert names(api_client.get("/api/courses/", {"q": "实战 python"})) == []
    assert len(names(api_client.get("/api/courses/", {"q": ""}))) == 4


def test_free_courses_are_a_filter_of_the_list(api_client, shelf):
    assert names(api_client.get("/api/courses/", {"free": "true"})) == ["并发编程"]
    assert names(api_client.get("/api/courses/", {"free": "1", "q": "python"})) == []


def test_search_results_are_cached_like_the_list(api_client, shelf, django_assert_num_queries):
    odd = "王老师 %_'\"; {}:\x7f 🙂"  # any text is a safe cache key
    first = api_client.get("/api/courses/", {"q": "王老师"}).json()
    api_client.get("/api/courses/", {"q": odd})
    with django_assert_num_queries(0):
        assert api_client.get("/api/courses/", {"q": " 王老师 "}).json() == first
        api_client.get("/api/courses/", {"q": odd})
    assert api_client.get("/api/courses/", {"q": "python"}).json() != first  # its own entry


def test_a_long_query_is_refused(api_client):
    response = api_client.get("/api/courses/", {"q": "x" * 101})
    assert response.status_code == 400 and "q" in response.json()["errors"]
