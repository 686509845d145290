"""Excel import of units, targets and people, all or nothing, with the same rules as the browser.

- importer.py: `import_workbook()`, the stages in order inside one transaction;
- workbook.py: file checks, the three sheets, headers, rows (read);
- values.py: one cell's value as people type it, and which correction reading it needed;
  parse.py: every row of a sheet parsed, the corrections counted (parse);
- check.py: each row against the rules and the user's scope, every error collected (check);
- preview.py: what the check found, for the preview page: the corrections counted, with examples, and
  the first rows of each sheet (created, updated old -> new, unchanged, error);
- write.py: what passed written in bulk, with its history (write);
- errors.py: a whole-file problem, or one cell's;
- runs.py: the recorded runs of the browser (preview, confirm, progress, retry) and their jobs for a worker;
- template.py: the downloadable template workbook.
"""

from .errors import RowError, WorkbookError
from .importer import ImportResult, import_workbook

__all__ = ["ImportResult", "RowError", "WorkbookError", "import_workbook"]
