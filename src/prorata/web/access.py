"""Who may open which page. Every admin-center view is wrapped by `area(...)`."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from prorata.core.actor import Actor
from prorata.core.errors import NotFound, ProrataError

from .actors import may_open
from .errors import error_message


def area(name: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Signed in, and with a role that opens `name` (see actors.AREAS); else sign-in or 403."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not may_open(request.user, name):
                return render(request, "403.html", status=403)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def actor_of(request: HttpRequest) -> Actor:
    return request.actor  # type: ignore[attr-defined,no-any-return]


def tenant_of(request: HttpRequest) -> Any:
    tenant = getattr(request, "tenant", None)
    if tenant is None:
        raise NotFound("not_found", object="tenant", id="")
    return tenant


def attempt(request: HttpRequest, action: Callable[[], Any]) -> tuple[bool, Any]:
    """Run a service call; a refusal becomes an error message on the page (nothing changed).

    NotFound is not caught: it becomes the 404 page, as for any object of another tenant.
    """
    try:
        return True, action()
    except NotFound as exc:
        # An object out of reach is the 404 page; a missing relation (no such license) is a refusal.
        if exc.code == "not_found":
            raise
        messages.error(request, error_message(exc))
        return False, exc
    except ProrataError as exc:
        messages.error(request, error_message(exc))
        return False, exc
