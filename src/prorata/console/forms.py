"""Forms of the operator's console. Each field is checked here, with a translated message beside
it; the services check everything again for every other entry point (API, CLI)."""

from __future__ import annotations

import zoneinfo
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.numbers import NumberFormatError, parse_decimal
from django import forms
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from prorata.catalog.domain import validation as catalog_rules
from prorata.core.money import minor_unit_exponent, validate_currency

LANGUAGE_CHOICES = [("en", "English"), ("zh-Hans", "简体中文")]


def _locale() -> str:
    return "zh_Hans" if (translation.get_language() or "en").lower().startswith("zh") else "en"


class MoneyField(forms.Field):
    """An amount typed in major units as people write it ("29.99", "1,000"), returned as an int
    of minor units of `currency` (from CLDR: JPY has none, KWD three)."""

    def __init__(self, *args: Any, currency: str = "USD", minimum: int = 0, maximum: int = catalog_rules.MAX_UNIT_AMOUNT,
                 **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.TextInput(attrs={"maxlength": "32"}))
        super().__init__(*args, **kwargs)
        self.currency, self.minimum, self.maximum = currency, minimum, maximum
        self.widget.attrs.update({"inputmode": "decimal", "autocomplete": "off"})

    def to_python(self, value: Any) -> Any:
        text = str(value).strip() if value is not None else ""
        if not text:
            return None
        if len(text) > 32:
            raise forms.ValidationError(_("Enter an amount such as 29.99."), code="invalid_amount")
        exponent = minor_unit_exponent(self.currency)
        try:
            amount = parse_decimal(str(text).replace(" ", ""), locale=_locale(), strict=False)
        except (NumberFormatError, InvalidOperation, ValueError):
            raise forms.ValidationError(_("Enter an amount such as 29.99."), code="invalid_amount") from None
        if not amount.is_finite():
            raise forms.ValidationError(_("Enter an amount such as 29.99."), code="invalid_amount")
        minor = amount.scaleb(exponent)
        if minor != minor.to_integral_value():
            if exponent == 0:
                raise forms.ValidationError(_("%(currency)s has no minor unit: enter a whole amount."),
                                            code="too_precise", params={"currency": self.currency})
            raise forms.ValidationError(_("%(currency)s has %(digits)s decimal places at most."), code="too_precise",
                                        params={"currency": self.currency, "digits": exponent})
        minor_int = int(minor)
        if not self.minimum <= minor_int <= self.maximum:
            from prorata.core.money import format_money

            raise forms.ValidationError(
                _("Enter an amount from %(low)s to %(high)s."), code="out_of_range",
                params={"low": format_money(self.minimum, self.currency, _locale()),
                        "high": format_money(self.maximum, self.currency, _locale())},
            )
        return minor_int

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return str(Decimal(value).scaleb(-minor_unit_exponent(self.currency)))
        return value


class ProductForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=64,
                           help_text=_("Letters, digits, hyphens; used by the API. It cannot be changed later."))
    name = forms.CharField(label=_("Name (English)"), max_length=catalog_rules.NAME_MAX)
    name_zh = forms.CharField(label=_("Name (Simplified Chinese)"), max_length=catalog_rules.NAME_MAX, required=False)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["code"]


PRORATION_CHOICES = [("day", _("By day")), ("second", _("By second"))]
SETTLEMENT_CHOICES = [
    ("next_billing_cycle", _("Within the next billing cycle")),
    ("refund_now", _("Refund at once")),
    ("keep_as_balance", _("Keep as account credit")),
]
INTERVAL_CHOICES = [("month", _("Monthly")), ("year", _("Yearly"))]


def _count(label: Any, maximum: int, help_text: Any = "", required: bool = True) -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=0, max_value=maximum, required=required, help_text=help_text)


