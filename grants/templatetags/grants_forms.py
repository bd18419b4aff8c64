from django import template

register = template.Library()


@register.simple_tag
def error_list(*forms) -> list[tuple[str, str]]:
    """(anchor, message) pairs for the GOV.UK error summary, from forms and formsets."""
    errors: list[tuple[str, str]] = []

    def add_form(form):
        for message in form.non_field_errors():
            errors.append(("", message))
        for name, field_errors in form.errors.items():
            if name == "__all__":
                continue
            field = form[name]
            anchor = field.auto_id
            if getattr(field.field.widget, "input_type", "") == "radio":
                anchor = f"{anchor}_0"
            for message in field_errors:
                errors.append((anchor, message))

    for form in forms:
        if form is None or not form.is_bound:
            continue
        if hasattr(form, "forms"):
            for message in form.non_form_errors():
                errors.append(("", message))
            for sub in form.forms:
                add_form(sub)
        else:
            add_form(form)
    return errors
