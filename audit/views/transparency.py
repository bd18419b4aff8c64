"""The public transparency page: a thin view over ``audit.transparency``."""

from django.shortcuts import render
from django.utils.cache import patch_cache_control

from audit.transparency import CACHE_SECONDS, cached_transparency_figures


def transparency(request):
    """The public page: no sign-in; figures from the cache, refreshed every few minutes."""
    figures = cached_transparency_figures()
    response = render(
        request,
        "audit/transparency.html",
        {
            "figures": figures,
            "refresh_minutes": CACHE_SECONDS // 60,
            "category_tables": [
                ("Since the fund began", figures.categories_to_date, "categories-to-date"),
                ("This tax year", figures.categories_this_year, "categories-this-year"),
            ],
        },
    )
    if not request.user.is_authenticated:
        patch_cache_control(response, public=True, max_age=CACHE_SECONDS)
    return response
