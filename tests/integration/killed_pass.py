"""A billing pass that is killed (SIGKILL) right after the processor charged a batch and before
the outcome's transaction commits, on its `KILL_AT_BATCH`-th batch (or, with `KILL_ON=refunds`, right
after the processor refunded and before the refunds' outcome commits); `PASS_AS_OF` is the pass's
time (default 2026-03-01). Run by test_worker_billing and test_stripe_worker."""

from __future__ import annotations

import os
import signal
import sys
from datetime import UTC, datetime

import django


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prorata.settings")
    django.setup()
    from prorata.subscriptions import engine
    from prorata.subscriptions.services import billing_work

    kill_at = int(os.environ["KILL_AT_BATCH"])
    seen = {"batches": 0}
    finish = billing_work.batch_finish

    def finish_or_die(batch, results):
        seen["batches"] += 1
        if seen["batches"] == kill_at:
            # The processor has answered (results): die before anything of the outcome commits.
            assert results, "the processor was asked nothing"
            os.kill(os.getpid(), signal.SIGKILL)
        return finish(batch, results)

    complete = engine.credit_notes_complete

    def refunds_or_die(calls, results):
        # KILL_ON=refunds: the processor has refunded; die before the refunds' outcome commits.
        assert results, "the processor was asked nothing"
        os.kill(os.getpid(), signal.SIGKILL)
        return complete(calls, results)

    if os.environ.get("KILL_ON", "charges") == "refunds":
        engine.credit_notes_complete = refunds_or_die
    else:
        engine.batch_finish = finish_or_die
    as_of = datetime.fromisoformat(os.environ["PASS_AS_OF"]) if os.environ.get("PASS_AS_OF") else datetime(2026, 3, 1, tzinfo=UTC)
    engine.run_pass(as_of=as_of, tenant_filter=engine.REALTIME, batch_size=int(sys.argv[1]))


if __name__ == "__main__":
    main()
