"""Run every benchmark in this folder in turn and print their tables (`make bench`)."""
from __future__ import annotations

import platform
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def machine() -> str:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    return f"{cpu or platform.processor()}, {cores} cores, Python {platform.python_version()}"


def main() -> int:
    print(f"machine: {machine()}")
    failed = 0
    for script in sorted(HERE.glob("*_bench.py")):
        print(f"\n== {script.name} ==", flush=True)
        failed += subprocess.run([sys.executable, str(script)], cwd=HERE.parent).returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
