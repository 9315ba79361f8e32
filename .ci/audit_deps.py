"""pip-audit on the locked dependencies (constraints.txt, the whole tree pinned), for `make audit`.

Exit 1 when a pinned package has a known vulnerability: bump it to a fixed version in
constraints.txt (and pyproject.toml for a direct dependency).

When the vulnerability service cannot be reached (a CI machine without network, the service down:
pip-audit then crashes, or skips every package as "not found"), this prints a WARNING and exits 0.
An audit that could not run says nothing about this code, and someone else's outage should not fail
the build; the warning stays in the log so nobody reads it as a clean audit.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMAND = [sys.executable, "-m", "pip_audit", "--requirement", "constraints.txt", "--no-deps", "--disable-pip",
           "--progress-spinner", "off", "--format", "json"]


def verdict(report: dict | None, error: str = "") -> tuple[int, str]:
    """(exit status, message) for pip-audit's JSON report, or None when it produced none."""
    if report is None:
        return 0, f"WARNING: pip-audit could not run, the dependencies were NOT audited: {error}"
    dependencies = report.get("dependencies", [])
    vulnerable = [d for d in dependencies if d.get("vulns")]
    skipped = [d for d in dependencies if d.get("skip_reason")]
    if vulnerable:
        lines = [f"{d['name']}=={d['version']}: {v['id']} (fixed in {', '.join(v.get('fix_versions') or ['?'])})"
                 for d in vulnerable for v in d["vulns"]]
        return 1, "Known vulnerabilities in the locked dependencies:\n  " + "\n  ".join(lines)
    if dependencies and len(skipped) == len(dependencies):
        return 0, (f"WARNING: the vulnerability service could not be reached; none of the {len(dependencies)} "
                   f"locked dependencies were audited ({skipped[0]['skip_reason']})")
    message = f"pip-audit: no known vulnerabilities in {len(dependencies) - len(skipped)} locked dependencies"
    if skipped:
        message += "\nWARNING: not audited: " + "; ".join(d["skip_reason"] for d in skipped)
    return 0, message


def main() -> int:
    result = subprocess.run(  # noqa: S603  (a fixed command: this interpreter's pip-audit)
        COMMAND, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        last_lines = result.stderr.strip().splitlines()[-1:] or [f"exit status {result.returncode}"]
        report, error = None, last_lines[0]
    else:
        error = ""
    status, message = verdict(report, error)
    print(message, file=sys.stderr if status or message.startswith("WARNING") else sys.stdout)
    return status


if __name__ == "__main__":
    sys.exit(main())
