"""Run every benchmark script in this folder, one after another, each in its own Python process.

Each script sets up its own throwaway database and prints its own table; this only runs them and says
which failed. `make bench` calls it.
"""

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    scripts = sorted(p for p in HERE.glob("*.py") if p.name != Path(__file__).name and not p.name.startswith("_"))
    failed = []
    for script in scripts:
        print(f"\n=== {script.name} ===", flush=True)
        began = time.perf_counter()
        # A fresh interpreter per script: each configures Django (settings, data dir) for itself.
        if subprocess.run([sys.executable, "-u", str(script)], cwd=HERE.parent).returncode:
            failed.append(script.name)
        print(f"=== {script.name}: {time.perf_counter() - began:.0f} s ===", flush=True)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
