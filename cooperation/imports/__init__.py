"""The Excel ledger import (台账导入): read a workbook in the item export's layout, show what
it would change (a dry run, nothing written), then apply it all in one transaction.

- ``reader``: the workbook's checks (size, macros, formulas) and its cells as plain values,
  whatever their type (text, numbers, real date cells, dates typed as text);
- ``plan``: each row against the database: created, changed (old → new) or unchanged, and
  every error with its row and column;
- ``services``: upload, dry run, confirm and apply, with progress for the page.
"""
