"""`python -m prorata.i18n compile|update`: maintain the catalogues without system gettext."""

import os
import sys

import django


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prorata.settings")
    django.setup()
    from prorata.i18n import catalogs

    command = argv[0] if argv else "compile"
    if command == "compile":
        for path in catalogs.compile_all(force="--force" in argv):
            print(f"compiled {path}")
        return 0
    if command == "update":
        missing_total = 0
        for app_dir in catalogs.app_dirs():
            path, missing = catalogs.update(app_dir)
            missing_total += missing
            print(f"{path}: {missing} untranslated")
        return 1 if missing_total and "--check" in argv else 0
    print("usage: python -m prorata.i18n compile|update [--check]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
