"""Prorata: subscription and per-seat license management."""

__version__ = "0.1.0"
