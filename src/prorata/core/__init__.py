"""Pure Python building blocks: money, time, periods, proration, errors. No Django here."""
