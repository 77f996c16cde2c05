"""Tenants, their people, keys, payment methods, and test clocks. Tables only."""

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from prorata.core.ids import IdFactory


class TestClock(models.Model):
    __test__ = False  # a table, not a pytest test class, whatever its name says

    id = models.CharField(primary_key=True, max_length=40, default=IdFactory("clock"), editable=False)
    name = models.CharField(max_length=200, blank=True)
    frozen_time = models.DateTimeField()
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("test clock")
        verbose_name_plural = _("test clocks")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name or self.id


class Language(models.TextChoices):
    EN = "en", "English"
    ZH_HANS = "zh-Hans", "简体中文"


class Collection(models.TextChoices):
    # Each invoice is charged to the tenant's default card when issued (the default).
    CHARGE_AUTOMATICALLY = "charge_automatically", _("Charge the card automatically")
    # Pay by invoice: no card; each invoice is sent, stays open until paid by bank transfer
    # (recorded by an operator) and is due `days_until_due` days after it was issued.
    SEND_INVOICE = "send_invoice", _("Send an invoice (bank transfer)")


DEFAULT_DAYS_UNTIL_DUE = 30


class Tenant(models.Model):
    id = models.CharField(primary_key=True, max_length=40, default=IdFactory("ten"), editable=False)
    name = models.CharField(_("name"), max_length=200)
    country = models.CharField(max_length=2)
    language = models.CharField(max_length=8, choices=Language.choices, default=Language.EN)
    currency = models.CharField(max_length=3)
    timezone = models.CharField(max_length=64, default="UTC")
    test_clock = models.ForeignKey(TestClock, null=True, blank=True, on_delete=models.PROTECT, related_name="tenants")
    # Account credit (keep_as_balance and leftovers), minor units of `currency`; applied to invoices.
    credit_balance = models.BigIntegerField(default=0)
    # How the tenant pays its invoices (set by an operator), and the net term of a sent invoice.
    collection = models.CharField(max_length=20, choices=Collection.choices, default=Collection.CHARGE_AUTOMATICALLY,
                                  db_default=Collection.CHARGE_AUTOMATICALLY)
    days_until_due = models.PositiveSmallIntegerField(default=DEFAULT_DAYS_UNTIL_DUE, db_default=DEFAULT_DAYS_UNTIL_DUE)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("tenant")
        verbose_name_plural = _("tenants")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(credit_balance__gte=0), name="tenant_credit_balance_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    GLOBAL_ADMIN = "global_admin", _("Global admin")
    BILLING_ADMIN = "billing_admin", _("Billing admin")
    USER = "user", _("User")
    # Vendor staff: no tenant.
    SUPPORT_ENGINEER = "support_engineer", _("Support engineer")
    OPERATOR = "operator", _("Operator")


TENANT_ROLES = (Role.GLOBAL_ADMIN, Role.BILLING_ADMIN, Role.USER)
STAFF_ROLES = (Role.SUPPORT_ENGINEER, Role.OPERATOR)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: object) -> "User":
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra.setdefault("role", Role.OPERATOR)
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person: a tenant's member (who may hold licenses) or vendor staff (no tenant)."""

    id = models.CharField(primary_key=True, max_length=40, default=IdFactory("user"), editable=False)
    tenant = models.ForeignKey(Tenant, null=True, blank=True, on_delete=models.CASCADE, related_name="users")
    email = models.EmailField(_("email address"), unique=True)
    display_name = models.CharField(_("display name"), max_length=200)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.USER)
    language = models.CharField(max_length=8, choices=Language.choices, blank=True, default="")
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    created_at = models.DateTimeField(null=True, blank=True)
    # Removed from the tenant at this time (business time): signs in no more, holds no license,
    # is listed under Deleted users and may be restored for RESTORE_DAYS (as Microsoft 365's
    # deleted users); after that the row is purged when its e-mail is used again.
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["id"]
        indexes = [models.Index(fields=["tenant", "email"])]
        constraints = [
            models.CheckConstraint(
                condition=(Q(role__in=TENANT_ROLES) & Q(tenant__isnull=False))
                | (Q(role__in=STAFF_ROLES) & Q(tenant__isnull=True)),
                name="user_role_matches_tenant",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} <{self.email}>"


class ApiKeyKind(models.TextChoices):
    OPERATOR = "operator", _("Operator")
    TENANT = "tenant", _("Tenant")


class ApiKey(models.Model):
    """A secret key; only its SHA-256 is stored. The secret is shown once, at creation."""

    id = models.CharField(primary_key=True, max_length=40, default=IdFactory("key"), editable=False)
    kind = models.CharField(max_length=10, choices=ApiKeyKind.choices)
    tenant = models.ForeignKey(Tenant, null=True, blank=True, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=200, blank=True)
    prefix = models.CharField(max_length=24, unique=True)
    secret_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="operator") & Q(tenant__isnull=True)) | (Q(kind="tenant") & Q(tenant__isnull=False)),
                name="api_key_kind_matches_tenant",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}…"


class PaymentMethod(models.Model):
    """A card held by the gateway. Only brand, last four and the gateway's token are kept."""

    id = models.CharField(primary_key=True, max_length=40, default=IdFactory("pm"), editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="payment_methods")
    brand = models.CharField(max_length=20)
    last4 = models.CharField(max_length=4)
    exp_month = models.PositiveSmallIntegerField()
    exp_year = models.PositiveSmallIntegerField()
    gateway_token = models.CharField(max_length=100, unique=True)
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("payment method")
        verbose_name_plural = _("payment methods")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant"], condition=Q(is_default=True), name="one_default_payment_method_per_tenant"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.brand} •••• {self.last4}"


class BillingProfile(models.Model):
    """Whom the invoices are made out to: the organisation's legal name, postal address and tax
    id, printed on every invoice. Written by `billing_profile_update` only."""

    tenant = models.OneToOneField(Tenant, primary_key=True, on_delete=models.CASCADE, related_name="billing_profile")
    legal_name = models.CharField(max_length=200, blank=True, default="")
    address_line1 = models.CharField(max_length=200, blank=True, default="")
    address_line2 = models.CharField(max_length=200, blank=True, default="")
    city = models.CharField(max_length=100, blank=True, default="")
    region = models.CharField(max_length=100, blank=True, default="")
    postal_code = models.CharField(max_length=20, blank=True, default="")
    country = models.CharField(max_length=2, blank=True, default="")
    # As validated for `country` (python-stdnum's compact form).
    tax_id = models.CharField(max_length=40, blank=True, default="")
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.legal_name or str(self.tenant_id)
