"""Billing › Products & services: the list, each subscription's details with Settings & Actions,
and the cancel flow (SPEC §2, §7). Every action calls the same service as the API."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from prorata.web.access import actor_of, area, attempt, tenant_of

from . import selectors
from .display import decision_message
from .forms import CancelForm, LicenseCountForm, RecurringBillingForm

LIVE = ("trialing", "active", "past_due")


def _actions(sub: Any) -> dict[str, bool]:
    """Which of Settings & Actions to show. The services still decide; this only hides what
    they would certainly refuse."""
    canceled = sub.canceled_at is not None
    return {
        "cancel": sub.status in LIVE and not canceled,
        "recurring": sub.status in LIVE and not canceled,
        "buy": sub.status in ("active", "trialing") and not canceled,
        "remove": sub.status in ("active", "trialing") and not canceled and sub.quantity > max(sub.assigned_licenses, 1),
        "reactivate": sub.status in ("expired", "disabled"),
        "change_plan": sub.status in ("active", "trialing") and not canceled,
    }


@area("billing")
def subscription_list(request: HttpRequest) -> HttpResponse:
    subs, _more = selectors.subscriptions_list(actor=actor_of(request), tenant=tenant_of(request), limit=100)
    subs = [s for s in subs if s.status != "deleted"]
    for sub in subs:
        sub.tenant = tenant_of(request)
    upcoming = selectors.next_charges(subs)
    rows = [{"sub": s, "next": upcoming.get(s.pk)} for s in subs]
    return render(request, "subscriptions/list.html", {"rows": rows})


@area("billing")
def subscription_detail(request: HttpRequest, subscription_id: str) -> HttpResponse:
    sub = selectors.subscription_get(actor=actor_of(request), subscription_id=subscription_id)
    from prorata.tenants.selectors import default_payment_method

    context = {
        "sub": sub,
        "card": default_payment_method(tenant_of(request)),
        "next": selectors.next_charges([sub]).get(sub.pk),
        "actions": _actions(sub),
        "count_form": LicenseCountForm(),
        "removable": max(sub.quantity - max(sub.assigned_licenses, 1), 0),
    }
    return render(request, "subscriptions/detail.html", context)


def _decision(request: HttpRequest, sub: Any) -> Any:
    from prorata.subscriptions.services import subscription_cancellation_decision

    return subscription_cancellation_decision(actor=actor_of(request), subscription_id=sub.pk)


@area("billing")
@require_http_methods(["GET", "POST"])
def subscription_cancel(request: HttpRequest, subscription_id: str) -> HttpResponse:
    actor = actor_of(request)
    sub = selectors.subscription_get(actor=actor, subscription_id=subscription_id)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        from prorata.subscriptions.services import subscription_cancel as cancel

        ok, _result = attempt(
            request,
            lambda: cancel(
                actor=actor,
                subscription_id=sub.pk,
                reason=form.cleaned_data["reason"],
                feedback=form.cleaned_data["feedback"],
            ),
        )
        if ok:
            return redirect("subscriptions:cancelled", subscription_id=sub.pk)
    from prorata.tenants.selectors import default_payment_method, global_admins
    from prorata.web.actors import may_open

    decision = _decision(request, sub)
    offer = None
    if decision.outcome == "allowed" and request.method == "GET":
        from prorata.subscriptions.services import retention_offer_show

        offer = retention_offer_show(actor=actor, subscription_id=sub.pk)
    elif decision.outcome == "blocked" and request.method == "GET":
        from prorata.subscriptions.services import cancel_attempt_record

        cancel_attempt_record(sub=sub, code=decision.code, assigned=decision.assigned_licenses)
    context = {
        "sub": sub,
        "admins": [] if may_open(request.user, "users") else global_admins(actor=actor, tenant=tenant_of(request)),
        "card": default_payment_method(tenant_of(request)),
        "decision": decision,
        "explanation": decision_message(decision),
        "form": form,
        "offer": offer,
    }
    status = 200
    if request.method == "POST":
        status = 400 if form.errors else 409
    return render(request, "subscriptions/cancel.html", context, status=status)


@area("billing")
def subscription_cancelled(request: HttpRequest, subscription_id: str) -> HttpResponse:
    """What happened: when the subscription was cancelled and when the credit comes back."""
    from prorata.billing.selectors import credit_notes_list

    actor = actor_of(request)
    sub = selectors.subscription_get(actor=actor, subscription_id=subscription_id)
    if sub.canceled_at is None:
        return redirect("subscriptions:detail", subscription_id=sub.pk)
    notes = [
        n for n in credit_notes_list(actor=actor, tenant=tenant_of(request), subscription_id=sub.pk)
        if n.reason == "cancellation_proration"
    ]
    return render(request, "subscriptions/cancelled.html", {"sub": sub, "credit_note": notes[-1] if notes else None})


@area("billing")
@require_POST
def recurring_billing(request: HttpRequest, subscription_id: str) -> HttpResponse:
    actor = actor_of(request)
    sub = selectors.subscription_get(actor=actor, subscription_id=subscription_id)
    form = RecurringBillingForm(request.POST)
    if form.is_valid():
        from prorata.subscriptions.services import subscription_set_recurring_billing

        enabled = form.cleaned_data["enabled"]
        ok, _r = attempt(request, lambda: subscription_set_recurring_billing(actor=actor, subscription_id=sub.pk, enabled=enabled))
        if ok:
            messages.success(request, _("Recurring billing is on.") if enabled else _("Recurring billing is off. The subscription ends at the end of the current period."))
    return redirect("subscriptions:detail", subscription_id=sub.pk)


def _count_error(form: LicenseCountForm, sign: int, sub: Any) -> str:
    """Say what is wrong with the count in words that fit it."""
    raw = (form.data.get("count") or "").strip()
    try:
        number = int(raw)
    except ValueError:
        return _("Enter a whole number of licenses, such as 5.")
    if number < 1:
        return _("Enter at least 1 license.")
    if sign > 0:
        return _("You can buy at most %(max)s licenses at a time.") % {"max": f"{LicenseCountForm.MAX:,}"}
    return _removable_error(sub)


def _removable_error(sub: Any) -> str:
    removable = max(sub.quantity - max(sub.assigned_licenses, 1), 0)
    if removable == 0:
        return _("Every license of this subscription is assigned, so none can be removed. Unassign licenses on the Users page first.")
    return _(
        "Only %(n)d licenses are unassigned, so at most %(n)d can be removed. Unassign licenses on the Users page to remove more."
    ) % {"n": removable}


def _change_quantity(request: HttpRequest, subscription_id: str, sign: int) -> HttpResponse:
    """Without `confirm`, the review: what will be charged or credited, when, and on which card.
    With `confirm`, the change — unless the amount is no longer the one reviewed."""
    from prorata.subscriptions.services import quantity_change_preview, subscription_change_quantity

    actor = actor_of(request)
    sub = selectors.subscription_get(actor=actor, subscription_id=subscription_id)
    form = LicenseCountForm(request.POST)
    if not form.is_valid():
        messages.error(request, _count_error(form, sign, sub))
        return redirect("subscriptions:detail", subscription_id=sub.pk)
    count = form.cleaned_data["count"]
    target = sub.quantity + sign * count
    if sign < 0 and target < max(sub.assigned_licenses, 1):
        messages.error(request, _removable_error(sub))
        return redirect("subscriptions:detail", subscription_id=sub.pk)
    ok, preview = attempt(request, lambda: quantity_change_preview(actor=actor, subscription_id=sub.pk, quantity=target))
    if not ok:
        return redirect("subscriptions:detail", subscription_id=sub.pk)
    if request.POST.get("confirm") != "yes" or str(preview.amount) != request.POST.get("expected", ""):
        changed = request.POST.get("confirm") == "yes"
        return _review(request, sub, preview, count=count, sign=sign, changed=changed)
    ok, _r = attempt(request, lambda: subscription_change_quantity(actor=actor, subscription_id=sub.pk, quantity=target))
    if ok:
        messages.success(request, _("The subscription now has %(n)d licenses.") % {"n": target})
    return redirect("subscriptions:detail", subscription_id=sub.pk)


def _review(request: HttpRequest, sub: Any, preview: Any, *, count: int = 0, sign: int = 0, changed: bool = False) -> HttpResponse:
    if preview.action == "reactivate":
        action_url, title = "subscriptions:reactivate", _("Review: reactivate the subscription")
    elif sign > 0:
        action_url, title = "subscriptions:buy_licenses", _("Review: buy licenses")
    else:
        action_url, title = "subscriptions:remove_licenses", _("Review: remove licenses")
    context = {"sub": sub, "preview": preview, "count": count, "action_url": action_url, "title": title, "changed": changed}
    return render(request, "subscriptions/review.html", context, status=409 if changed else 200)


@area("billing")
@require_POST
def buy_licenses(request: HttpRequest, subscription_id: str) -> HttpResponse:
    return _change_quantity(request, subscription_id, +1)


@area("billing")
@require_POST
def remove_licenses(request: HttpRequest, subscription_id: str) -> HttpResponse:
    return _change_quantity(request, subscription_id, -1)


@area("billing")
@require_POST
def reactivate(request: HttpRequest, subscription_id: str) -> HttpResponse:
    from prorata.subscriptions.services import reactivation_preview, subscription_reactivate

    actor = actor_of(request)
    sub = selectors.subscription_get(actor=actor, subscription_id=subscription_id)
    ok, preview = attempt(request, lambda: reactivation_preview(actor=actor, subscription_id=sub.pk))
    if not ok:
        return redirect("subscriptions:detail", subscription_id=sub.pk)
    if request.POST.get("confirm") != "yes" or str(preview.amount) != request.POST.get("expected", ""):
        return _review(request, sub, preview, changed=request.POST.get("confirm") == "yes")
    ok, _r = attempt(request, lambda: subscription_reactivate(actor=actor, subscription_id=sub.pk))
    if ok:
        messages.success(request, _("The subscription is active again. A new billing period starts today."))
    return redirect("subscriptions:detail", subscription_id=sub.pk)


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    """Stripe's events (/stripe/webhook): verified with the endpoint's signing secret; a bad
    signature is 400 and changes nothing; each event is acted on once (services.stripe_events)."""
    import stripe
    from django.conf import settings

    from prorata.subscriptions.services.stripe_events import stripe_event_receive

    try:
        event = stripe.Webhook.construct_event(request.body, request.headers.get("Stripe-Signature"),
                                               settings.STRIPE_WEBHOOK_SECRET)
    except (ValueError, stripe.SignatureVerificationError):
        return JsonResponse({"error": {"code": "invalid_signature",
                                       "message": _("The Stripe-Signature header does not match this endpoint's secret.")}},
                            status=400)
    return JsonResponse({"received": True, "outcome": stripe_event_receive(event)})


@area("billing")
@require_http_methods(["GET", "POST"])
def confirm_payment(request: HttpRequest, invoice_id: str) -> HttpResponse:
    """Confirm a charge the card's bank asked the cardholder to confirm: Stripe.js confirms the
    PaymentIntent in the browser, then the server asks Stripe and records the payment."""
    from django.conf import settings

    from prorata.billing.selectors import invoice_get
    from prorata.subscriptions.services.confirm import (
        payment_awaiting_confirmation,
        payment_confirm_finish,
        payment_confirm_secret,
    )
    from prorata.tenants.models import PaymentMethod

    actor, tenant = actor_of(request), tenant_of(request)
    invoice = invoice_get(actor=actor, tenant=tenant, invoice_id=invoice_id)
    if request.method == "POST":
        ok, payment = attempt(request, lambda: payment_confirm_finish(actor=actor, tenant=tenant, invoice_id=invoice.pk))
        if ok:
            from prorata.web.templatetags.prorata import money

            messages.success(request, _("The payment of %(amount)s is confirmed. Thank you.")
                             % {"amount": money(payment.amount, payment.currency)})
            return redirect("billing:bills")
        return redirect("billing:invoice", invoice_id=invoice.pk)
    if payment_awaiting_confirmation(tenant=tenant, invoice_id=invoice.pk) is None:
        messages.info(request, _("This invoice has no payment waiting for your confirmation."))
        return redirect("billing:invoice", invoice_id=invoice.pk)
    payment, secret = payment_confirm_secret(actor=actor, tenant=tenant, invoice_id=invoice.pk)
    last4 = PaymentMethod.objects.filter(tenant_id=tenant.pk, pk=payment.payment_method_id).values_list("last4", flat=True).first()
    return render(request, "subscriptions/confirm_payment.html", {
        "invoice": invoice, "payment": payment, "client_secret": secret, "last4": last4 or "····",
        "publishable_key": settings.STRIPE_PUBLISHABLE_KEY, "stripe_js": settings.STRIPE_JS_URL,
    })
