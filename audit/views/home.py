"""The funds home page, and where a person lands after signing in."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from audit.navigation import navigation_for
from donations.selectors.contributions import funder_totals, restricted_spending
from fund.selectors import chain_head, fund_summaries
from people.access import STAFF_ROLES, role_required


@role_required(*STAFF_ROLES)
def home(request):
    return render(
        request,
        "audit/home.html",
        {
            "summaries": fund_summaries(),
            "head": chain_head(),
            "funders": funder_totals(),
            "restricted": restricted_spending(),
        },
    )


@login_required
def start(request):
    """Where a person lands after signing in: the first page of the menu their role uses."""
    links = navigation_for(request.user)
    return redirect(links[0].url if links else "transparency")
