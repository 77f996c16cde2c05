"""Assign or remove licenses for one user or several at once (Users page)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from prorata.core.errors import NotFound, ProrataError
from prorata.i18n.messages import message_for
from prorata.web.access import actor_of, area

from .forms import BulkLicenseForm


@area("users")
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    """Each user is one call of the service (one transaction each): a refusal for one user
    leaves the others done, and the page says which and why."""
    target = request.POST.get("next") or reverse("tenants:users")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("tenants:users")
    form = BulkLicenseForm(request.POST)
    if not form.is_valid() or not (form.cleaned_data["users"] or form.cleaned_data["all_matching"]):
        messages.error(request, _("Select at least one user and a product, then choose Assign or Remove."))
        return HttpResponseRedirect(target)
    from prorata.licenses.services import license_assign, license_remove
    from prorata.subscriptions.selectors import subscription_get
    from prorata.tenants.selectors import user_get

    actor = actor_of(request)
    tenant = request.tenant  # type: ignore[attr-defined]
    subscription = subscription_get(actor=actor, subscription_id=form.cleaned_data["subscription"])
    if form.cleaned_data["all_matching"]:
        # Every user matching the search, on every page (Microsoft 365's "select all").
        from prorata.tenants.selectors import users_by_ids, users_matching_ids

        data = form.cleaned_data
        ids = users_matching_ids(actor=actor, tenant=tenant, q=data["q"], role=data["role"], license=data["license"])
        people = list(users_by_ids(actor=actor, tenant=tenant, user_ids=ids))
    else:
        people = [user_get(actor=actor, tenant=tenant, user_id=uid) for uid in form.cleaned_data["users"]]
    assign = form.cleaned_data["action"] == "assign"
    done, refused = 0, []
    for person in people:
        try:
            if assign:
                license_assign(actor=actor, subscription_id=subscription.pk, user_id=person.pk)
            else:
                license_remove(actor=actor, subscription_id=subscription.pk, user_id=person.pk)
            done += 1
        except NotFound as exc:
            if exc.code == "not_found":
                raise
            refused.append(f"{person.display_name}: {message_for(exc.code, exc.params)}")
        except ProrataError as exc:
            refused.append(f"{person.display_name}: {message_for(exc.code, exc.params)}")
    if done:
        text = (
            ngettext("A license was assigned to %(n)d user.", "Licenses were assigned to %(n)d users.", done)
            if assign
            else ngettext("A license was unassigned from %(n)d user.", "Licenses were unassigned from %(n)d users.", done)
        )
        messages.success(request, text % {"n": done})
    for line in refused:
        messages.error(request, line)
    return HttpResponseRedirect(target)


def jwks(request: HttpRequest) -> HttpResponse:
    """/.well-known/jwks.json: the public keys that verify license tokens (RFC 7517), for the
    vendor's application to fetch now and then and verify tokens offline."""
    import json

    from django.http import HttpResponseNotAllowed

    from prorata.core.clock import system_clock

    from .selectors import published_keys

    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    body = json.dumps({"keys": published_keys(at=system_clock.now())})
    response = HttpResponse(body, content_type="application/jwk-set+json")
    # A rotated key is published before it signs anything fetched after this: five minutes of
    # caching is well inside the time a retired key stays published.
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    return response
