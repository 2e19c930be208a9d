from rest_framework.pagination import PageNumberPagination


class PageSizePagination(PageNumberPagination):
    """?page=&size=, size capped; a page past the end is a 404 with a message."""

    page_size = 10
    page_size_query_param = "size"
    max_page_size = 50
