"""A notice as an e-mail: subject, plain text, HTML and (for a receipt) the invoice PDF, in the
recipient's language, with dates in the tenant's time zone.

Every kind is one function returning its `Content`: the words are ours (gettext, translated in
this app's catalogue), laid out by one pair of templates (`notifications/email/notice.html` and
`.txt`). What a notice says comes from the event's object (its API schema, read from the audit
row) and the audit details, or for a time-driven notice from the facts fixed when it fell due.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from prorata.core.money import format_money

from .domain import kinds as K


@dataclass
class Content:
    subject: str
    heading: str
    paragraphs: list[str]
    facts: list[tuple[str, str]] = field(default_factory=list)
    action: tuple[str, str] | None = None
    invoice_id: str | None = None


@dataclass
class Email:
    subject: str
    text: str
    html: str
    attachments: list[tuple[str, bytes, str]]


@dataclass
class Context:
    """What a kind's function reads: the notice's object and details, and the tenant's facts."""

    kind: str
    obj: dict[str, Any]
    details: dict[str, Any]
    at: datetime
    tenant: Any
    product: str
    subscription: Any | None


def _lang(language: str) -> str:
    return "zh-hans" if (language or "").lower().startswith("zh") else "en"


def _locale() -> str:
    return "zh_Hans" if (translation.get_language() or "en").lower().startswith("zh") else "en"


def money(amount: int, currency: str) -> str:
    return format_money(int(amount), currency, _locale())


def day(value: datetime | str | None) -> str:
    from prorata.web.templatetags.prorata import day as day_filter

    if isinstance(value, str):
        value = parse_datetime(value)
    return day_filter(value) if value else ""


def url(name: str, *args: str) -> str:
    return settings.PRORATA_PUBLIC_URL + reverse(name, args=args)


def _when(value: Any) -> datetime | None:
    return parse_datetime(value) if isinstance(value, str) else value


# -- the kinds ---------------------------------------------------------------------------------

def trial_ending(c: Context) -> Content:
    days = 7 if c.kind == K.TRIAL_ENDING_7D else 1
    f = c.obj
    end = day(f["trial_end"])
    subject = ngettext("Your %(product)s trial ends in %(days)s day", "Your %(product)s trial ends in %(days)s days",
                       days) % {"product": c.product, "days": days}
    if f.get("converts"):
        paragraphs = [
            _("On %(date)s your trial converts to a paid subscription and %(amount)s is charged to your default "
              "payment method, because a payment method is on file and recurring billing is on.")
            % {"date": end, "amount": money(f["amount"], f["currency"])},
            _("Nothing to do if you want to keep it. To stop, cancel the trial before that day."),
        ]
        action = (_("Review the subscription"), url("subscriptions:detail", f["subscription"]))
    else:
        reason = {
            "no_payment_method": _("there is no payment method on file"),
            "recurring_billing_off": _("recurring billing is turned off"),
            "cancelled": _("the trial was cancelled"),
        }.get(f.get("reason", ""), _("there is no payment method on file"))
        paragraphs = [
            _("On %(date)s your trial expires and nothing is charged, because %(reason)s.") % {"date": end, "reason": reason},
            _("To keep using %(product)s, add a payment method before that day.") % {"product": c.product},
        ]
        action = (_("Add a payment method"), url("tenants:payment_methods"))
    return Content(subject, subject, paragraphs, [(_("Trial ends"), end)], action)


def receipt(c: Context) -> Content:
    inv = c.obj
    total, paid, cur = inv["total"], inv["amount_paid"], inv["currency"]
    subject = _("Receipt for invoice %(number)s: %(amount)s") % {"number": inv["number"], "amount": money(paid, cur)}
    if paid > 0:
        lead = _("Thank you. We received %(amount)s for %(product)s.") % {"amount": money(paid, cur), "product": c.product}
    else:
        lead = _("Invoice %(number)s for %(product)s is paid in full by your credit; nothing was charged.") % {
            "number": inv["number"], "product": c.product}
    facts = [
        (_("Invoice"), inv["number"]),
        (_("Period"), f"{day(inv['period_start'])} – {day(inv['period_end'])}"),
        (_("Subtotal"), money(inv["subtotal"], cur)),
        (_("Credit applied"), money(inv["credit_applied"], cur)),
        (_("Total"), money(total, cur)),
        (_("Amount paid"), money(paid, cur)),
        (_("Paid on"), day(inv.get("paid_at") or c.at)),
    ]
    return Content(subject, _("Receipt"), [lead, _("The invoice is attached as a PDF.")], facts,
                   (_("View the invoice"), url("billing:invoice", inv["id"])), invoice_id=inv["id"])


