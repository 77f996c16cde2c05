"""Exit 0 when the PostgreSQL server in the URL answers (used by `make test`)."""

import sys

import psycopg


def main(url: str) -> int:
    try:
        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", connect_timeout=3) as conn:
            conn.execute("select 1")
    except psycopg.Error:
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
