"""Exports for a date range and a fund, in every format an accountant or auditor uses.

Each export is written to a binary stream through ``export_write``, which hashes the bytes
as they pass and records a manifest (who, when, parameters, SHA-256, chain head). Every
export reads the chain head first and includes only transfers up to it, so the file and
its manifest describe the same ledger even while new entries are being posted.

Every table export (CSV, XLSX, ODS) is written from the same plain rows, read with
``values_list`` in chunks: text, ``int``, ``Decimal`` amounts, dates and ``None``. The
writers in ``fund.spreadsheets`` turn them into cells in constant memory, numbers as
numbers and dates as dates, and never let text become a formula. The column names come
from the django-import-export resources in ``audit.resources``, which the admin's own
(small) exports use, and a test keeps the two row for row in step.

One module a feature: ``kinds`` (the exports on offer, ``export_write`` and the manifest),
``params`` (the date range and fund every export takes), ``ledger``, ``donations`` and
``grants`` (each export's rows). Callers import from the feature module.
"""
