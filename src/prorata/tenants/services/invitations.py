"""The invitation of a tenant's first admin: an e-mail with a link to choose a password.

The link is Django's password-reset link (a signed, single-use token bound to the password hash),
so nothing is stored and the link stops working once a password is chosen. The e-mail is in the
person's language, else the tenant's.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from prorata.audit.services import audit_record
from prorata.core.actor import Actor
from prorata.core.errors import Conflict, NotFound
from prorata.pagination import usable_id

from ..models import User
from ..selectors import now_for
from .access import require_operator

log = logging.getLogger(__name__)


def invitation_link(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return settings.PRORATA_PUBLIC_URL + reverse("web:password_reset_confirm", kwargs={"uidb64": uid, "token": token})


def invitation_send(user_id: str) -> bool:
    """Send the invitation; False (logged) when the mail server refused it: the operator may
    send it again from the tenant's page."""
    user = User.objects.select_related("tenant").filter(pk=user_id).first()
    if user is None or user.tenant is None:
        return False
    language = user.language or user.tenant.language
    with translation.override("zh-hans" if language == "zh-Hans" else "en"):
        context = {"user": user, "tenant": user.tenant, "link": invitation_link(user)}
        subject = render_to_string("tenants/email/invitation_subject.txt", context).strip()
        body = render_to_string("tenants/email/invitation.txt", context)
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email], fail_silently=False)
    except Exception:  # the mail server's refusal must not undo the committed tenant
        log.warning("the invitation e-mail could not be sent", extra={"user": user.pk}, exc_info=True)
        return False
    return True


def invitation_resend(*, actor: Actor, user_id: str) -> bool:
    """Send the invitation again, to a tenant member who has not chosen a password yet."""
    require_operator(actor)
    user = User.objects.select_related("tenant").filter(pk=user_id).first() if usable_id(user_id) else None
    if user is None or user.tenant is None:
        raise NotFound("not_found", object="user", id=user_id)
    if user.has_usable_password():
        raise Conflict("invitation_accepted")
    audit_record(actor=actor, action="user.invited", object_type="user", object_id=user.pk, tenant_id=user.tenant_id,
                 at=now_for(user.tenant), details={"email": user.email})
    return invitation_send(user.pk)