def payment_failed(c: Context) -> Content:
    from prorata.billing.domain.schedule import retry_due

    inv = c.obj
    payment = c.details.get("payment") or {}
    amount = money(payment.get("amount", inv["total"] - inv["amount_paid"]), inv["currency"])
    subject = _("Payment of %(amount)s failed for invoice %(number)s") % {"amount": amount, "number": inv["number"]}
    reason = {"card_declined": _("the card was declined")}.get(payment.get("failure_code", ""), _("the card was declined"))
    paragraphs = [_("We could not charge %(amount)s for %(product)s: %(reason)s.") % {
        "amount": amount, "product": c.product, "reason": reason}]
    start = _when(inv["period_start"])
    following = retry_due(start, int(payment.get("attempt", 1))) if start else None
    facts = [(_("Invoice"), inv["number"]), (_("Amount due"), amount)]
    if following is not None:
        paragraphs.append(_("We will try again on %(date)s. Update your card before then to avoid an interruption.")
                          % {"date": day(following)})
        facts.append((_("Next attempt"), day(following)))
    else:
        paragraphs.append(_("That was the last attempt: the subscription expires. Update your card and reactivate it."))
    return Content(subject, _("Payment failed"), paragraphs, facts,
                   (_("Update the payment method"), url("tenants:payment_methods")))


def _policy(c: Context) -> tuple[int, int]:
    plan = c.subscription.plan if c.subscription is not None else None
    return (plan.grace_days, plan.disabled_days) if plan is not None else (30, 90)


def past_due(c: Context) -> Content:
    from prorata.billing.domain.schedule import RETRY_DAYS

    subject = _("%(product)s is past due") % {"product": c.product}
    due = _when(c.details.get("due_at")) if c.details.get("overdue") else None
    if due is not None:
        # Pay by invoice: the sent invoice was not paid by its due date; nothing is charged.
        last = due + timedelta(days=RETRY_DAYS[-1])
        paragraphs = [
            _("The invoice for %(product)s was due on %(date)s and has not been paid. Your users keep their licenses "
              "for now.") % {"product": c.product, "date": day(due)},
            _("If it is not paid by bank transfer by %(date)s, the subscription expires.") % {"date": day(last)},
        ]
        return Content(subject, subject, paragraphs, [(_("Due"), day(due)), (_("Last day to pay"), day(last))],
                       (_("See your invoices"), url("billing:bills")))
    start = _when(c.obj["current_period_start"]) or c.at
    last = start + timedelta(days=RETRY_DAYS[-1])
    paragraphs = [
        _("The payment for %(product)s failed. Your users keep their licenses while we retry.") % {"product": c.product},
        _("If no payment succeeds by %(date)s, the subscription expires.") % {"date": day(last)},
    ]
    return Content(subject, subject, paragraphs, [(_("Last attempt"), day(last))],
                   (_("Update the payment method"), url("tenants:payment_methods")))


def expired(c: Context) -> Content:
    grace, _disabled = _policy(c)
    disabled_on = c.at + timedelta(days=grace)
    subject = _("%(product)s has expired") % {"product": c.product}
    first = (_("Your trial of %(product)s ended without a paid subscription.") if c.details.get("trial")
             else _("%(product)s expired on %(date)s.")) % {"product": c.product, "date": day(c.at)}
    paragraphs = [first, _("Your users keep access until %(date)s, when the subscription is disabled. Reactivate it "
                           "before then to keep it.") % {"date": day(disabled_on)}]
    return Content(subject, subject, paragraphs, [(_("Disabled on"), day(disabled_on))],
                   (_("Reactivate"), url("subscriptions:detail", c.obj["id"])))


def disabled(c: Context) -> Content:
    _grace, days = _policy(c)
    deleted_on = c.at + timedelta(days=days)
    subject = _("%(product)s is disabled") % {"product": c.product}
    paragraphs = [_("Your users no longer have access to %(product)s.") % {"product": c.product},
                  _("The subscription and its data are deleted on %(date)s unless you reactivate it.") % {"date": day(deleted_on)}]
    return Content(subject, subject, paragraphs, [(_("Deleted on"), day(deleted_on))],
                   (_("Reactivate"), url("subscriptions:detail", c.obj["id"])))


def deletion_soon(c: Context) -> Content:
    when = day(c.obj["deletes_on"])
    subject = _("%(product)s will be deleted on %(date)s") % {"product": c.product, "date": when}
    return Content(subject, subject, [_("The subscription has been disabled; on %(date)s it is deleted for good. "
                                        "Reactivate it to keep it.") % {"date": when}],
                   [(_("Deleted on"), when)], (_("Reactivate"), url("subscriptions:detail", c.obj["subscription"])))


