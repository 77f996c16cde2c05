"""Subscription routes: buy, list, read, recurring billing, the cancellation decision, cancel."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.responses import Status

from prorata.api import actor_of
from prorata.billing.schemas import InvoiceOut, invoice_out
from prorata.billing.selectors import invoice_get
from prorata.pagination import page
from prorata.schemas import errors
from prorata.tenants.selectors import tenant_get

from . import selectors, services
from .display import decision_message
from .reasons import reason_choices
from .schemas import (
    CancelIn,
    CancelOut,
    CancelReasonOut,
    ChangePlanIn,
    DecisionOut,
    InvoiceActionPreviewOut,
    InvoicePaymentIn,
    MoneyPreviewOut,
    PlanChangePreviewOut,
    QuantityIn,
    RecurringBillingIn,
    RetentionAnswerIn,
    RetentionOfferOut,
    SubscriptionIn,
    SubscriptionOut,
    SubscriptionPage,
    credit_note_brief,
    decision_out,
    plan_change_preview_out,
    retention_offer_out,
    subscription_out,
)

router = Router(tags=["subscriptions"])


def _fresh(request: HttpRequest, subscription_id: str) -> dict[str, Any]:
    return subscription_out(selectors.subscription_get(actor=actor_of(request), subscription_id=subscription_id))


@router.post(
    "/subscriptions", response={201: SubscriptionOut, **errors(400, 402, 404, 409)},
    operation_id="subscription_create",
    summary="Buy licenses: a trial, or the first period invoiced and charged now",
)
def create_subscription(request: HttpRequest, body: SubscriptionIn) -> tuple[int, dict[str, Any]]:
    sub = services.subscription_purchase(
        actor=actor_of(request), tenant_id=body.tenant, plan_id=body.plan, quantity=body.quantity, trial=body.trial
    )
    return Status(201, _fresh(request, sub.pk))


@router.get(
    "/subscriptions", response={200: SubscriptionPage, **errors(400, 404)},
    operation_id="subscriptions_list", summary="List subscriptions, optionally of one tenant",
)
def list_subscriptions(
    request: HttpRequest, tenant: str | None = None, limit: int | None = None, starting_after: str | None = None
) -> dict[str, Any]:
    actor = actor_of(request)
    scope = tenant_get(actor=actor, tenant_id=tenant) if tenant else None
    items, has_more = selectors.subscriptions_list(actor=actor, tenant=scope, limit=limit, starting_after=starting_after)
    return page([subscription_out(s) for s in items], has_more)


@router.get(
    "/subscriptions/cancel_reasons", response={200: list[CancelReasonOut], **errors()},
    operation_id="subscription_cancel_reasons", summary="The cancellation reasons, labelled in the request's language",
)
def cancel_reasons(request: HttpRequest) -> list[dict[str, str]]:
    return [{"code": code, "label": label} for code, label in reason_choices()]


@router.get(
    "/subscriptions/{subscription_id}", response={200: SubscriptionOut, **errors(404)},
    operation_id="subscription_get", summary="Get a subscription with its assigned license count",
)
def get_subscription(request: HttpRequest, subscription_id: str) -> dict[str, Any]:
    return _fresh(request, subscription_id)


@router.post(
    "/subscriptions/{subscription_id}/recurring_billing", response={200: SubscriptionOut, **errors(400, 404, 409)},
    operation_id="subscription_set_recurring_billing", summary="Turn recurring billing on or off",
)
def set_recurring_billing(request: HttpRequest, subscription_id: str, body: RecurringBillingIn) -> dict[str, Any]:
    services.subscription_set_recurring_billing(
        actor=actor_of(request), subscription_id=subscription_id, enabled=body.enabled
    )
    return _fresh(request, subscription_id)


@router.get(
    "/subscriptions/{subscription_id}/cancellation", response={200: DecisionOut, **errors(404, 409)},
    operation_id="subscription_cancellation_decision",
    summary="Whether the subscription can be cancelled now, why not, and the refund it would give",
)
def cancellation_decision(request: HttpRequest, subscription_id: str, callback_request: str | None = None) -> dict[str, Any]:
    decision = services.subscription_cancellation_decision(
        actor=actor_of(request), subscription_id=subscription_id, callback_request_id=callback_request
    )
    return decision_out(decision, decision_message(decision))


@router.post(
    "/subscriptions/{subscription_id}/cancel", response={200: CancelOut, **errors(400, 404, 409)},
    operation_id="subscription_cancel",
    summary="Cancel now; refused with the decision's code (409) and the decision in details",
)
def cancel_subscription(request: HttpRequest, subscription_id: str, body: CancelIn) -> dict[str, Any]:
    sub, credit_note = services.subscription_cancel(
        actor=actor_of(request), subscription_id=subscription_id, reason=body.reason,
        feedback=body.feedback, callback_request_id=body.callback_request,
    )
    return {"subscription": _fresh(request, sub.pk), "credit_note": credit_note_brief(credit_note)}


@router.post(
    "/subscriptions/{subscription_id}/quantity", response={200: SubscriptionOut, **errors(400, 402, 404, 409)},
    operation_id="subscription_change_quantity",
    summary="Change the number of licenses: more are charged now, prorated; fewer are credited",
)
def change_quantity(request: HttpRequest, subscription_id: str, body: QuantityIn) -> dict[str, Any]:
    actor = actor_of(request)
    services.subscription_change_quantity(actor=actor, subscription_id=subscription_id, quantity=body.quantity)
    return subscription_out(selectors.subscription_get(actor=actor, subscription_id=subscription_id))


@router.post(
    "/subscriptions/{subscription_id}/quantity/preview", response={200: MoneyPreviewOut, **errors(400, 402, 404, 409)},
    operation_id="subscription_change_quantity_preview",
    summary="Preview a change of the number of licenses: the charge or credit, its date and the card; changes nothing",
)
def change_quantity_preview(request: HttpRequest, subscription_id: str, body: QuantityIn) -> dict[str, Any]:
    preview = services.quantity_change_preview(actor=actor_of(request), subscription_id=subscription_id, quantity=body.quantity)
    return preview.to_api()


@router.post(
    "/subscriptions/{subscription_id}/reactivate/preview", response={200: MoneyPreviewOut, **errors(400, 402, 404, 409)},
    operation_id="subscription_reactivate_preview",
    summary="Preview a reactivation: the charge, the new period and the card; changes nothing",
)
def reactivate_preview(request: HttpRequest, subscription_id: str) -> dict[str, Any]:
    return services.reactivation_preview(actor=actor_of(request), subscription_id=subscription_id).to_api()


@router.post(
    "/subscriptions/{subscription_id}/reactivate", response={200: SubscriptionOut, **errors(400, 402, 404, 409)},
    operation_id="subscription_reactivate",
    summary="Reactivate an expired or disabled subscription: a new period from today, charged now",
)
def reactivate(request: HttpRequest, subscription_id: str) -> dict[str, Any]:
    actor = actor_of(request)
    services.subscription_reactivate(actor=actor, subscription_id=subscription_id)
    return subscription_out(selectors.subscription_get(actor=actor, subscription_id=subscription_id))


@router.post(
    "/subscriptions/{subscription_id}/change_plan/preview", response={200: PlanChangePreviewOut, **errors(400, 404, 409)},
    operation_id="subscription_change_plan_preview",
    summary="What a plan change would charge and when it takes effect; changes nothing",
)
def change_plan_preview(request: HttpRequest, subscription_id: str, body: ChangePlanIn) -> dict[str, Any]:
    preview = services.subscription_plan_change_preview(
        actor=actor_of(request), subscription_id=subscription_id, plan_id=body.plan, quantity=body.quantity, at=body.at)
    return plan_change_preview_out(preview)


@router.post(
    "/subscriptions/{subscription_id}/change_plan", response={200: SubscriptionOut, **errors(400, 402, 404, 409)},
    operation_id="subscription_change_plan",
    summary="Change plan: an upgrade now (prorated, charged at once) or a change at the period's end (scheduled)",
)
def change_plan(request: HttpRequest, subscription_id: str, body: ChangePlanIn) -> dict[str, Any]:
    actor = actor_of(request)
    services.subscription_change_plan(actor=actor, subscription_id=subscription_id, plan_id=body.plan,
                                      quantity=body.quantity, at=body.at)
    return subscription_out(selectors.subscription_get(actor=actor, subscription_id=subscription_id))


@router.delete(
    "/subscriptions/{subscription_id}/scheduled_change", response={200: SubscriptionOut, **errors(404, 409)},
    operation_id="subscription_cancel_plan_change", summary="Withdraw the plan change scheduled for the period's end",
)
def cancel_plan_change(request: HttpRequest, subscription_id: str) -> dict[str, Any]:
    actor = actor_of(request)
    services.subscription_cancel_plan_change(actor=actor, subscription_id=subscription_id)
    return subscription_out(selectors.subscription_get(actor=actor, subscription_id=subscription_id))


@router.post(
    "/subscriptions/{subscription_id}/retention_offer", response={200: RetentionOfferOut, **errors(404, 409)},
    operation_id="subscription_retention_offer",
    summary="The retention offer to show before a cancel is confirmed (recorded as shown), at most once a year",
)
def retention_offer(request: HttpRequest, subscription_id: str) -> dict[str, Any]:
    from prorata.core.errors import Conflict

    offer = services.retention_offer_show(actor=actor_of(request), subscription_id=subscription_id)
    if offer is None:
        raise Conflict("no_retention_offer", details={"subscription": subscription_id})
    return retention_offer_out(offer)


@router.post(
    "/subscriptions/{subscription_id}/retention_offer/accept", response={200: SubscriptionOut, **errors(400, 404, 409)},
    operation_id="subscription_retention_offer_accept", summary="Accept the offer instead of cancelling",
)
def retention_offer_accept(request: HttpRequest, subscription_id: str, body: RetentionAnswerIn) -> dict[str, Any]:
    actor = actor_of(request)
    services.retention_offer_accept(actor=actor, subscription_id=subscription_id, offer_id=body.offer)
    return subscription_out(selectors.subscription_get(actor=actor, subscription_id=subscription_id))


@router.post(
    "/subscriptions/{subscription_id}/retention_offer/decline", response={200: SubscriptionOut, **errors(400, 404, 409)},
    operation_id="subscription_retention_offer_decline", summary="Decline the offer; the cancel may go on",
)
def retention_offer_decline(request: HttpRequest, subscription_id: str, body: RetentionAnswerIn) -> dict[str, Any]:
    actor = actor_of(request)
    services.retention_offer_decline(actor=actor, subscription_id=subscription_id, offer_id=body.offer)
    return subscription_out(selectors.subscription_get(actor=actor, subscription_id=subscription_id))


@router.get(
    "/reports/cancellations", response={200: dict[str, Any], **errors(400, 403)},
    operation_id="reports_cancellations", tags=["reports"],
    summary="Cancellations by reason, plan, seats and month; blocked decisions; offers; MRR and churn (`format=csv`)",
)
def cancellations_report(request: HttpRequest, currency: str = "USD", first_month: str | None = None,
                         last_month: str | None = None, format: str = "json") -> Any:
    from django.http import HttpResponse

    from .reports import cancellations_report as build
    from .reports import report_csv, valid_month

    report = build(actor=actor_of(request), currency=currency, first_month=valid_month(first_month),
                   last_month=valid_month(last_month))
    if format == "csv":
        response = HttpResponse(report_csv(report), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="cancellations.csv"'
        return response
    return report.as_dict()


# Operators' actions on invoices (pay by invoice): they end a subscription's dunning, so they
# live with the subscriptions that drive billing.


def _invoice(request: HttpRequest, invoice_id: str) -> dict[str, Any]:
    return invoice_out(invoice_get(actor=actor_of(request), invoice_id=invoice_id))


@router.post(
    "/invoices/{invoice_id}/payments/preview", response={200: InvoiceActionPreviewOut, **errors(400, 403, 404, 409)},
    tags=["billing"], operation_id="invoice_payment_preview",
    summary="Preview recording a bank transfer for an invoice: the amount and what stays owed (operator)",
)
def invoice_payment_preview(request: HttpRequest, invoice_id: str, body: InvoicePaymentIn) -> dict[str, Any]:
    return services.invoice_payment_preview(actor=actor_of(request), invoice_id=invoice_id, amount=body.amount,
                                            reference=body.reference).to_api()


@router.post(
    "/invoices/{invoice_id}/payments", response={201: InvoiceOut, **errors(400, 403, 404, 409)},
    tags=["billing"], operation_id="invoice_payment_record",
    summary="Record a bank transfer received for an invoice; partial payments add up (operator)",
)
def invoice_payment_record(request: HttpRequest, invoice_id: str, body: InvoicePaymentIn) -> tuple[int, dict[str, Any]]:
    services.invoice_payment_record(actor=actor_of(request), invoice_id=invoice_id, amount=body.amount,
                                    reference=body.reference)
    return Status(201, _invoice(request, invoice_id))


@router.post(
    "/invoices/{invoice_id}/void/preview", response={200: InvoiceActionPreviewOut, **errors(403, 404, 409)},
    tags=["billing"], operation_id="invoice_void_preview",
    summary="Preview voiding an invoice: what is closed and the credit returned to the balance (operator)",
)
def invoice_void_preview(request: HttpRequest, invoice_id: str) -> dict[str, Any]:
    return services.invoice_close_preview(actor=actor_of(request), invoice_id=invoice_id, action="void").to_api()


@router.post(
    "/invoices/{invoice_id}/void", response={200: InvoiceOut, **errors(403, 404, 409)},
    tags=["billing"], operation_id="invoice_void",
    summary="Void an open invoice with nothing paid on it; its credit returns to the balance (operator)",
)
def invoice_void(request: HttpRequest, invoice_id: str) -> dict[str, Any]:
    services.invoice_void(actor=actor_of(request), invoice_id=invoice_id)
    return _invoice(request, invoice_id)


@router.post(
    "/invoices/{invoice_id}/mark_uncollectible/preview", response={200: InvoiceActionPreviewOut, **errors(403, 404, 409)},
    tags=["billing"], operation_id="invoice_mark_uncollectible_preview",
    summary="Preview writing off an invoice: what is closed and the credit returned to the balance (operator)",
)
def invoice_mark_uncollectible_preview(request: HttpRequest, invoice_id: str) -> dict[str, Any]:
    return services.invoice_close_preview(actor=actor_of(request), invoice_id=invoice_id,
                                          action="mark_uncollectible").to_api()


@router.post(
    "/invoices/{invoice_id}/mark_uncollectible", response={200: InvoiceOut, **errors(403, 404, 409)},
    tags=["billing"], operation_id="invoice_mark_uncollectible",
    summary="Write off what is left of an open invoice; its credit returns to the balance (operator)",
)
def invoice_mark_uncollectible(request: HttpRequest, invoice_id: str) -> dict[str, Any]:
    services.invoice_mark_uncollectible(actor=actor_of(request), invoice_id=invoice_id)
    return _invoice(request, invoice_id)
