"""Forms give friendly messages; the services are the guard and say no on their own."""

import uuid
from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from djmoney.money import Money

from fund.models import Account, Fund
from grants.identifiers import find_identifiers
from grants.models import Agency, Grant, Outcome, Payout, category_label
from grants.services.documents import megabytes, upload_limit_bytes, upload_too_large
from grants.services.requests import LineItemData
from people.roles import Role

TEXT = {"class": "govuk-input"}
AMOUNT = {
    "class": "govuk-input govuk-input--width-5",
    "inputmode": "decimal",
    "spellcheck": "false",
}
AREA = {"class": "govuk-textarea", "rows": 4}


def no_identifiers(value: str) -> str:
    kinds = find_identifiers(value or "")
    if kinds:
        raise forms.ValidationError(
            f"This looks like it contains {', '.join(kinds)}. Clients are known only by their "
            "agency's reference: please remove it."
        )
    return value


class PoundsField(forms.DecimalField):
    """An amount in pounds and pence, typed with or without the £ sign."""

    govuk_prefix = "£"

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 10)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", Decimal("0.01"))
        kwargs.setdefault("widget", forms.TextInput(attrs=AMOUNT))
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().lstrip("£").replace(",", "")
        return super().to_python(value)


class GrantForm(forms.Form):
    govuk_fields = {
        name: {"label_class": "govuk-label--s"}
        for name in ("client_reference", "category", "own_words", "why_fund")
    }

    client_reference = forms.CharField(
        label="Client reference",
        max_length=40,
        help_text="Your agency's own reference for the person, such as CLT-0042. Never their name.",
        widget=forms.TextInput(
            attrs={
                **TEXT,
                "list": "client-references",
                "class": "govuk-input govuk-input--width-10",
                "autocomplete": "off",
                "spellcheck": "false",
            }
        ),
    )
    category = forms.ModelChoiceField(
        label="What is it for?",
        queryset=Account.objects.filter(is_grant_category=True).order_by("name"),
        empty_label="Choose a category",
        widget=forms.Select(attrs={"class": "govuk-select"}),
    )
    own_words = forms.CharField(
        label="In the person's own words, what will this help them do?",
        widget=forms.Textarea(attrs=AREA),
        validators=[no_identifiers],
    )
    why_fund = forms.CharField(
        label="Why is the fund the right source?",
        help_text="For example, no other benefit or service covers it, or not quickly enough.",
        widget=forms.Textarea(attrs={**AREA, "rows": 3}),
        validators=[no_identifiers],
    )
    urgency = forms.ChoiceField(
        label="How soon is it needed?",
        choices=Grant.Urgency.choices,
        widget=forms.RadioSelect,
        initial=Grant.Urgency.THIS_WEEK,
    )
    form_token = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound and not self.initial.get("form_token"):
            self.initial["form_token"] = uuid.uuid4()
        self.fields["category"].label_from_instance = category_label

    def clean_client_reference(self):
        return no_identifiers(self.cleaned_data["client_reference"].strip())


class LineItemForm(forms.Form):
    description = forms.CharField(
        label="What is it?",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs=TEXT),
        validators=[no_identifiers],
    )
    amount = PoundsField(label="Cost, in pounds", required=False)
    supplier = forms.CharField(
        label="Supplier (optional)",
        max_length=120,
        required=False,
        widget=forms.TextInput(attrs=TEXT),
        validators=[no_identifiers],
    )

    def clean(self):
        data = super().clean()
        description, amount = data.get("description"), data.get("amount")
        if description and amount is None and "amount" not in self.errors:
            self.add_error("amount", "Enter what this item costs.")
        if amount is not None and not description:
            self.add_error("description", "Say what this item is.")
        return data

    def line_item(self) -> LineItemData | None:
        data = self.cleaned_data
        if not data.get("description") or data.get("amount") is None:
            return None
        return LineItemData(
            description=data["description"],
            amount=Money(data["amount"], "GBP"),
            supplier=data.get("supplier", ""),
        )


class BaseLineItemFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        if not any(form.line_item() for form in self.forms):
            raise forms.ValidationError("Add at least one item, with what it is and what it costs.")

    def line_items(self) -> list[LineItemData]:
        return [item for item in (form.line_item() for form in self.forms) if item]


def line_item_formset(data=None, *, initial=None, blank_rows: int = 3):
    initial = list(initial or [])
    rows = max(blank_rows - len(initial), 1)
    formset_class = forms.formset_factory(
        LineItemForm, formset=BaseLineItemFormSet, extra=rows, max_num=10, validate_max=True
    )
    return formset_class(data, initial=initial, prefix="items")


