""""Let us call you" for tenant admins, and the support console for the vendor's engineers.

The console works the queue oldest first: claim, see the tenant at a glance, record the outcome,
or cancel on the customer's behalf (assisted cancellation, SPEC R5) through the same services.
"""

from __future__ import annotations

import zoneinfo
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from prorata.web.access import actor_of, area, attempt, tenant_of

from .forms import PREFERRED_TIME_LABELS, CallbackRequestForm, CancelOnBehalfForm, ResolveForm


def _selectors() -> Any:
    from prorata.support import selectors

    return selectors


def _time_label(code: str) -> str:
    label = PREFERRED_TIME_LABELS.get(code)
    return str(label) if label else code


# Tenant admins ---------------------------------------------------------------------------------


@area("billing")
def requests(request: HttpRequest) -> HttpResponse:
    from prorata.subscriptions.selectors import subscriptions_list

    rows, _more = _selectors().callback_requests_list(actor=actor_of(request), limit=100)
    subs, _more = subscriptions_list(actor=actor_of(request), tenant=tenant_of(request), limit=100)
    live = [s for s in subs if s.status in ("trialing", "active", "past_due")]
    return render(request, "support/requests.html", {"rows": list(reversed(rows)), "subscriptions": live})


@area("billing")
@require_http_methods(["GET", "POST"])
def request_new(request: HttpRequest) -> HttpResponse:
    from prorata.subscriptions.selectors import subscription_get

    actor, tenant = actor_of(request), tenant_of(request)
    sub_id = request.POST.get("subscription") or request.GET.get("subscription") or ""
    sub = subscription_get(actor=actor, subscription_id=sub_id)
    initial = {"language": request.user.language or tenant.language}
    pending = _selectors().pending_callback_requests(actor=actor, subscription_id=sub.pk)
    form = CallbackRequestForm(request.POST or None, region=tenant.country, initial=initial)
    duplicate = request.method == "POST" and pending and request.POST.get("again") != "yes"
    if request.method == "POST" and form.is_valid() and not duplicate:
        from prorata.support.services import callback_request_create

        data = form.cleaned_data
        ok, cb = attempt(
            request,
            lambda: callback_request_create(
                actor=actor,
                subscription_id=sub.pk,
                phone=data["phone"],
                language=data["language"],
                preferred_time=data["preferred_time"],
                note=data["note"],
            ),
        )
        if ok:
            messages.success(request, _("Thank you. A support engineer will call you."))
            return redirect("support:request_detail", request_id=cb.pk)
    status = (409 if duplicate else 400) if request.method == "POST" else 200
    return render(request, "support/request_new.html", {"form": form, "sub": sub, "pending": pending}, status=status)


@area("billing")
@require_POST
def request_withdraw(request: HttpRequest, request_id: str) -> HttpResponse:
    from prorata.support.services import callback_request_withdraw

    cb = _selectors().callback_request_get(actor=actor_of(request), request_id=request_id)
    ok, _r = attempt(request, lambda: callback_request_withdraw(actor=actor_of(request), request_id=cb.pk))
    if ok:
        messages.success(request, _("Your callback request was withdrawn. Nobody will call you about it."))
    return redirect("support:request_detail", request_id=cb.pk)


@area("billing")
def request_detail(request: HttpRequest, request_id: str) -> HttpResponse:
    cb = _selectors().callback_request_get(actor=actor_of(request), request_id=request_id)
    return render(request, "support/request_detail.html", {"cb": cb, "preferred_time": _time_label(cb.preferred_time)})


# Support console -------------------------------------------------------------------------------


@area("support")
def queue(request: HttpRequest) -> HttpResponse:
    rows = [cb for cb in _selectors().callback_requests_queue(actor=actor_of(request)) if cb.status != "resolved"]
    for cb in rows:
        cb.preferred_time_label = _time_label(cb.preferred_time)
    history = _selectors().callback_requests_history(actor=actor_of(request))
    return render(request, "support/queue.html", {"rows": rows, "history": history})


