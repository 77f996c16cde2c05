"""The shell: home, sign-in and sign-out, password reset, language, help."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .access import actor_of, area
from .forms import LanguageForm, PasswordResetForm, SignInForm
from .home import home_context
from .middleware import django_language


@area("home")
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html", home_context(request))


def root(request: HttpRequest) -> HttpResponse:
    """Home for tenant people; vendor staff land on their console."""
    user = request.user
    if user.is_authenticated and user.role == "support_engineer":
        return HttpResponseRedirect(reverse("support:queue"))
    if user.is_authenticated and user.role == "operator":
        return HttpResponseRedirect(reverse("console:tenants"))
    return home(request)


class SignInView(auth_views.LoginView):
    template_name = "web/signin.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    pass


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "web/password_reset_form.html"
    email_template_name = "web/password_reset_email.txt"
    subject_template_name = "web/password_reset_subject.txt"
    form_class = PasswordResetForm
    success_url = reverse_lazy("web:password_reset_done")

    # At most this many reset e-mails per hour to one address, and asked for by one client address:
    # the form would otherwise send any number of e-mails to anyone.
    PER_EMAIL = 3
    PER_CLIENT = 10

    def form_valid(self, form):  # type: ignore[no-untyped-def]
        import hashlib

        from django.http import HttpResponseRedirect

        from prorata.core.clock import system_clock
        from prorata.platform.clients import client_ip
        from prorata.platform.ratelimit import address_key, rate_limit_hit

        now = system_clock.now()
        email = (form.cleaned_data.get("email") or "").strip().lower()
        by_email = rate_limit_hit(api_key_id="pr_" + hashlib.sha256(email.encode()).hexdigest()[:37], now=now,
                                  limits=(self.PER_EMAIL, 3600))
        by_client = rate_limit_hit(api_key_id="p" + address_key(client_ip(self.request))[1:], now=now,
                                   limits=(self.PER_CLIENT, 3600))
        if not (by_email.allowed and by_client.allowed):
            # The same page as a sent e-mail: the form never tells who has an account.
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "web/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "web/password_reset_confirm.html"
    success_url = reverse_lazy("web:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "web/password_reset_complete.html"


@require_POST
def language(request: HttpRequest) -> HttpResponse:
    """Switch the language; a signed-in person keeps it on their account, anyone in a cookie."""
    form = LanguageForm(request.POST)
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        target = "/"
    if not form.is_valid():
        messages.error(request, _("Choose English or 简体中文."))
        return HttpResponseRedirect(target)
    chosen = form.cleaned_data["language"]
    if request.user.is_authenticated:
        from prorata.tenants.services import user_set_language

        user_set_language(actor=actor_of(request), user=request.user, language=chosen)
    code = django_language(chosen)
    translation.activate(code)
    response = HttpResponseRedirect(target)
    from django.conf import settings

    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, code, max_age=365 * 24 * 3600, samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response


def help_cancel(request: HttpRequest) -> HttpResponse:
    """Prorata's own help page, "Cancelling your subscription?" (SPEC R7), open to everyone."""
    return render(request, "web/help_cancel.html")
