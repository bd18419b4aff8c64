from django.shortcuts import render

from fund.access import STAFF_ROLES, role_required
from fund.selectors import chain_head, fund_summaries


@role_required(*STAFF_ROLES)
def home(request):
    return render(
        request,
        "fund/home.html",
        {"summaries": fund_summaries(), "head": chain_head()},
    )