def cancelled(c: Context) -> Content:
    from prorata.billing.models import CreditNote

    sub = c.obj
    subject = _("%(product)s is cancelled") % {"product": c.product}
    count = int(sub.get("quantity", 0))
    paragraphs = [ngettext("%(product)s (%(count)s license) was cancelled on %(date)s.",
                           "%(product)s (%(count)s licenses) was cancelled on %(date)s.", count)
                  % {"product": c.product, "count": count, "date": day(c.at)}]
    facts = [(_("Cancelled on"), day(c.at))]
    note = CreditNote.objects.filter(pk=c.details.get("credit_note") or "", tenant_id=c.tenant.pk).first()
    if note is not None:
        amount = money(note.amount, note.currency)
        paragraphs.append(_("A credit of %(amount)s for the unused part of the period is returned on %(date)s: first "
                            "applied to invoices issued that day, the rest refunded to the card that paid.")
                          % {"amount": amount, "date": day(note.settles_on)})
        facts += [(_("Credit"), amount), (_("Returned on"), day(note.settles_on))]
    else:
        paragraphs.append(_("No credit is due."))
    return Content(subject, subject, paragraphs, facts, (_("View bills"), url("billing:bills")))


def credit_settled(c: Context) -> Content:
    note = c.obj
    cur = note["currency"]
    subject = _("Credit note %(number)s settled: %(amount)s") % {"number": note["number"], "amount": money(note["amount"], cur)}
    paragraphs = [_("%(applied)s was applied to your invoices and %(refunded)s refunded to your payment method.")
                  % {"applied": money(note["applied_amount"], cur), "refunded": money(note["refunded_amount"], cur)}]
    facts = [(_("Credit note"), note["number"]), (_("Applied"), money(note["applied_amount"], cur)),
             (_("Refunded"), money(note["refunded_amount"], cur))]
    return Content(subject, _("Credit settled"), paragraphs, facts, (_("View bills"), url("billing:bills")))


def refund_sent(c: Context) -> Content:
    r = c.obj
    amount = money(r["amount"], r["currency"])
    subject = _("Refund of %(amount)s sent") % {"amount": amount}
    paragraphs = [_("We refunded %(amount)s to the card that paid. It can take a few days to appear on your statement.")
                  % {"amount": amount}]
    return Content(subject, _("Refund sent"), paragraphs, [(_("Refund"), amount), (_("Sent on"), day(c.at))],
                   (_("View bills"), url("billing:bills")))


def seats_changed(c: Context) -> Content:
    before, after = c.details.get("quantity_before"), c.details.get("quantity_after")
    subject = ngettext("%(product)s now has %(count)s license", "%(product)s now has %(count)s licenses", int(after or 0)) % {
        "product": c.product, "count": after}
    paragraphs = [_("The number of licenses changed from %(before)s to %(after)s on %(date)s. Any prorated charge or "
                    "credit is on your bills.") % {"before": before, "after": after, "date": day(c.at)}]
    return Content(subject, subject, paragraphs, [], (_("View the subscription"), url("subscriptions:detail", c.obj["id"])))


def license_assigned(c: Context) -> Content:
    subject = _("You have a license for %(product)s") % {"product": c.product}
    paragraphs = [_("%(name)s, %(tenant)s assigned you a license for %(product)s.") % {
        "name": c.obj.get("display_name", ""), "tenant": c.tenant.name, "product": c.product}]
    return Content(subject, subject, paragraphs)


def _callback(c: Context) -> Content:
    from prorata.support.models import CallbackOutcome

    req = c.obj
    facts = [(_("Phone"), req.get("phone", "")), (_("Product"), c.product)]
    if c.kind == K.CALLBACK_RECEIVED:
        subject = _("We received your call request")
        paragraphs = [_("A support engineer will call you at %(phone)s about %(product)s.") % {
            "phone": req.get("phone", ""), "product": c.product}]
        if req.get("preferred_time"):
            facts.append((_("Preferred time"), req["preferred_time"]))
    elif c.kind == K.CALLBACK_CLAIMED:
        subject = _("A support engineer is handling your call request")
        paragraphs = [_("A support engineer took your request and will call you at %(phone)s.") % {"phone": req.get("phone", "")}]
    else:
        subject = _("Your call request is resolved")
        outcome = dict(CallbackOutcome.choices).get(req.get("outcome", ""), req.get("outcome", ""))
        paragraphs = [_("Your call request about %(product)s is resolved: %(outcome)s.") % {
            "product": c.product, "outcome": outcome}]
    return Content(subject, subject, paragraphs, facts, (_("View the request"), url("support:request_detail", req["id"])))


def payment_method_expiring(c: Context) -> Content:
    from babel.dates import format_date

    f = c.obj
    month = format_date(date(f["exp_year"], f["exp_month"], 1), format="yyyy-MM", locale=_locale())
    subject = _("Your %(brand)s card ending in %(last4)s expires soon") % {"brand": str(f["brand"]).upper(), "last4": f["last4"]}
    paragraphs = [_("It expires at the end of %(month)s. Add a new card so that renewals are not declined.") % {"month": month}]
    return Content(subject, subject, paragraphs, [(_("Expires"), month)],
                   (_("Update the payment method"), url("tenants:payment_methods")))


