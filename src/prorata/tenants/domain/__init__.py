"""Pure tenant rules: what a valid country, language, time zone, role and time look like."""