class UploadForm(forms.Form):
    govuk_fields = {"file": {"label_class": "govuk-label--s"}}

    file = forms.FileField(
        label="Upload a file",
        widget=forms.ClearableFileInput(
            attrs={
                "class": "govuk-file-upload",
                "accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png",
            }
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The limit is per file and read from settings, so the page always states the one
        # that is applied.
        self.fields[
            "file"
        ].help_text = f"PDF, JPEG or PNG, up to {megabytes(upload_limit_bytes())}."

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if too_large := upload_too_large(upload.size):
            raise forms.ValidationError(too_large)
        return upload


class NoteForm(forms.Form):
    note = forms.CharField(
        label="Note", widget=forms.Textarea(attrs={**AREA, "rows": 3}), validators=[no_identifiers]
    )


class ApproveForm(forms.Form):
    govuk_fields = {"fund": {"label_class": "govuk-label--s"}}

    fund = forms.ModelChoiceField(
        label="Pay from",
        queryset=Fund.objects.filter(is_active=True).order_by("kind", "name"),
        empty_label=None,
        widget=forms.Select(attrs={"class": "govuk-select"}),
    )
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        widget=forms.Textarea(attrs={**AREA, "rows": 2}),
        validators=[no_identifiers],
    )


class PayoutForm(forms.Form):
    payee = forms.CharField(
        label="Payee or supplier", max_length=160, widget=forms.TextInput(attrs=TEXT)
    )
    method = forms.ChoiceField(
        label="How was it paid?", choices=Payout.Method.choices, widget=forms.RadioSelect
    )
    reference = forms.CharField(
        label="Payment reference",
        max_length=80,
        widget=forms.TextInput(attrs={**TEXT, "spellcheck": "false"}),
    )
    paid_on = forms.DateField(
        label="Date paid",
        widget=forms.DateInput(
            format="%Y-%m-%d", attrs={"class": "govuk-input govuk-input--width-10", "type": "date"}
        ),
    )
    amount = PoundsField(
        label="Amount paid, in pounds",
        help_text="If less than approved, the difference goes back to the fund.",
    )

    def __init__(self, *args, grant=None, **kwargs):
        super().__init__(*args, **kwargs)
        if grant is not None and not self.is_bound:
            self.initial.setdefault("amount", grant.amount.amount)
            self.initial.setdefault("paid_on", timezone.localdate())


class OutcomeForm(forms.Form):
    barrier_removed = forms.ChoiceField(
        label="Did this remove the barrier?",
        choices=Outcome.BarrierRemoved.choices,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label="What happened? (optional)",
        required=False,
        widget=forms.Textarea(attrs={**AREA, "rows": 3}),
        validators=[no_identifiers],
    )
    consent_to_share = forms.BooleanField(
        label="The person agrees to an anonymised story being shared",
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "govuk-checkboxes__input"}),
    )


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Open requests")] + list(Grant.Status.choices),
        widget=forms.Select(attrs={"class": "govuk-select"}),
    )
    agency = forms.ChoiceField(
        label="Agency", required=False, widget=forms.Select(attrs={"class": "govuk-select"})
    )
    category = forms.ChoiceField(
        label="Category", required=False, widget=forms.Select(attrs={"class": "govuk-select"})
    )

    def __init__(self, *args, agencies=(), categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [("", "All agencies")] + [
            (str(a.pk), a.name) for a in agencies
        ]
        self.fields["category"].choices = [("", "All categories")] + [
            (str(c.pk), category_label(c)) for c in categories
        ]


class RulesForm(forms.Form):
    per_grant_cap = PoundsField(label="Most for a single grant")
    per_client_12_month_cap = PoundsField(label="Most for one person in 12 months")
    two_approver_threshold = PoundsField(
        label="Two approvers needed above", min_value=Decimal("0.00")
    )


class CapForm(forms.Form):
    cap = PoundsField(label="Cap")


# --- agencies and people (fund manager) -------------------------------------------------

ROLE_CHOICES = [(r.value, r.value) for r in Role]


class AgencyForm(forms.Form):
    name = forms.CharField(label="Agency name", max_length=160, widget=forms.TextInput(TEXT))
    is_active = forms.BooleanField(
        label="Key workers of this agency may make requests", required=False, initial=True
    )


class _AgencyChoice(forms.Form):
    agency = forms.ModelChoiceField(
        label="Agency (key workers only)",
        queryset=Agency.objects.filter(is_active=True),
        required=False,
        widget=forms.Select(attrs={"class": "govuk-select"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("role") == Role.KEY_WORKER.value and not data.get("agency"):
            self.add_error("agency", "Choose the agency the key worker works for.")
        return data


class InviteForm(_AgencyChoice):
    email = forms.EmailField(
        label="E-mail address",
        widget=forms.EmailInput(attrs={**TEXT, "autocomplete": "off", "spellcheck": "false"}),
    )
    role = forms.ChoiceField(
        label="Role", choices=ROLE_CHOICES, widget=forms.Select(attrs={"class": "govuk-select"})
    )
    field_order = ["email", "role", "agency"]


class RoleForm(_AgencyChoice):
    role = forms.ChoiceField(
        label="New role",
        choices=ROLE_CHOICES,
        widget=forms.Select(attrs={"class": "govuk-select"}),
    )
    field_order = ["role", "agency"]


class DeactivateForm(forms.Form):
    successor = forms.ModelChoiceField(
        label="Pass their open requests to",
        queryset=None,
        required=False,
        widget=forms.Select(attrs={"class": "govuk-select"}),
    )

    def __init__(self, *args, successors=None, **kwargs):
        super().__init__(*args, **kwargs)
        User = get_user_model()
        self.fields["successor"].queryset = (
            successors if successors is not None else (User.objects.none())
        )
        self.fields["successor"].label_from_instance = lambda u: (
            u.get_full_name() or u.get_username()
        )
