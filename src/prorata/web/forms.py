"""Forms of the shell: sign-in (throttled), language."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from prorata.platform.clients import client_ip

from . import throttle

LANGUAGE_CHOICES = [("en", "English"), ("zh-Hans", "简体中文")]


class ThrottledSignIn:
    """Refuses to even check a password while the address is throttled (web.throttle), and
    counts each failure."""

    request: Any
    cleaned_data: dict[str, Any]

    def clean(self) -> dict[str, Any]:
        email = self.cleaned_data.get("username") or ""
        ip = client_ip(self.request)
        minutes = throttle.wait_minutes(email, ip)
        if minutes:
            raise forms.ValidationError(
                ngettext(
                    "Too many failed sign-ins. Try again in %(minutes)d minute.",
                    "Too many failed sign-ins. Try again in %(minutes)d minutes.",
                    minutes,
                )
                % {"minutes": minutes},
                code="sign_in_throttled",
            )
        try:
            cleaned = super().clean()  # type: ignore[misc]
        except forms.ValidationError:
            throttle.record_failure(email, ip)
            raise
        throttle.clear(email, ip)
        return cleaned  # type: ignore[no-any-return]


class SignInForm(ThrottledSignIn, AuthenticationForm):
    """Django's sign-in form, throttled."""

    username = forms.EmailField(
        label=_("Email address"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("That email address and password do not match an account. Check them and try again."),
    }


class BackOfficeSignInForm(ThrottledSignIn, AdminAuthenticationForm):
    """The back office's sign-in (Django admin), throttled like the admin center's."""


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES)
    next = forms.CharField(required=False, widget=forms.HiddenInput)


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset form; the e-mail is written in the account's language (the person's own
    choice, else their organization's), not in the language of the page that asked for it."""

    def send_mail(self, subject_template_name: str, email_template_name: str, context: dict[str, Any],
                  from_email: str | None, to_email: str, html_email_template_name: str | None = None) -> None:
        from django.utils import translation

        from .middleware import django_language

        user = context.get("user")
        tenant = getattr(user, "tenant", None)
        language = getattr(user, "language", "") or getattr(tenant, "language", "") or translation.get_language() or "en"
        with translation.override(django_language(language)):
            super().send_mail(subject_template_name, email_template_name, context, from_email, to_email,
                              html_email_template_name)
