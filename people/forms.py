from django import forms

PASSWORD = {"class": "govuk-input govuk-!-width-two-thirds", "autocomplete": "new-password"}


class InvitationPasswordForm(forms.Form):
    password = forms.CharField(
        label="Choose a password",
        help_text="At least 12 characters; a few unrelated words are easy to remember.",
        widget=forms.PasswordInput(attrs=PASSWORD),
    )
    password_again = forms.CharField(
        label="Type the password again", widget=forms.PasswordInput(attrs=PASSWORD)
    )

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", "The two passwords are not the same.")
        return data
