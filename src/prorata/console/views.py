"""The operator's console: products and plans, tenants, manual credits, test clocks.

Thin pages: each form is checked field by field (messages beside the fields, everything typed
kept), then the domain's service is called with the operator as actor; a refusal of the service
is shown on its field when it names one, else above the form, and nothing is written.
"""

from __future__ import annotations

import secrets
from datetime import UTC
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from prorata.core.errors import NotFound, ProrataError
from prorata.web.access import actor_of, area
from prorata.web.errors import error_message

from .forms import ClockAdvanceForm, CreditForm, PlanForm, ProductForm, TenantForm

# Service fields as the console's forms name them.
FIELD_NAMES = {"unit_amount": "price", "names.zh-Hans": "name_zh", "display_name": "admin_name", "email": "admin_email"}


def _refused(form: django_forms.Form, exc: ProrataError, prefix: str = "") -> None:
    """A service's refusal on the field it names (if the form has it), else above the form."""
    field = str(exc.details.get("field", "")) if isinstance(exc.details, dict) else ""
    name = FIELD_NAMES.get(field, field)
    if prefix and name in ("display_name", "email"):
        name = prefix + name
    form.add_error(name if name in form.fields else None, error_message(exc))


def _get_or_404(model: Any, pk: str) -> Any:
    from prorata.pagination import usable_id

    obj = model.objects.filter(pk=pk).first() if usable_id(pk) else None
    if obj is None:
        raise NotFound("not_found", object=model._meta.model_name, id=pk)
    return obj


@area("console")
def index(request: HttpRequest) -> HttpResponse:
    return redirect("console:tenants")


# Products and plans ----------------------------------------------------------------------------


@area("console")
def products(request: HttpRequest) -> HttpResponse:
    from prorata.catalog.models import Product

    rows = Product.objects.prefetch_related("plans").order_by("name")
    return render(request, "console/products.html", {"products": rows})


@area("console")
@require_http_methods(["GET", "POST"])
def product_new(request: HttpRequest) -> HttpResponse:
    from prorata.catalog.services import product_create

    form = ProductForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            product = product_create(actor=actor_of(request), code=data["code"], name=data["name"],
                                     names={"zh-Hans": data["name_zh"]} if data["name_zh"] else {})
        except ProrataError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("Product “%(name)s” created. Add a plan to sell it.") % {"name": product.name})
            return redirect("console:products")
    status = 400 if request.method == "POST" else 200
    return render(request, "console/product_form.html", {"form": form, "product": None}, status=status)


@area("console")
@require_http_methods(["GET", "POST"])
def product_edit(request: HttpRequest, product_id: str) -> HttpResponse:
    from prorata.catalog.models import Product
    from prorata.catalog.services import product_update

    product = _get_or_404(Product, product_id)
    initial = {"name": product.name, "name_zh": (product.names or {}).get("zh-Hans", "")}
    form = ProductForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            product_update(actor=actor_of(request), product_id=product.pk, name=data["name"],
                           names={"zh-Hans": data["name_zh"]} if data["name_zh"] else {})
        except ProrataError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("Product saved."))
            return redirect("console:products")
    status = 400 if request.method == "POST" else 200
    return render(request, "console/product_form.html", {"form": form, "product": product}, status=status)


def _plan_initial(plan: Any) -> dict[str, Any]:
    from prorata.catalog.domain.validation import POLICY_DEFAULTS

    return {"name": plan.name, "price": int(plan.unit_amount), "trial_days": plan.trial_days,
            **{field: getattr(plan, field) for field in POLICY_DEFAULTS}}


@area("console")
@require_http_methods(["GET", "POST"])
def plan_new(request: HttpRequest, product_id: str) -> HttpResponse:
    from prorata.catalog.domain.validation import POLICY_DEFAULTS
    from prorata.catalog.models import Product
    from prorata.catalog.services import plan_create

    product = _get_or_404(Product, product_id)
    initial = {"currency": "USD", "interval": "month", "trial_days": 0, **POLICY_DEFAULTS}
    form = PlanForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan = plan_create(actor=actor_of(request), product_id=product.pk, code=data["code"], name=data["name"],
                               currency=data["currency"], unit_amount=data["price"], interval=data["interval"],
                               trial_days=data["trial_days"], policy=form.policy())
        except ProrataError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("Plan “%(name)s” created.") % {"name": plan.name})
            return redirect("console:products")
    status = 400 if request.method == "POST" else 200
    return render(request, "console/plan_form.html", {"form": form, "product": product, "plan": None}, status=status)


