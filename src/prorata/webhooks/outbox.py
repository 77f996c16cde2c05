"""The outbox's hand-over: deliveries are written with their event by the one writer
(`prorata.platform.writer`), in the transaction of the change; after that commit these
functions hand them to the delivery worker. Nothing is lost if a hand-over fails: the sweep
(`deliver_due`) sends every pending delivery.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def enqueue_deliveries(delivery_ids: list[str]) -> None:
    from .tasks import deliver_webhooks

    try:
        deliver_webhooks.enqueue(delivery_ids=delivery_ids)
    except Exception:
        log.warning("could not enqueue %d webhook deliveries; the sweep will send them", len(delivery_ids), exc_info=True)


def enqueue_sweep_soon() -> None:
    """For a change with thousands of deliveries (a billing batch): one sweep, not a task per chunk."""
    from .tasks import enqueue_sweep

    try:
        enqueue_sweep()
    except Exception:
        log.warning("could not enqueue a webhook sweep; the worker's next cycle will", exc_info=True)
