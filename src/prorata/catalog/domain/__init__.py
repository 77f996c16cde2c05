"""Pure catalog rules: what a valid code, price and policy look like. No Django here."""