@area("console")
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, plan_id: str) -> HttpResponse:
    from prorata.catalog.models import Plan
    from prorata.catalog.services import plan_update

    plan = _get_or_404(Plan, plan_id)
    form = PlanForm(request.POST or None, initial=_plan_initial(plan), plan=plan)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan_update(actor=actor_of(request), plan_id=plan.pk, name=data["name"], unit_amount=data["price"],
                        trial_days=data["trial_days"], policy=form.policy())
        except ProrataError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("Plan saved. A new price applies from each subscription's next period."))
            return redirect("console:products")
    status = 400 if request.method == "POST" else 200
    return render(request, "console/plan_form.html", {"form": form, "product": plan.product, "plan": plan}, status=status)


@area("console")
@require_POST
def plan_archive(request: HttpRequest, plan_id: str) -> HttpResponse:
    """Archive (no new purchases; existing subscriptions renew) or restore, after a confirm."""
    from prorata.catalog.models import Plan
    from prorata.catalog.services import plan_set_active

    plan = _get_or_404(Plan, plan_id)
    active = request.POST.get("active") == "yes"
    if request.POST.get("confirm") != "yes":
        from prorata.subscriptions.models import Subscription

        live = Subscription.objects.filter(plan_id=plan.pk, status__in=("trialing", "active", "past_due")).count()
        return render(request, "console/plan_archive.html", {"plan": plan, "active": active, "live": live})
    plan_set_active(actor=actor_of(request), plan_id=plan.pk, active=active)
    messages.success(request, _("Plan restored: it can be bought again.") if active
                     else _("Plan archived: it can no longer be bought. Its subscriptions renew as before."))
    return redirect("console:products")


# Tenants ---------------------------------------------------------------------------------------


@area("console")
def tenants(request: HttpRequest) -> HttpResponse:
    from prorata.tenants.models import Tenant

    q = (request.GET.get("q") or "").strip()[:200]
    qs = Tenant.objects.select_related("test_clock").order_by("name", "id")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(pk=q) | Q(users__email__iexact=q)).distinct()
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "console/tenants.html", {"page": page, "q": q})


