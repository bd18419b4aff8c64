"""One page of a long list: every list a person pages through is cut the same way.

A page stays small on a phone however many rows there are, and its queries do not grow
with them (the database counts the rows and returns only one page of them).
"""

from django.core.paginator import Page, Paginator

# Rows per page on the staff and key worker lists.
PER_PAGE = 25


def paged(request, rows, param: str = "page", per_page: int = PER_PAGE) -> dict:
    """One page of ``rows``, numbered by ``?<param>=``, and the query string of the other
    lists' pages (so paging one list keeps the others where they were), for
    ``templates/_pages.html``."""
    page: Page = Paginator(rows, per_page).get_page(request.GET.get(param))
    keep = request.GET.copy()
    keep.pop(param, None)
    return {"page": page, "param": param, "keep": keep.urlencode()}
