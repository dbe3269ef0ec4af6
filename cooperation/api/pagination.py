from rest_framework.pagination import PageNumberPagination

from cooperation.filters import PAGE_SIZE


class Pages(PageNumberPagination):
    """``?page=N`` (and ``page_size`` up to 200); 50 a page, as on the web."""

    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = 200
