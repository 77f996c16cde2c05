"""The invoice as a PDF and on the web: the seller (settings), the customer's billing profile and
tax ids, line descriptions in the invoice's language, and Chinese drawn with an embedded subset
of a CJK font, checked by rendering both languages with poppler (pdftoppm, pdftotext)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest
from django.test import Client

from browser.stage import PASSWORD, build_stage
from prorata.tenants.models import User
from prorata.tenants.services import billing_profile_update
from prorata.web.actors import actor_for

pytestmark = pytest.mark.django_db


def poppler(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        message = f"{tool} is missing: apt-get install poppler-utils"
        if os.environ.get("CI") or os.environ.get("PRORATA_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture
def seller(settings):
    settings.PRORATA_SELLER_NAME = "Fabrikam Software GmbH"
    settings.PRORATA_SELLER_ADDRESS = "Friedrichstraße 1\n10117 Berlin\nGermany"
    settings.PRORATA_SELLER_TAX_ID = "DE136695976"
    settings.PRORATA_SELLER_EMAIL = "billing@fabrikam.test"


@pytest.fixture
def stage(seller):
    stage = build_stage()
    billing_profile_update(actor=actor_for(stage.admin), tenant_id=stage.tenant.pk, legal_name="Contoso Pharmaceuticals Ltd",
                           address_line1="1 Microsoft Way", city="Redmond", region="WA", postal_code="98052",
                           country="CN", tax_id="91110000600037341L")
    return stage


def reader(user, language: str) -> Client:
    User.objects.filter(pk=user.pk).update(language=language)
    client = Client()
    assert client.login(username=user.email, password=PASSWORD)
    return client


def pdf_of(stage, language: str) -> bytes:
    invoice = stage.big.invoices.get()
    response = reader(stage.admin, language).get(f"/billing/bills/invoices/{invoice.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return response.content


def text_of(data: bytes, tmp_path, name: str) -> str:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(data)
    run = subprocess.run([poppler("pdftotext"), "-layout", str(path), "-"], capture_output=True, check=True)
    return run.stdout.decode()


def rendered(data: bytes, tmp_path, name: str) -> tuple[bytes, str]:
    """The first page as a PNG at 50 dpi, and what poppler said while drawing it."""
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(data)
    run = subprocess.run([poppler("pdftoppm"), "-r", "50", "-png", "-singlefile", str(path), str(tmp_path / name)],
                         capture_output=True, check=True)
    return (tmp_path / f"{name}.png").read_bytes(), run.stderr.decode()


def fonts_of(data: bytes, tmp_path, name: str) -> str:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(data)
    return subprocess.run([poppler("pdffonts"), str(path)], capture_output=True, check=True).stdout.decode()


@pytest.mark.parametrize("language", ["en", "zh-Hans"])
def test_the_pdf_shows_the_seller_and_the_customer_with_their_tax_ids(stage, tmp_path, language):
    text = text_of(pdf_of(stage, language), tmp_path, language)
    for expected in ("Fabrikam Software GmbH", "Friedrichstraße 1", "10117 Berlin", "DE136695976",
                     "billing@fabrikam.test", "Contoso Pharmaceuticals Ltd", "1 Microsoft Way", "98052 Redmond WA",
                     "91110000600037341L"):
        assert expected in text, expected
    assert ("China" if language == "en" else "中国") in text
    assert ("Tax ID" if language == "en" else "税号") in text


def test_the_chinese_pdf_embeds_a_cjk_subset_and_has_no_english_line(stage, tmp_path):
    data = pdf_of(stage, "zh-Hans")
    fonts = fonts_of(data, tmp_path, "zh")
    cjk = [row for row in fonts.splitlines()[2:] if "TrueType" in row]
    assert cjk, fonts
    # "emb" and "sub" both yes, and a subset's six-letter tag before the name.
    assert all(re.match(r"^[A-Z]{6}\+", row) and re.search(r"\byes\s+yes\b", row) for row in cjk), fonts
    assert "STSong" not in fonts
    text = text_of(data, tmp_path, "zh")
    assert "企业办公套件 E3 × 30，2026-02-01 – 2026-03-01" in text
    assert "Office 365" not in text
    for label in ("发票", "付款方", "小计", "总计"):
        assert label in text, label
    assert len(data) < 200_000


def test_both_languages_render_with_pdftoppm_and_their_text_matches(stage, tmp_path):
    for language, words in (("en", ["Invoice", "Office 365 E3 × 30", "Amount due"]),
                            ("zh-Hans", ["发票", "企业办公套件 E3 × 30", "应付金额"])):
        data = pdf_of(stage, language)
        png, warnings = rendered(data, tmp_path, language)
        assert png.startswith(b"\x89PNG") and len(png) > 5_000
        # Every glyph was found: poppler warns when it must substitute a font it cannot find.
        assert "font" not in warnings.lower(), warnings
        text = text_of(data, tmp_path, language)
        for word in words:
            assert word in text, (language, word)
        # The same invoice in both: the same amounts.
        assert "$600.00" in text or "US$600.00" in text


def test_the_web_invoice_shows_lines_in_the_readers_language_and_the_billing_profile(stage):
    invoice = stage.big.invoices.get()
    page = reader(stage.admin, "zh-Hans").get(f"/billing/bills/invoices/{invoice.pk}/").content.decode()
    assert "企业办公套件 E3 × 30" in page and "Office 365 E3" not in page
    assert "Contoso Pharmaceuticals Ltd" in page and "91110000600037341L" in page
    assert "Fabrikam Software GmbH" in page and "DE136695976" in page
    page = reader(stage.admin, "en").get(f"/billing/bills/invoices/{invoice.pk}/").content.decode()
    assert "Office 365 E3 × 30" in page and "企业办公套件" not in page
