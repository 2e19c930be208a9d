import pytest

from luffy.common.sql import id_list, int_literals
from luffy.users.models import User


def test_int_literals_are_digits_only():
    assert int_literals([3, 1, 2]) == "3, 1, 2"
    assert int_literals([]) == "NULL"
    with pytest.raises(ValueError):
        int_literals(["1) OR (1 = 1"])


@pytest.mark.django_db
def test_id_list_filters_like_a_list_of_ids(make_user):
    users = [make_user() for _ in range(3)]
    wanted = [users[0].id, users[2].id]
    found = User.objects.filter(id__in=id_list(wanted)).values_list("id", flat=True)
    assert sorted(found) == wanted
    assert not User.objects.filter(id__in=id_list([])).exists()
