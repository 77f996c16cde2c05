"""License commands: `prorata keys rotate` (the keys that sign license tokens)."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    keys = subparsers.add_parser("keys", help="the keys that sign license tokens")
    keys_sub = keys.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    rotate = keys_sub.add_parser(
        "rotate", help="make a new signing key; the old one stays published until its tokens expire")
    rotate.set_defaults(func=cmd_keys_rotate)


def cmd_keys_rotate(args: argparse.Namespace) -> int:
    from prorata.cli import cli_actor

    from .services import signing_key_rotate
    from .tokens import publish_for

    key = signing_key_rotate(actor=cli_actor())
    hours = publish_for().total_seconds() / 3600
    print(f"License tokens are now signed with key {key.kid}. Earlier keys stay at "
          f"/.well-known/jwks.json for {hours:.1f} hours, until the tokens they signed expire.")
    return 0