CONTENT: dict[str, Callable[[Context], Content]] = {
    K.TRIAL_ENDING_7D: trial_ending, K.TRIAL_ENDING_1D: trial_ending, K.RECEIPT: receipt,
    K.PAYMENT_FAILED: payment_failed, K.PAYMENT_METHOD_EXPIRING: payment_method_expiring, K.PAST_DUE: past_due,
    K.EXPIRED: expired, K.DISABLED: disabled, K.DELETION_SOON: deletion_soon, K.CANCELLED: cancelled,
    K.CREDIT_SETTLED: credit_settled, K.REFUND_SENT: refund_sent, K.SEATS_CHANGED: seats_changed,
    K.LICENSE_ASSIGNED: license_assigned, K.CALLBACK_RECEIVED: _callback, K.CALLBACK_CLAIMED: _callback,
    K.CALLBACK_RESOLVED: _callback,
}


def kind_labels() -> dict[str, str]:
    """Each kind's name, as the settings page and the back office list it."""
    return {
        K.TRIAL_ENDING_7D: _("Trial ends in 7 days"), K.TRIAL_ENDING_1D: _("Trial ends tomorrow"),
        K.RECEIPT: _("Invoice and receipt"), K.PAYMENT_FAILED: _("Payment failed"),
        K.PAYMENT_METHOD_EXPIRING: _("Payment method expiring"), K.PAST_DUE: _("Subscription past due"),
        K.EXPIRED: _("Subscription expired"), K.DISABLED: _("Subscription disabled"),
        K.DELETION_SOON: _("Subscription about to be deleted"), K.CANCELLED: _("Cancellation confirmation"),
        K.CREDIT_SETTLED: _("Credit settled"), K.REFUND_SENT: _("Refund sent"), K.SEATS_CHANGED: _("Seat changes"),
        K.LICENSE_ASSIGNED: _("License assigned (to the user)"), K.CALLBACK_RECEIVED: _("Call request received"),
        K.CALLBACK_CLAIMED: _("Call request claimed"), K.CALLBACK_RESOLVED: _("Call request resolved"),
    }


# -- assembling ----------------------------------------------------------------------------------

def context_of(notice: Any) -> Context:
    """The facts a notice's words are made of, read once when it is sent."""
    from django.apps import apps

    from prorata.billing.services.common import product_name
    from prorata.tenants.models import Tenant

    # By name, not import: the writer (which billing uses) sends notices, and billing never
    # imports the subscriptions package.
    Subscription = apps.get_model("subscriptions", "Subscription")  # noqa: N806

    tenant = Tenant.objects.get(pk=notice.tenant_id)
    if notice.event_id:
        audit = notice.event.audit_event
        obj = audit.after if audit.after is not None else audit.before
        details = audit.details or {}
        if notice.event.type == "subscription.trial_expired":
            details = {**details, "trial": True}
    else:
        obj, details = dict(notice.facts or {}), {}
    sub = (Subscription.objects.select_related("plan__product").filter(pk=notice.subscription_id, tenant_id=tenant.pk).first()
           if notice.subscription_id else None)
    product = product_name(sub.plan.product, notice.language) if sub is not None else ""
    return Context(notice.kind, obj or {}, details, notice.occurred_at, tenant, product, sub)


def render_notice(notice: Any) -> Email:
    """The e-mail of `notice`, in its recipient's language and its tenant's time zone."""
    c = context_of(notice)
    with translation.override(_lang(notice.language)), timezone.override(c.tenant.timezone):
        content = CONTENT[notice.kind](c)
        manage = url("notifications:settings")
        footer = _("You receive this e-mail as a billing contact of %(tenant)s.") % {"tenant": c.tenant.name}
        data = {"c": content, "footer": footer, "manage_url": manage, "manage_label": _("Manage billing notifications"),
                "greeting": _("Hello,"), "tenant": c.tenant.name, "lang": "zh-Hans" if _lang(notice.language) != "en" else "en"}
        text = render_to_string("notifications/email/notice.txt", data)
        html = render_to_string("notifications/email/notice.html", data)
        attachments = []
        if content.invoice_id:
            from prorata.billing.documents import invoice_pdf_bytes
            from prorata.billing.models import Invoice

            invoice = Invoice.objects.filter(pk=content.invoice_id, tenant_id=c.tenant.pk).first()
            if invoice is not None:
                attachments.append((f"invoice-{invoice.number}.pdf", invoice_pdf_bytes(invoice, tenant_name=c.tenant.name, tenant=c.tenant),
                                    "application/pdf"))
    return Email(" ".join(content.subject.split()), text, html, attachments)
