"""Licenses: one user holds one seat of one subscription. Tables only.

"At most `quantity` per subscription" is enforced in the service under a row lock on the
subscription (licenses.services), since no portable constraint can count rows.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from prorata.core.ids import IdFactory


class License(models.Model):
    id = models.CharField(primary_key=True, max_length=40, default=IdFactory("lic"), editable=False)
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")
    subscription = models.ForeignKey("subscriptions.Subscription", on_delete=models.CASCADE, related_name="licenses")
    user = models.ForeignKey("tenants.User", on_delete=models.CASCADE, related_name="licenses")
    assigned_at = models.DateTimeField()

    class Meta:
        verbose_name = _("license")
        verbose_name_plural = _("licenses")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "subscription", "user"], name="one_license_per_user_and_subscription"),
        ]
        indexes = [models.Index(fields=["tenant", "user"])]

    def __str__(self) -> str:
        return self.id


class SigningKey(models.Model):
    """An Ed25519 key that signs license tokens (vendor-wide, no tenant).

    The newest key without `retired_at` signs; retired keys stay published at
    /.well-known/jwks.json until every token they signed has expired (prorata.licenses.tokens).
    """

    kid = models.CharField(primary_key=True, max_length=40)
    # PKCS #8 PEM of the private key. Whoever reads the database can sign tokens: the same
    # trust as the API keys' and webhook secrets' rows beside it.
    private_key = models.TextField()
    # The public half as a JWK (RFC 8037: kty OKP, crv Ed25519, x).
    public_jwk = models.JSONField()
    created_at = models.DateTimeField()
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "kid"]

    def __str__(self) -> str:
        return self.kid