@area("console")
@require_http_methods(["GET", "POST"])
def tenant_new(request: HttpRequest) -> HttpResponse:
    from prorata.tenants.services import tenant_onboard

    form = TenantForm(request.POST or None, initial={"language": "en", "currency": "USD", "timezone": "UTC"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            tenant, admin = tenant_onboard(
                actor=actor_of(request), name=data["name"], country=data["country"], language=data["language"],
                currency=data["currency"], timezone=data["timezone"], test_clock_id=data["test_clock"] or None,
                admin_email=data["admin_email"], admin_name=data["admin_name"],
            )
        except ProrataError as exc:
            _refused(form, exc, prefix="admin_")
        else:
            messages.success(request, _("Tenant created. An invitation was sent to %(email)s.") % {"email": admin.email})
            return redirect("console:tenant", tenant_id=tenant.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "console/tenant_form.html", {"form": form, "tenant": None}, status=status)


@area("console")
def tenant_detail(request: HttpRequest, tenant_id: str) -> HttpResponse:
    from prorata.billing.models import Invoice, ManualCredit
    from prorata.subscriptions.selectors import next_charges, subscriptions_list
    from prorata.tenants.models import Tenant, User

    tenant = _get_or_404(Tenant, tenant_id)
    subs, more = subscriptions_list(actor=actor_of(request), tenant=tenant, limit=100)
    admins = list(User.objects.filter(tenant_id=tenant.pk, role="global_admin").order_by("email")[:20])
    people = User.objects.filter(tenant_id=tenant.pk).count()
    upcoming = next_charges(subs)
    credits = list(ManualCredit.objects.filter(tenant_id=tenant.pk).order_by("-created_at")[:20])
    # The latest invoices, each opening the operators' invoice page (transfer, void, write-off).
    invoices = list(Invoice.objects.filter(tenant_id=tenant.pk).order_by("-issued_at", "-id")[:20])
    context = {
        "tenant": tenant, "rows": [{"sub": s, "next": upcoming.get(s.pk)} for s in subs], "more": more, "admins": admins,
        "people": people, "credits": credits, "clock_form": ClockAdvanceForm(), "invoices": invoices,
    }
    return render(request, "console/tenant_detail.html", context)


@area("console")
@require_http_methods(["GET", "POST"])
def tenant_edit(request: HttpRequest, tenant_id: str) -> HttpResponse:
    from prorata.tenants.models import Tenant
    from prorata.tenants.services import tenant_update

    tenant = _get_or_404(Tenant, tenant_id)
    initial = {"name": tenant.name, "country": tenant.country, "language": tenant.language, "timezone": tenant.timezone}
    form = TenantForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            tenant_update(actor=actor_of(request), tenant_id=tenant.pk, name=data["name"], country=data["country"],
                          language=data["language"], timezone=data["timezone"])
        except ProrataError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("Tenant saved."))
            return redirect("console:tenant", tenant_id=tenant.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "console/tenant_form.html", {"form": form, "tenant": tenant}, status=status)


@area("console")
@require_http_methods(["GET", "POST"])
def tenant_credit(request: HttpRequest, tenant_id: str) -> HttpResponse:
    """Step 1: amount and reason. Step 2: the amount and the new balance shown, confirm. The
    confirmation carries a key chosen for it, so submitting it twice credits once."""
    from prorata.billing.services import tenant_credit_add
    from prorata.tenants.models import Tenant

    tenant = _get_or_404(Tenant, tenant_id)
    form = CreditForm(request.POST or None, currency=tenant.currency)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        key = request.POST.get("key") or ""
        if request.POST.get("confirm") == "yes" and key:
            try:
                _credit, added = tenant_credit_add(actor=actor_of(request), tenant_id=tenant.pk, amount=data["amount"],
                                                   reason=data["reason"], key=key)
            except ProrataError as exc:
                _refused(form, exc)
            else:
                if added:
                    messages.success(request, _("The credit was added to the tenant's balance."))
                else:
                    messages.info(request, _("This credit was already added; nothing more was added."))
                return redirect("console:tenant", tenant_id=tenant.pk)
        else:
            context = {"tenant": tenant, "form": form, "amount": data["amount"], "reason": data["reason"],
                       "key": secrets.token_urlsafe(18), "balance_after": int(tenant.credit_balance) + data["amount"]}
            return render(request, "console/credit_review.html", context)
    status = 400 if request.method == "POST" else 200
    return render(request, "console/credit_form.html", {"tenant": tenant, "form": form}, status=status)


@area("console")
@require_POST
def tenant_clock_advance(request: HttpRequest, tenant_id: str) -> HttpResponse:
    from prorata.tenants.models import Tenant
    from prorata.tenants.services import test_clock_advance

    tenant = _get_or_404(Tenant, tenant_id)
    if tenant.test_clock_id is None:
        messages.error(request, _("This tenant lives on real time: it has no test clock."))
        return redirect("console:tenant", tenant_id=tenant.pk)
    with timezone.override(UTC):
        form = ClockAdvanceForm(request.POST)
        valid = form.is_valid()
    if not valid:
        messages.error(request, _("Enter the date and time to advance to, in UTC."))
        return redirect("console:tenant", tenant_id=tenant.pk)
    try:
        test_clock_advance(actor=actor_of(request), clock_id=tenant.test_clock_id, to=form.cleaned_data["to"])
    except ProrataError as exc:
        messages.error(request, error_message(exc))
    else:
        messages.success(request, _("The test clock was advanced; the work that fell due was done."))
    return redirect("console:tenant", tenant_id=tenant.pk)


@area("console")
@require_POST
def invitation_resend(request: HttpRequest, tenant_id: str, user_id: str) -> HttpResponse:
    from prorata.tenants.models import Tenant, User
    from prorata.tenants.services import invitation_resend as resend

    tenant = _get_or_404(Tenant, tenant_id)
    if not User.objects.filter(pk=user_id, tenant_id=tenant.pk).exists():
        raise NotFound("not_found", object="user", id=user_id)
    try:
        sent = resend(actor=actor_of(request), user_id=user_id)
    except ProrataError as exc:
        messages.error(request, error_message(exc))
    else:
        if sent:
            messages.success(request, _("The invitation was sent again."))
        else:
            messages.error(request, _("The mail server did not accept the invitation. Try again later."))
    return redirect("console:tenant", tenant_id=tenant.pk)
