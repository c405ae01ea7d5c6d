"""Results: typed records, the resumable run store, writers (native, Nova) and RunResult."""

from .native import NativeWriter, write_json
from .nova import NovaWriter, make_date_id, task_key, write_results_json
from .records import ExampleError, ExampleRecord
from .run_result import RunResult, load_run
from .store import RunStore
from .summary import SummaryCollector

__all__ = [
    "ExampleError", "ExampleRecord", "RunStore", "RunResult", "load_run", "NativeWriter",
    "NovaWriter", "SummaryCollector", "make_date_id", "task_key", "write_results_json",
    "write_json",
]
