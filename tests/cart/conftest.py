import pytest

from luffy.catalog.models import Course


@pytest.fixture
def course(make_course) -> Course:
    """Permanent 100.00, plus 30 days 30.00 and 90 days 70.00."""
    return make_course(price="100.00", options=[(30, "30.00"), (90, "70.00")])


def option_id(course: Course, days: int) -> int:
    return course.expire_options.get(days=days).id
