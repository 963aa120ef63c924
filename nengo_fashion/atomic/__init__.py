"""Atomic writes: a results file or a run folder is either complete or absent.

- `files`: one file written under a temporary name and renamed (`atomic_path`,
  `write_json`, `write_text`, `read_json`), rescued to a temporary file on a full disk;
- `outputs`: a command's output folder (`prepare_out_dir`, `check_out_file`, `Outputs`,
  whose files are claimed before any work and moved in together);
- `folders`: run folders (`atomic_dir`, the name check `check_name`, `fill_folder`, which
  rescues a finished run on a full disk).
"""

from .files import as_stored, atomic_path, read_json, write_json, write_text
from .folders import (
    MAX_NAME,
    NAME_HINT,
    atomic_dir,
    check_name,
    child_folder,
    fill_folder,
    name_problem,
)
from .outputs import Outputs, check_out_file, check_results_dir, prepare_out_dir, signals_held

__all__ = [
    "MAX_NAME",
    "NAME_HINT",
    "Outputs",
    "as_stored",
    "atomic_dir",
    "atomic_path",
    "check_name",
    "check_out_file",
    "check_results_dir",
    "child_folder",
    "fill_folder",
    "name_problem",
    "prepare_out_dir",
    "read_json",
    "signals_held",
    "write_json",
    "write_text",
]
