"""Extract, update and compile the gettext catalogues with Babel (pure Python: no system gettext).

Each Django app keeps its own catalogue at src/prorata/<app>/locale/zh_Hans/LC_MESSAGES/django.po,
so work on one domain never edits another's file. Messages come from Python sources (gettext,
gettext_lazy, pgettext, ngettext...) and from Django templates (through Django's own
`templatize`, as `makemessages` does).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS
from babel.messages.extract import extract as babel_extract
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

PACKAGE_DIR = Path(__file__).resolve().parent.parent
LOCALES = ("zh_Hans",)
DOMAIN = "django"

KEYWORDS = {
    **DEFAULT_KEYWORDS,
    "gettext_lazy": None,
    "ngettext_lazy": (1, 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext_lazy": ((1, "c"), 2, 3),
    "gettext_noop": None,
}


def app_dirs() -> list[Path]:
    return sorted(p.parent for p in PACKAGE_DIR.glob("*/apps.py"))


def po_path(app_dir: Path, locale: str) -> Path:
    return app_dir / "locale" / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


Found = Iterator[tuple[int, str | tuple[str, ...], list[str], str | None]]


def _python_messages(path: Path) -> Found:
    with path.open("rb") as fh:
        yield from babel_extract("python", fh, keywords=KEYWORDS, strip_comment_tags=True)


def _template_messages(path: Path) -> Found:
    from django.utils.translation.template import templatize

    source = templatize(path.read_text(encoding="utf-8"), origin=str(path))
    yield from babel_extract("python", io.BytesIO(source.encode("utf-8")), keywords=KEYWORDS)


def extract(app_dir: Path) -> Catalog:
    """Every translatable message in one app, as a template catalogue."""
    app_dir = app_dir.resolve()
    template = Catalog(domain=DOMAIN, project="prorata")
    for path in sorted(app_dir.rglob("*")):
        if "migrations" in path.parts or "__pycache__" in path.parts or not path.is_file():
            continue
        if path.suffix == ".py":
            found = _python_messages(path)
        elif path.suffix in (".html", ".txt") and "templates" in path.parts:
            found = _template_messages(path)
        else:
            continue
        rel = path.relative_to(PACKAGE_DIR.parent)
        for lineno, message, _comments, context in found:
            if not message or (isinstance(message, tuple) and not message[0]):
                continue
            template.add(message, locations=[(str(rel), lineno)], context=context)
    return template


def update(app_dir: Path, locale: str = "zh_Hans") -> tuple[Path, int]:
    """Merge newly extracted messages into the app's catalogue; return it and how many lack a translation."""
    template = extract(app_dir)
    path = po_path(app_dir, locale)
    if path.exists():
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=locale)
    else:
        catalog = Catalog(locale=locale, domain=DOMAIN, project="prorata")
    created = catalog.creation_date
    catalog.update(template, no_fuzzy_matching=True)
    # Keep the header stable, so that an update with no new message leaves the file unchanged.
    catalog.creation_date = created
    catalog.fuzzy = False
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        # Locations without line numbers: a catalogue changes when its messages do, not when code moves.
        write_po(fh, catalog, width=100, omit_header=False, ignore_obsolete=True, sort_output=True, include_lineno=False)
    return path, len(untranslated(catalog))


def load(path: Path, locale: str = "zh_Hans") -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh, locale=locale)


def untranslated(catalog: Catalog) -> list[str]:
    missing = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing


def compile_all(force: bool = False) -> list[Path]:
    """Write each .mo beside its .po when missing or older; return what was written."""
    written = []
    for app_dir in app_dirs():
        for locale in LOCALES:
            po = po_path(app_dir, locale)
            if not po.exists():
                continue
            mo = po.with_suffix(".mo")
            if not force and mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
                continue
            catalog = load(po, locale)
            with mo.open("wb") as fh:
                write_mo(fh, catalog, use_fuzzy=False)
            written.append(mo)
    return written
