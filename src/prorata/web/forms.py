"""Forms of the shell: sign-in (throttled), language."""

from __future__ import annotations

import ipaddress
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import throttle

LANGUAGE_CHOICES = [("en", "English"), ("zh-Hans", "简体中文")]


class SignInForm(AuthenticationForm):
    """Django's sign-in form, refusing to even check a password while the account or the
    address is throttled, and counting each failure."""

    username = forms.EmailField(
        label=_("Email address"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("That email address and password do not match an account. Check them and try again."),
    }

    def clean(self) -> dict[str, Any]:
        email = self.cleaned_data.get("username") or ""
        ip = _client_ip(self.request)
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
            cleaned = super().clean()
        except forms.ValidationError:
            throttle.record_failure(email, ip)
            raise
        throttle.clear(email)
        return cleaned


def _client_ip(request: Any) -> str | None:
    """The address that failed. Behind the TLS proxy of a PRORATA_SECURE install every request
    comes from the proxy, so the address the proxy itself saw (the last X-Forwarded-For entry,
    the one a client cannot forge) is used instead; otherwise one address would lock out all."""
    if request is None:
        return None
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
        if forwarded:
            return _valid_ip(forwarded[-1])
    return _valid_ip(request.META.get("REMOTE_ADDR") or "")


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES)
    next = forms.CharField(required=False, widget=forms.HiddenInput)
