"""Excel import of units, targets and people (issue 5).

- workbook.py: file checks, the three sheets, headers, rows;
- values.py: cell values as people type them;
- importer.py: `import_workbook()`, all or nothing, the same rules as the browser;
- runs.py: the recorded runs of the browser (preview, confirm, progress, background thread);
- template.py: the downloadable template workbook.
"""

from .errors import RowError, WorkbookError
from .importer import ImportResult, import_workbook

__all__ = ["ImportResult", "RowError", "WorkbookError", "import_workbook"]
