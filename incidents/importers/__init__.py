"""Importers for the reference datasets' files: UCDP GED (ucdp.py), ACLED (acled.py) and the
Global Terrorism Database (gtd.py).

importing.py   import_file(), which runs an import, and the Importer each format subclasses
records.py     a row in incidentdb's terms (IncidentRecord), a RowError, the ImportReport
reading.py     the CSV file (CsvFile) or .xlsx workbook (XlsxFile), each row's typed values
               (RowReader)
writing.py     IncidentWriter: a chunk of records in a few bulk statements
bulk.py        COPY (PostgreSQL) or bulk_create
runs.py        the admin's uploads (ImportRun): the dry run, then the import
registry.py    the formats by name, for import_events and the admin
"""