class PlanForm(forms.Form):
    """A plan's price and policy (SPEC §4). On edit, currency, interval and code stay."""

    code = forms.SlugField(label=_("Code"), max_length=64,
                           help_text=_("Letters, digits, hyphens; used by the API. It cannot be changed later."))
    name = forms.CharField(label=_("Name"), max_length=catalog_rules.NAME_MAX)
    currency = forms.CharField(label=_("Currency"), max_length=3, min_length=3,
                               help_text=_("An ISO 4217 code such as USD, CNY or JPY."))
    interval = forms.ChoiceField(label=_("Billing interval"), choices=INTERVAL_CHOICES)
    price = MoneyField(label=_("Price per license per interval"))
    trial_days = _count(_("Trial days"), catalog_rules.MAX_DAYS, _("0 = no trial."))
    max_assigned_for_online_cancel = _count(
        _("Most assigned licenses that may still cancel online"), catalog_rules.MAX_SEATS_LIMIT,
        _("Empty = no limit. The default, 24, is Microsoft's “fewer than 25”."), required=False)
    cancel_window_hours = _count(
        _("Hours after a period starts in which cancelling refunds"), catalog_rules.MAX_HOURS,
        _("Empty = any time. 168 is Microsoft's 7 days."), required=False)
    proration_unit = forms.ChoiceField(label=_("Prorate"), choices=PRORATION_CHOICES)
    credit_settlement = forms.ChoiceField(label=_("Credit on cancellation is returned"), choices=SETTLEMENT_CHOICES)
    grace_days = _count(_("Days an expired subscription keeps its data"), catalog_rules.MAX_DAYS)
    disabled_days = _count(_("Days a disabled subscription is kept before deletion"), catalog_rules.MAX_DAYS)

    def __init__(self, *args: Any, plan: Any = None, **kwargs: Any) -> None:
        data = args[0] if args else kwargs.get("data")
        super().__init__(*args, **kwargs)
        self.plan = plan
        if plan is not None:
            for field in ("code", "currency", "interval"):
                del self.fields[field]
            currency = plan.currency
        else:
            currency = (data or {}).get("currency") or "USD"
            try:
                currency = validate_currency(currency)
            except Exception:
                currency = "USD"
        self.fields["price"].currency = currency  # type: ignore[attr-defined]
        if plan is not None:
            self.fields["price"].help_text = _(
                "In %(currency)s. Applies from each subscription's next period; a period already "
                "billed keeps its price."
            ) % {"currency": currency}

    def clean_currency(self) -> str:
        from prorata.core.errors import InvalidInput
        from prorata.web.errors import error_message

        try:
            return validate_currency(self.cleaned_data["currency"])
        except InvalidInput as exc:
            raise forms.ValidationError(error_message(exc), code=exc.code) from None

    def policy(self) -> dict[str, Any]:
        return {field: self.cleaned_data.get(field) for field in catalog_rules.POLICY_DEFAULTS}


def _country_choices() -> list[tuple[str, str]]:
    from babel import Locale

    from prorata.tenants.domain.validation import countries

    locale = Locale.parse(_locale())
    names = [(code, f"{locale.territories.get(code, code)} ({code})") for code in countries()]
    return [("", "---------")] + sorted(names, key=lambda pair: pair[1])


class TenantForm(forms.Form):
    name = forms.CharField(label=_("Organization name"), max_length=200)
    country = forms.ChoiceField(label=_("Country"), choices=_country_choices)
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES)
    currency = forms.CharField(label=_("Currency"), max_length=3, min_length=3,
                               help_text=_("An ISO 4217 code such as USD, CNY or JPY. It cannot be changed later."))
    timezone = forms.CharField(label=_("Time zone"), max_length=64,
                               help_text=_("An IANA time zone, such as Asia/Tokyo or America/Los_Angeles."))
    test_clock = forms.ChoiceField(label=_("Test clock"), required=False,
                                   help_text=_("Optional, and only when the tenant is created: its time is then the clock's."))
    admin_name = forms.CharField(label=_("First admin's name"), max_length=200)
    admin_email = forms.EmailField(label=_("First admin's e-mail"), max_length=254,
                                   help_text=_("They receive an invitation to choose a password."))

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            for field in ("currency", "test_clock", "admin_name", "admin_email"):
                del self.fields[field]
        else:
            from prorata.tenants.models import TestClock

            self.fields["test_clock"].choices = [("", _("None (real time)"))] + [
                (c.pk, f"{c.name or c.pk}") for c in TestClock.objects.order_by("-created_at")[:200]
            ]

    def clean_timezone(self) -> str:
        value = (self.cleaned_data["timezone"] or "").strip()
        if value not in zoneinfo.available_timezones():
            raise forms.ValidationError(
                _("“%(value)s” is not an IANA time zone name (for example “Asia/Shanghai”)."),
                code="invalid_timezone", params={"value": value})
        return value

    def clean_currency(self) -> str:
        from prorata.core.errors import InvalidInput
        from prorata.web.errors import error_message

        try:
            return validate_currency(self.cleaned_data["currency"])
        except InvalidInput as exc:
            raise forms.ValidationError(error_message(exc), code=exc.code) from None


class CreditForm(forms.Form):
    amount = MoneyField(label=_("Amount to credit"), minimum=1)
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("Kept in the audit log."))

    def __init__(self, *args: Any, currency: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["amount"].currency = currency  # type: ignore[attr-defined]
        self.fields["amount"].help_text = _("In %(currency)s; added to the tenant's credit balance, which its next invoices use first.") % {"currency": currency}


class ClockAdvanceForm(forms.Form):
    to = forms.DateTimeField(label=_("Advance to (UTC)"), input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
                             widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))
