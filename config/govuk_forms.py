"""GOV.UK Design System forms, once for the whole project.

`FORM_RENDERER` points at `GovukFormRenderer`, so every form field renders as a GOV.UK form
group with `{{ form.field.as_field_group }}` (templates in `templates/django/forms/govuk/`):
the label (or a legend for radios and checkboxes), the hint from the field's `help_text`
(id `<input id>_helptext`), the error message (id `<input id>_error`), and the input with
`aria-describedby` naming both, `aria-invalid` and the design system's error class.

A field class may carry its input's prefix (`govuk_prefix = "£"` on a pounds field). A
form says how a field looks beyond that in `govuk_fields`, a dict by field name:
`{"amount": {"prefix": "£"}, "note": {"label_class": "govuk-label--s"}}`; a view may set
the same dict on one form instance.

`{% load govuk_forms %}{% error_summary form other_form formset %}` renders the one error
summary, each message linking to its field's input.
"""

from django import forms, template
from django.forms.renderers import TemplatesSetting

# The design system's class for each kind of input, and the class it adds on an error.
INPUT_CLASSES = {
    "select": ("govuk-select", "govuk-select--error"),
    "selectmultiple": ("govuk-select", "govuk-select--error"),
    "textarea": ("govuk-textarea", "govuk-textarea--error"),
    "file": ("govuk-file-upload", "govuk-file-upload--error"),
    "clearablefile": ("govuk-file-upload", "govuk-file-upload--error"),
}
TEXT_INPUT = ("govuk-input", "govuk-input--error")


class GovukBoundField(forms.BoundField):
    """A bound field that knows how the GOV.UK templates draw it."""

    @property
    def options(self) -> dict:
        return (getattr(self.form, "govuk_fields", None) or {}).get(self.name, {})

    @property
    def prefix(self) -> str:
        return self.options.get("prefix", getattr(self.field, "govuk_prefix", ""))

    @property
    def label_class(self) -> str:
        return self.options.get("label_class", "")

    @property
    def legend_class(self) -> str:
        return self.options.get("legend_class", "govuk-fieldset__legend--s")

    @property
    def kind(self) -> str:
        """ "radios", "checkboxes" (several), "checkbox" (one) or "input"."""
        widget = self.field.widget
        if isinstance(widget, forms.RadioSelect):
            return "radios"
        if isinstance(widget, forms.CheckboxSelectMultiple):
            return "checkboxes"
        if isinstance(widget, forms.CheckboxInput):
            return "checkbox"
        return "input"

    @property
    def error_id(self) -> str:
        return f"{self.auto_id}_error" if self.auto_id else ""

    @property
    def hint_id(self) -> str:
        return f"{self.auto_id}_helptext" if self.auto_id else ""

    @property
    def anchor(self) -> str:
        """The id the error summary links to: the input itself, or the first option."""
        if self.kind in ("radios", "checkboxes"):
            return f"{self.auto_id}_0"
        return self.id_for_label or self.auto_id

    @property
    def describedby(self) -> str:
        return self.aria_describedby or ""

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        if widget.is_hidden or self.kind != "input":
            return attrs
        base, error = INPUT_CLASSES.get(self.widget_type, TEXT_INPUT)
        classes = (attrs.get("class") or widget.attrs.get("class") or base).split()
        if self.errors and error not in classes:
            classes.append(error)
        attrs["class"] = " ".join(classes)
        return attrs


# Text-like inputs always carry a value (empty when there is none), name first, as the
# design system's own macros write them.
GOVUK_INPUT = "django/forms/govuk/input.html"
TEXT_LIKE_INPUTS = {
    f"django/forms/widgets/{kind}.html"
    for kind in ("text", "date", "email", "number", "time", "url", "tel", "search", "password")
}


class GovukFormRenderer(TemplatesSetting):
    form_template_name = "django/forms/govuk/form.html"
    field_template_name = "django/forms/govuk/field.html"
    bound_field_class = GovukBoundField

    def get_template(self, template_name):
        if template_name in TEXT_LIKE_INPUTS:
            template_name = GOVUK_INPUT
        return super().get_template(template_name)


register = template.Library()


def summary_errors(*forms_) -> list[tuple[str, str]]:
    """(anchor, message) pairs for the error summary, from forms and formsets.

    A field's error links to its input; an error about the whole form links to the form's
    first visible field."""
    errors: list[tuple[str, str]] = []

    def add_form(form):
        visible = form.visible_fields()
        first = visible[0].anchor if visible and hasattr(visible[0], "anchor") else ""
        for message in form.non_field_errors():
            errors.append((first, message))
        for name, field_errors in form.errors.items():
            if name == "__all__" or name not in form.fields:
                continue
            field = form[name]
            anchor = getattr(field, "anchor", field.auto_id)
            errors.extend((anchor, message) for message in field_errors)

    for form in forms_:
        if form is None or not getattr(form, "is_bound", False):
            continue
        if hasattr(form, "forms"):
            errors.extend(("", message) for message in form.non_form_errors())
            for sub in form.forms:
                add_form(sub)
        else:
            add_form(form)
    return errors


@register.inclusion_tag("django/forms/govuk/error_summary.html")
def error_summary(*forms_):
    """The one GOV.UK error summary for a page: `{% error_summary form formset %}`."""
    return {"errors": summary_errors(*forms_)}
