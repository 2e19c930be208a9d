"""Schemathesis over /api/schema/: generated requests (valid and invalid) to every documented
operation, anonymous and as a logged-in buyer with a cart line and an order. Every answer must
be documented: no server error, a documented status code and content type, a body matching the
documented schema.

Reproducible: hypothesis is derandomized (the same examples every run). CI runs it once (the
SQLite run); `SCHEMATHESIS_MAX_EXAMPLES` sets the examples per operation (default 50)."""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from rest_framework_simplejwt.tokens import RefreshToken
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from luffy.orders.models import Order
from tests.order_fixtures import checkout

# Committed as in production (autocommit), so a failed statement is seen as the server sees it.
pytestmark = [pytest.mark.schemathesis, pytest.mark.django_db(transaction=True)]

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "50"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
HYPOTHESIS = settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


# Loaded when the module is collected: spectacular builds it from the code, no database.
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())


def call_and_validate(case, **kwargs) -> None:
    case.call_and_validate(checks=CHECKS, **kwargs)


@pytest.fixture
def buyer(auth_client, user, make_course, in_cart) -> dict:
    """A logged-in buyer with one unpaid order and one course in the cart: the headers."""
    in_cart(auth_client, make_course(price="100.00"))
    assert checkout(auth_client).status_code == 201
    in_cart(auth_client, make_course(price="60.00"))
    assert Order.objects.filter(user=user).count() == 1
    return {"Authorization": f"Bearer {RefreshToken.for_user(user).access_token}"}


@schema.parametrize()
@HYPOTHESIS
def test_anonymous(case, make_course):
    call_and_validate(case)


@schema.parametrize()
@HYPOTHESIS
def test_authenticated(case, buyer):
    call_and_validate(case, headers=buyer)
