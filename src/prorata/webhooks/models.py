"""Webhook endpoints, the event outbox and delivery attempts (platform guarantees issue)."""
