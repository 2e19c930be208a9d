from django.core.paginator import Paginator
from rest_framework.pagination import PageNumberPagination


class FirstPageCountingPaginator(Paginator):
    """Counts a first page that is also the last from its own rows: reading one row more than
    the page holds tells whether there is more, so the common case (a student whose orders or
    credit entries fit on one page) needs no COUNT(*) query. Other pages count as usual."""

    def page(self, number):
        if number not in (1, "1"):
            return super().page(number)
        rows = list(self.object_list[: self.per_page + 1])
        if len(rows) <= self.per_page:
            self.count = len(rows)  # a cached_property: set, it is never queried
        return self._get_page(rows[: self.per_page], 1, self)


class PageSizePagination(PageNumberPagination):
    """?page=&size=, size capped; a page past the end is a 404 with a message."""

    django_paginator_class = FirstPageCountingPaginator
    page_size = 10
    page_size_query_param = "size"
    max_page_size = 50