@area("support")
def console_detail(request: HttpRequest, request_id: str) -> HttpResponse:
    from prorata.licenses.selectors import licenses_for_subscription
    from prorata.subscriptions.selectors import subscription_get

    actor = actor_of(request)
    cb = _selectors().callback_request_get(actor=actor, request_id=request_id)
    sub = subscription_get(actor=actor, subscription_id=cb.subscription_id)
    licenses = list(licenses_for_subscription(sub))
    decision = None
    if cb.status == "in_progress" and sub.canceled_at is None:
        from prorata.core.errors import ProrataError
        from prorata.subscriptions.display import decision_message
        from prorata.subscriptions.services import subscription_cancellation_decision

        try:
            decision = subscription_cancellation_decision(actor=actor, subscription_id=sub.pk, callback_request_id=cb.pk)
        except ProrataError:
            decision = None
    context = {
        "decision": decision,
        "decision_explanation": decision_message(decision) if decision is not None else "",
        "cb": cb,
        "sub": sub,
        "tenant": sub.tenant,
        "licenses": licenses,
        "preferred_time": _time_label(cb.preferred_time),
        "mine": cb.claimed_by_id == request.user.pk,
        "resolve_form": ResolveForm(),
        "cancel_form": CancelOnBehalfForm(),
    }
    # Times as the customer lives them: the engineer calls into the customer's day.
    with timezone.override(zoneinfo.ZoneInfo(sub.tenant.timezone)):
        return render(request, "support/console_detail.html", context)


@area("support")
@require_POST
def claim(request: HttpRequest, request_id: str) -> HttpResponse:
    from prorata.support.services import callback_request_claim

    cb = _selectors().callback_request_get(actor=actor_of(request), request_id=request_id)
    ok, _r = attempt(request, lambda: callback_request_claim(actor=actor_of(request), request_id=cb.pk))
    if ok:
        messages.success(request, _("You claimed this callback request."))
    return redirect("support:console_detail", request_id=cb.pk)


@area("support")
@require_POST
def unclaim(request: HttpRequest, request_id: str) -> HttpResponse:
    from prorata.support.services import callback_request_unclaim

    cb = _selectors().callback_request_get(actor=actor_of(request), request_id=request_id)
    ok, _r = attempt(request, lambda: callback_request_unclaim(actor=actor_of(request), request_id=cb.pk))
    if ok:
        messages.success(request, _("The request is back in the queue for any support engineer."))
        return redirect("support:queue")
    return redirect("support:console_detail", request_id=cb.pk)


@area("support")
@require_POST
def resolve(request: HttpRequest, request_id: str) -> HttpResponse:
    from prorata.support.services import callback_request_resolve

    actor = actor_of(request)
    cb = _selectors().callback_request_get(actor=actor, request_id=request_id)
    form = ResolveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose an outcome."))
        return redirect("support:console_detail", request_id=cb.pk)
    data = form.cleaned_data
    ok, _r = attempt(
        request,
        lambda: callback_request_resolve(actor=actor, request_id=cb.pk, outcome=data["outcome"], note=data["note"]),
    )
    if ok:
        messages.success(request, _("The outcome was recorded."))
        return redirect("support:queue")
    return redirect("support:console_detail", request_id=cb.pk)


@area("support")
@require_POST
def cancel_on_behalf(request: HttpRequest, request_id: str) -> HttpResponse:
    """Assisted cancellation: the online limit on assigned licenses is waived, and the
    callback request is resolved as cancelled on the customer's behalf."""
    from prorata.subscriptions.services import subscription_cancel

    actor = actor_of(request)
    cb = _selectors().callback_request_get(actor=actor, request_id=request_id)
    form = CancelOnBehalfForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the reason and write a note for the record before cancelling."))
        return redirect("support:console_detail", request_id=cb.pk)
    ok, _r = attempt(
        request,
        lambda: subscription_cancel(
            actor=actor, subscription_id=cb.subscription_id, reason=form.cleaned_data["reason"],
            feedback=form.cleaned_data["note"], callback_request_id=cb.pk,
        ),
    )
    if ok:
        messages.success(request, _("The subscription was cancelled on the customer's behalf and the request is resolved."))
    return redirect("support:console_detail", request_id=cb.pk)
