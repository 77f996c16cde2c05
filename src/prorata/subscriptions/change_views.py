"""Admin-center pages of a plan change and of the retention offer in the cancel flow.

Change plan: choose → preview (the amount charged now, or the first invoice on the new plan and
when) → confirm. The same services as the API; nothing moves before the confirm.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from prorata.web.access import actor_of, area, attempt

from . import selectors
from .forms import ChangePlanForm, OfferAnswerForm


@area("billing")
@require_http_methods(["GET", "POST"])
def change_plan(request: HttpRequest, subscription_id: str) -> HttpResponse:
    from .services import subscription_change_plan, subscription_plan_change_preview

    actor = actor_of(request)
    sub = selectors.subscription_get(actor=actor, subscription_id=subscription_id)
    plans = selectors.plan_change_targets(sub)
    form = ChangePlanForm(request.POST or None, plans=plans, initial={"quantity": sub.quantity, "at": "now"})
    preview = None
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        args = {"actor": actor, "subscription_id": sub.pk, "plan_id": data["plan"], "quantity": data["quantity"],
                "at": data["at"]}
        if request.POST.get("step") == "confirm":
            ok, _r = attempt(request, lambda: subscription_change_plan(**args))
            if ok:
                if data["at"] == "now":
                    messages.success(request, _("The subscription is on its new plan. The licenses stay assigned."))
                else:
                    messages.success(request, _("The plan change is scheduled for the end of the current period."))
                return redirect("subscriptions:detail", subscription_id=sub.pk)
            status = 409
        else:
            ok, result = attempt(request, lambda: subscription_plan_change_preview(**args))
            preview = result if ok else None
            status = 200 if ok else 409
    elif request.method == "POST":
        status = 400
    chosen = next((p for p in plans if p.pk == (form.data.get("plan") if form.is_bound else None)), None)
    return render(request, "subscriptions/change_plan.html",
                  {"sub": sub, "plans": plans, "form": form, "preview": preview, "chosen": chosen}, status=status)


@area("billing")
@require_POST
def withdraw_plan_change(request: HttpRequest, subscription_id: str) -> HttpResponse:
    from .services import subscription_cancel_plan_change

    actor = actor_of(request)
    sub = selectors.subscription_get(actor=actor, subscription_id=subscription_id)
    ok, _r = attempt(request, lambda: subscription_cancel_plan_change(actor=actor, subscription_id=sub.pk))
    if ok:
        messages.success(request, _("The scheduled plan change is withdrawn."))
    return redirect("subscriptions:detail", subscription_id=sub.pk)


@area("billing")
@require_POST
def answer_offer(request: HttpRequest, subscription_id: str) -> HttpResponse:
    from .services import retention_offer_accept, retention_offer_decline

    actor = actor_of(request)
    sub = selectors.subscription_get(actor=actor, subscription_id=subscription_id)
    form = OfferAnswerForm(request.POST)
    if not form.is_valid():
        return redirect("subscriptions:cancel", subscription_id=sub.pk)
    offer, answer = form.cleaned_data["offer"], form.cleaned_data["answer"]
    if answer == "accept":
        ok, _r = attempt(request, lambda: retention_offer_accept(actor=actor, subscription_id=sub.pk, offer_id=offer))
        if ok:
            messages.success(request, _("Thank you for staying. The offer is applied."))
            return redirect("subscriptions:detail", subscription_id=sub.pk)
    else:
        attempt(request, lambda: retention_offer_decline(actor=actor, subscription_id=sub.pk, offer_id=offer))
    return redirect("subscriptions:cancel", subscription_id=sub.pk)


@area("reports")
def cancellations_report(request: HttpRequest) -> HttpResponse:
    """The vendor's cancellation report (operators): tables, a chart drawn here, a CSV export."""
    from prorata.core.errors import ProrataError
    from prorata.core.money import format_money
    from prorata.web.charts import MonthBar, monthly_bars_svg
    from prorata.web.templatetags.prorata import babel_locale

    from .reports import cancellations_report as build
    from .reports import report_csv, valid_month

    currency = (request.GET.get("currency") or "USD").upper()[:3]
    try:
        report = build(actor=actor_of(request), currency=currency, first_month=valid_month(request.GET.get("first_month")),
                       last_month=valid_month(request.GET.get("last_month")))
    except ProrataError as exc:
        from prorata.web.errors import error_message

        messages.error(request, error_message(exc))
        return render(request, "subscriptions/report.html", {"report": None, "currency": currency}, status=400)
    if request.GET.get("format") == "csv":
        response = HttpResponse(report_csv(report), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="cancellations.csv"'
        return response
    for row in report.mrr:
        row["churn_percent"] = f"{row['churn_rate_bp'] // 100}.{row['churn_rate_bp'] % 100:02d}"
    locale = babel_locale()
    chart = monthly_bars_svg(
        [MonthBar(row["month"], row["mrr"], row["churned_mrr"]) for row in report.mrr],
        title=_("MRR and churned MRR per month"),
        description=_("For each month, the monthly recurring revenue at its start and the part of it cancelled in it."),
        format_amount=lambda v: format_money(v, currency, locale), charges_label=_("MRR"),
        credits_label=_("Churned MRR"),
    )
    return render(request, "subscriptions/report.html", {"report": report, "chart": chart, "currency": currency,
                                                          "query": request.GET.urlencode()})
