"""Translations: gettext catalogues per app under <app>/locale, kept and compiled with Babel."""
