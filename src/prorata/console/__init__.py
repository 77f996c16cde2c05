"""The operator's console: the vendor's back office for daily work (catalog, tenants, credits).

An entry point like `prorata.web`: thin pages over the services of several domains. The Django
admin stays for raw inspection only.
"""
