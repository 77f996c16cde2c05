"""Admin-center pages of the tenants domain: Users, and Billing › Payment methods.

Thin: parse the form, call the same service as the API, show what happened.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from prorata.core.errors import ProrataError
from prorata.web.access import actor_of, area, attempt, tenant_of
from prorata.web.errors import error_message

from . import selectors
from .forms import CardForm, UserAddForm, UserEditForm, UserImportForm


def _licenses_of(request: HttpRequest, user_id: str) -> list:
    from prorata.licenses.selectors import licenses_for_user

    return licenses_for_user(actor=actor_of(request), tenant_id=tenant_of(request).pk, user_id=user_id)


def _subscriptions(request: HttpRequest) -> list:
    from prorata.subscriptions.selectors import subscriptions_list

    subs, _more = subscriptions_list(actor=actor_of(request), tenant=tenant_of(request), limit=100)
    return [s for s in subs if s.status not in ("disabled", "deleted")]


USERS_PER_PAGE = 50


def _page_number(raw: str | None) -> int:
    try:
        return max(1, min(int(raw or "1"), 1_000_000))
    except ValueError:
        return 1


@area("users")
def users(request: HttpRequest) -> HttpResponse:
    """Search by name or e-mail, filter by license or role, sort, and page through any number."""
    from urllib.parse import urlencode

    from prorata.licenses.selectors import licenses_for_users

    actor, tenant = actor_of(request), tenant_of(request)
    q = (request.GET.get("q") or "").strip()[:200]
    role = request.GET.get("role") or ""
    license = request.GET.get("license") or ""
    sort = request.GET.get("sort") or "name"
    if sort not in selectors.USER_SORTS:
        sort = "name"
    page = _page_number(request.GET.get("page"))
    people, total = selectors.users_search(actor=actor, tenant=tenant, q=q, role=role, license=license, sort=sort,
                                           page=page, per_page=USERS_PER_PAGE)
    pages = max(1, -(-total // USERS_PER_PAGE))
    held = licenses_for_users(actor=actor, tenant_id=tenant.pk, user_ids=[u.pk for u in people])
    rows = [{"user": u, "licenses": held[u.pk]} for u in people]
    keep = {k: v for k, v in {"q": q, "role": role, "license": license, "sort": sort}.items() if v}

    def link(**change: Any) -> str:
        return "?" + urlencode({**keep, **change})

    sorts = {}
    for column in ("name", "email", "role"):
        current = sort.lstrip("-") == column
        sorts[column] = {
            "url": link(sort=f"-{column}" if sort == column else column, page=1),
            "aria": ("descending" if sort.startswith("-") else "ascending") if current else "none",
        }
    context = {
        "rows": rows,
        "total": total,
        "subscriptions": _subscriptions(request),
        "q": q, "role": role, "license": license, "sort": sort,
        "page": page, "pages": pages,
        "prev_url": link(page=page - 1) if page > 1 else None,
        "next_url": link(page=page + 1) if page < pages else None,
        "first_shown": (page - 1) * USERS_PER_PAGE + 1 if rows else 0,
        "last_shown": (page - 1) * USERS_PER_PAGE + len(rows),
        "sorts": sorts,
        "filtered": bool(q or role or license),
        "export_query": ("?" + urlencode({k: v for k, v in keep.items() if k != "sort"})) if (q or role or license) else "",
    }
    return render(request, "tenants/users.html", context)


def _create_user(request: HttpRequest, data: dict) -> Any:
    from django.db import transaction

    from prorata.tenants.services import user_create, user_set_language

    actor = actor_of(request)
    # One page action, one outcome: the language is kept only if the user is created.
    with transaction.atomic():
        user = user_create(
            actor=actor,
            tenant=tenant_of(request),
            email=data["email"],
            display_name=data["display_name"],
            role=data["role"],
            password=data["password"] or None,
        )
        if data["language"]:
            user = user_set_language(actor=actor, user=user, language=data["language"])
    return user


@area("users")
@require_http_methods(["GET", "POST"])
def user_add(request: HttpRequest) -> HttpResponse:
    form = UserAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ok, user = attempt(request, lambda: _create_user(request, data))
        if ok:
            messages.success(request, _("%(name)s was added.") % {"name": user.display_name})
            return redirect("tenants:users")
    return render(request, "tenants/user_add.html", {"form": form})


@area("users")
@require_http_methods(["GET", "POST"])
def user_remove(request: HttpRequest, user_id: str) -> HttpResponse:
    actor, tenant = actor_of(request), tenant_of(request)
    person = selectors.user_get(actor=actor, tenant=tenant, user_id=user_id)
    licenses = _licenses_of(request, person.pk)
    if request.method == "POST":
        from prorata.tenants.services import user_remove as remove

        ok, _result = attempt(request, lambda: remove(actor=actor, tenant=tenant, user_id=person.pk))
        if ok:
            messages.success(
                request,
                _("%(name)s was removed and their licenses are free again.") % {"name": person.display_name},
            )
            return redirect("tenants:users")
    return render(request, "tenants/user_remove.html", {"person": person, "licenses": licenses})


@area("users")
def user_detail(request: HttpRequest, user_id: str) -> HttpResponse:
    actor, tenant = actor_of(request), tenant_of(request)
    person = selectors.user_get(actor=actor, tenant=tenant, user_id=user_id)
    held = {lic.subscription_id for lic in _licenses_of(request, person.pk)}
    subs = [{"subscription": s, "held": s.pk in held} for s in _subscriptions(request)]
    return render(request, "tenants/user_detail.html", {"person": person, "subscriptions": subs})


@area("users")
@require_http_methods(["GET", "POST"])
def user_edit(request: HttpRequest, user_id: str) -> HttpResponse:
    from prorata.tenants.services import user_update

    actor, tenant = actor_of(request), tenant_of(request)
    person = selectors.user_get(actor=actor, tenant=tenant, user_id=user_id)
    form = UserEditForm(request.POST or None, initial={"display_name": person.display_name, "role": person.role})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user_update(actor=actor, tenant=tenant, user_id=person.pk, display_name=data["display_name"], role=data["role"])
        except ProrataError as exc:
            field = exc.details.get("field") if isinstance(exc.details, dict) else None
            form.add_error(field if field in form.fields else None, error_message(exc))
        else:
            messages.success(request, _("%(name)s was saved.") % {"name": data["display_name"]})
            return redirect("tenants:user_detail", user_id=person.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "tenants/user_edit.html", {"person": person, "form": form}, status=status)


@area("users")
def users_deleted(request: HttpRequest) -> HttpResponse:
    """People removed in the last RESTORE_DAYS days, each restorable (Microsoft 365's Deleted users)."""
    from datetime import timedelta

    from prorata.tenants.services import RESTORE_DAYS

    actor, tenant = actor_of(request), tenant_of(request)
    now = selectors.now_for(tenant)
    people = selectors.deleted_users(actor=actor, tenant=tenant, since=now - timedelta(days=RESTORE_DAYS))
    rows = [{"user": u, "until": u.deleted_at + timedelta(days=RESTORE_DAYS)} for u in people]
    return render(request, "tenants/users_deleted.html", {"rows": rows, "days": RESTORE_DAYS})


@area("users")
@require_POST
def user_restore(request: HttpRequest, user_id: str) -> HttpResponse:
    from prorata.tenants.services import user_restore as restore

    ok, person = attempt(request, lambda: restore(actor=actor_of(request), tenant=tenant_of(request), user_id=user_id))
    if ok:
        messages.success(request, _("%(name)s was restored. Assign their licenses again.") % {"name": person.display_name})
        return redirect("tenants:user_detail", user_id=person.pk)
    return redirect("tenants:users_deleted")


EXPORT_HEADERS = ("email", "display_name", "role", "licenses")


@area("users")
def users_export(request: HttpRequest) -> HttpResponse:
    """Every user matching the page's search and filters, as CSV (the columns import reads back)."""
    import tablib
    from django.http import HttpResponse as Response

    from prorata.licenses.selectors import licensed_product_names

    actor, tenant = actor_of(request), tenant_of(request)
    q = (request.GET.get("q") or "").strip()[:200]
    rows = selectors.users_export_rows(actor=actor, tenant=tenant, q=q, role=request.GET.get("role") or "",
                                       license=request.GET.get("license") or "")
    products = licensed_product_names(actor=actor, tenant_id=tenant.pk)
    data = tablib.Dataset(headers=list(EXPORT_HEADERS))
    for user_id, email, name, role in rows:
        data.append([email, name, role, "; ".join(products.get(user_id, ()))])
    response = Response(data.export("csv"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="users.csv"'
    return response


IMPORT_SESSION_KEY = "users_import"


@area("users")
@require_http_methods(["GET", "POST"])
def users_import(request: HttpRequest) -> HttpResponse:
    """Upload → preview (what each row would do, and the rows refused, with why) → confirm."""
    from prorata.i18n.messages import message_for
    from prorata.tenants.services import users_import_apply, users_import_preview

    actor, tenant = actor_of(request), tenant_of(request)
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        stored = request.session.pop(IMPORT_SESSION_KEY, None)
        if not stored or stored.get("tenant") != tenant.pk:
            messages.error(request, _("The preview has expired. Upload the file again."))
            return redirect("tenants:users_import")
        counts, refused = users_import_apply(actor=actor, tenant=tenant, rows=stored["rows"])
        messages.success(request, _("Import done: %(create)s added, %(update)s updated, %(unchanged)s unchanged.") % counts)
        for row in refused[:50]:
            code, params = row.error or ("invalid_request", {})
            messages.error(request, _("Line %(line)s (%(email)s): %(why)s") % {
                "line": row.line, "email": row.email, "why": message_for(code, params)})
        return redirect("tenants:users")
    form = UserImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            rows = users_import_preview(actor=actor, tenant=tenant, data=upload.read(2_000_001))
        except ProrataError as exc:
            form.add_error("file", error_message(exc))
        else:
            ready = [r.as_dict() for r in rows if r.action in ("create", "update")]
            request.session[IMPORT_SESSION_KEY] = {"tenant": tenant.pk, "rows": ready}
            counts = {a: sum(1 for r in rows if r.action == a) for a in ("create", "update", "unchanged", "error")}
            from .models import Role

            labels = dict(Role.choices)
            shown = [{"row": r, "why": message_for(*r.error) if r.error else "", "role": labels.get(r.role, r.role),
                      "before_role": labels.get(r.before.get("role", ""), "")}
                     for r in rows if r.action != "unchanged"]
            return render(request, "tenants/users_import_preview.html",
                          {"counts": counts, "rows": shown[:500], "more": max(0, len(shown) - 500), "ready": len(ready)})
    status = 400 if request.method == "POST" else 200
    return render(request, "tenants/users_import.html", {"form": form}, status=status)


def _payment_methods_page(request: HttpRequest, form: CardForm | None, status: int = 200) -> HttpResponse:
    """The cards on file and the way to add one: Stripe Elements with Stripe (the card goes from
    the browser to Stripe; a SetupIntent is confirmed there), the card form with the sandbox."""
    from prorata.tenants.services import payment_method_setup, uses_stripe

    actor, tenant = actor_of(request), tenant_of(request)
    cards = selectors.payment_methods_list(actor=actor, tenant=tenant)
    context: dict[str, Any] = {"cards": cards, "form": form}
    if uses_stripe():
        from django.conf import settings

        ok, secret = attempt(request, lambda: payment_method_setup(actor=actor, tenant=tenant))
        context.update(form=None, stripe={"publishable_key": settings.STRIPE_PUBLISHABLE_KEY, "js": settings.STRIPE_JS_URL,
                                          "client_secret": secret if ok else ""})
    return render(request, "tenants/payment_methods.html", context, status=status)


@area("billing")
def payment_methods(request: HttpRequest) -> HttpResponse:
    return _payment_methods_page(request, CardForm())


@area("billing")
@require_POST
def payment_method_add(request: HttpRequest) -> HttpResponse:
    from prorata.tenants.services import uses_stripe

    if uses_stripe():
        from prorata.tenants.services import payment_method_add as add

        pm_id = request.POST.get("stripe_payment_method", "")
        ok, card = attempt(request, lambda: add(actor=actor_of(request), tenant=tenant_of(request),
                                                stripe_payment_method=pm_id))
        if ok:
            messages.success(request, _("The card ending in %(last4)s was added.") % {"last4": card.last4})
        return redirect("tenants:payment_methods")
    form = CardForm(request.POST)
    if form.is_valid():
        from prorata.tenants.services import payment_method_add as add

        data = form.cleaned_data
        ok, card = attempt(
            request,
            lambda: add(
                actor=actor_of(request),
                tenant=tenant_of(request),
                card_number=data["card_number"],
                exp_month=data["exp_month"],
                exp_year=data["exp_year"],
                cvc=data["cvc"],
            ),
        )
        if ok:
            messages.success(request, _("The card ending in %(last4)s was added.") % {"last4": card.last4})
            return redirect("tenants:payment_methods")
    return _payment_methods_page(request, form, status=400 if not form.is_valid() else 409)


@area("billing")
@require_POST
def payment_method_remove(request: HttpRequest, pm_id: str) -> HttpResponse:
    actor, tenant = actor_of(request), tenant_of(request)
    card = selectors.payment_method_get(actor=actor, tenant=tenant, payment_method_id=pm_id)
    from prorata.tenants.services import payment_method_remove as remove

    ok, _result = attempt(request, lambda: remove(actor=actor, tenant=tenant, payment_method_id=card.pk))
    if ok:
        messages.success(request, _("The card ending in %(last4)s was removed.") % {"last4": card.last4})
    return redirect("tenants:payment_methods")


@area("billing")
@require_POST
def payment_method_default(request: HttpRequest, pm_id: str) -> HttpResponse:
    actor, tenant = actor_of(request), tenant_of(request)
    card = selectors.payment_method_get(actor=actor, tenant=tenant, payment_method_id=pm_id)
    from prorata.tenants.services import payment_method_set_default

    ok, _result = attempt(request, lambda: payment_method_set_default(actor=actor, tenant=tenant, payment_method_id=card.pk))
    if ok:
        messages.success(request, _("The card ending in %(last4)s is now the default.") % {"last4": card.last4})
    return redirect("tenants:payment_methods")
