"""Importers for the reference datasets' files: UCDP GED (ucdp.py) and ACLED (acled.py)."""
