from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from prorata.web.actors import actor_for
from prorata.web.backoffice import ReadOnlyAdmin, ServiceAdmin

from .models import ApiKey, PaymentMethod, Tenant, TestClock, User
from .services import (
    apikey_create,
    apikey_revoke,
    tenant_create,
    tenant_set_collection,
    test_clock_advance,
    test_clock_create,
)


def _country_choices() -> list[tuple[str, str]]:
    """Every country by its name in the reader's language ("Japan", "日本"), as a list to choose
    from: a code typed into a two-letter box cut "Japan" to "Ja"."""
    from babel import Locale
    from django.utils import translation

    from .domain.validation import countries

    locale = Locale.parse("zh_Hans" if (translation.get_language() or "en").startswith("zh") else "en")
    names = [(code, f"{locale.territories.get(code, code)} ({code})") for code in countries()]
    return [("", "---------")] + sorted(names, key=lambda pair: pair[1])


class TenantForm(forms.ModelForm):
    """Checked by the domain's own rules before the service is called, so that a mistake is shown
    on its field with everything typed kept."""

    country = forms.ChoiceField(label=gettext_lazy("Country"), choices=_country_choices)
    timezone = forms.CharField(label=gettext_lazy("Time zone"), max_length=64,
                               help_text=gettext_lazy("An IANA time zone, such as Asia/Tokyo or America/Los_Angeles."))

    class Meta:
        model = Tenant
        fields = ("name", "country", "language", "currency", "timezone", "test_clock")

    def _checked(self, field: str, check) -> str:
        from prorata.core.errors import InvalidInput
        from prorata.web.errors import error_message

        try:
            return check(self.cleaned_data[field])
        except InvalidInput as exc:
            raise forms.ValidationError(error_message(exc), code=exc.code) from None

    def clean_country(self) -> str:
        from .domain.validation import clean_country

        return self._checked("country", clean_country)

    def clean_timezone(self) -> str:
        from .domain.validation import clean_timezone

        return self._checked("timezone", clean_timezone)

    def clean_currency(self) -> str:
        from prorata.core.money import validate_currency

        return self._checked("currency", validate_currency)


class CollectionForm(forms.ModelForm):
    """How an existing tenant pays; the service checks the values again."""

    days_until_due = forms.IntegerField(label=gettext_lazy("Days until due"), min_value=0, max_value=365,
                                        help_text=gettext_lazy("Pay by invoice: days from an invoice's issue to its due date."))

    class Meta:
        model = Tenant
        fields = ("collection", "days_until_due")


@admin.register(Tenant)
class TenantAdmin(ServiceAdmin):
    """Create a tenant; on an existing one, only how it pays may be changed (its collection and
    the net term of its sent invoices), through the service."""

    allow_change = True
    form = TenantForm
    list_display = ("name", "id", "country", "language", "currency", "timezone", "test_clock", "credit_balance", "collection")
    list_filter = ("language", "currency", "country", "collection")
    search_fields = ("name", "id")
    fields = ("name", "country", "language", "currency", "timezone", "test_clock")
    change_fields = ("name", "country", "language", "currency", "timezone", "test_clock", "credit_balance", "collection",
                     "days_until_due")

    def get_fields(self, request, obj=None):
        return self.change_fields if obj is not None else self.fields

    def get_readonly_fields(self, request, obj=None):
        return self.change_fields[:7] if obj is not None else ()

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:
            kwargs["form"] = CollectionForm
        return super().get_form(request, obj, change=change, **kwargs)

    def create(self, request, data, actor):
        clock = data.get("test_clock")
        return tenant_create(
            actor=actor, name=data["name"], country=data["country"], language=data["language"],
            currency=data["currency"], timezone=data["timezone"], test_clock_id=clock.pk if clock else None,
        )

    def update(self, request, obj, data, actor):
        return tenant_set_collection(actor=actor, tenant_id=obj.pk, collection=data["collection"],
                                     days_until_due=data["days_until_due"])


@admin.register(TestClock)
class TestClockAdmin(ServiceAdmin):
    """Create a clock, or advance it: changing the frozen time advances the clock, which
    processes every piece of work that falls due for its tenants (backwards is refused)."""

    allow_change = True
    list_display = ("name", "id", "frozen_time")
    fields = ("name", "frozen_time")

    def get_readonly_fields(self, request, obj=None):
        return ("name",) if obj is not None else ()

    def create(self, request, data, actor):
        return test_clock_create(actor=actor, frozen_time=data["frozen_time"], name=data.get("name") or "")

    def update(self, request, obj, data, actor):
        return test_clock_advance(actor=actor, clock_id=obj.pk, to=data["frozen_time"])


@admin.register(ApiKey)
class ApiKeyAdmin(ServiceAdmin):
    list_display = ("prefix", "kind", "tenant", "name", "created_at", "revoked_at")
    list_filter = ("kind",)
    fields = ("kind", "tenant", "name")

    actions = ["revoke"]

    @admin.action(description=gettext_lazy("Revoke the selected keys"))
    def revoke(self, request, queryset):
        actor = actor_for(request.user)
        for key in queryset:
            apikey_revoke(actor=actor, key_id=key.pk)
        messages.success(request, _("The selected keys can no longer be used."))

    def create(self, request, data, actor):
        tenant = data.get("tenant")
        key, secret = apikey_create(actor=actor, kind=data["kind"], tenant_id=tenant.pk if tenant else None, name=data.get("name") or "")
        messages.warning(request, _("The secret key is shown only now; copy it: %(secret)s") % {"secret": secret})
        return key


@admin.register(User)
class UserAdmin(ReadOnlyAdmin):
    list_display = ("display_name", "email", "role", "tenant", "is_active")
    list_filter = ("role",)
    search_fields = ("email", "display_name")
    exclude = ("password",)


@admin.register(PaymentMethod)
class PaymentMethodAdmin(ReadOnlyAdmin):
    list_display = ("tenant", "brand", "last4", "exp_month", "exp_year", "is_default")
    exclude = ("gateway_token",)
