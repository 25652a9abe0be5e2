from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_importing_the_engine_loads_no_django():
    code = (
        "import pkgutil, importlib, sys, executions.engine as e\n"
        "for m in pkgutil.iter_modules(e.__path__): importlib.import_module('executions.engine.' + m.name)\n"
        "bad = sorted(n for n in sys.modules if n.split('.')[0] in ('django', 'httpx', 'rest_framework'))\n"
        "print(bad)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"
