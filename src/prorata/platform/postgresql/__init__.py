"""PostgreSQL, as Django's backend builds it, without the `varchar_pattern_ops` twin indexes."""
