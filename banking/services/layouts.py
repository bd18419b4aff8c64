"""CSV layouts: the built-in ones, and those a manager names for another bank's export."""

from django.contrib.auth.models import AbstractBaseUser

from banking.access import require_role
from banking.exceptions import BankingError, StatementRefused
from banking.models import CsvLayout
from banking.parsing import BUILT_IN_LAYOUTS, Layout
from people.roles import BANK_MANAGER_ROLES


def layout_for(name: str) -> Layout:
    """A built-in layout or one a manager defined, by name."""
    if name in BUILT_IN_LAYOUTS:
        return BUILT_IN_LAYOUTS[name]
    row = CsvLayout.objects.filter(name=name).first()
    if row is None:
        known = ", ".join(
            list(BUILT_IN_LAYOUTS) + list(CsvLayout.objects.values_list("name", flat=True))
        )
        raise StatementRefused(1, f"there is no CSV layout called {name!r} (known: {known}).")
    return Layout(
        row.name,
        date=row.date_column,
        description=row.description_column,
        balance=row.balance_column,
        amount=row.amount_column,
        paid_in=row.paid_in_column,
        paid_out=row.paid_out_column,
        type=row.type_column,
        header_rows=row.header_rows,
        month_first=row.date_order == CsvLayout.DateOrder.MONTH_FIRST,
    )


def csv_layout_create(*, actor: AbstractBaseUser, name: str, **columns) -> CsvLayout:
    """A manager names a CSV layout: which column holds the date, description, amount..."""
    require_role(actor, BANK_MANAGER_ROLES, "fund managers")
    if name in BUILT_IN_LAYOUTS:
        raise BankingError(f"{name!r} is a built-in layout; choose another name.")
    used = [v for k, v in columns.items() if k.endswith("_column") and v]
    if len(used) != len(set(used)):
        raise BankingError("Each column can hold only one thing.")
    layout = CsvLayout(name=name, created_by=actor, **columns)
    layout._history_user = actor
    layout.full_clean()
    layout.save()
    return layout
