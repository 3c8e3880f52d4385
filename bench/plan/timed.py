"""Runs a command and records its CPU time to the microsecond:
`timed.py OUT CMD...` writes "wall_s user_s sys_s" to OUT (from the child's
resource usage) and exits with the command's status. The command's standard
output and error pass through.

/usr/bin/time prints CPU seconds to two decimals, a tenth of the minimal loop's
whole run; this keeps the ratios against it meaningful. Peak memory is still
taken from /usr/bin/time: a child forked from Python starts with Python's
resident set, which the kernel counts in the child's peak.
"""

import os
import subprocess
import sys
import time


def main() -> int:
    if len(sys.argv) < 3:
        print("usage: timed.py OUT.time COMMAND [ARG...]", file=sys.stderr)
        return 2
    out, cmd = sys.argv[1], sys.argv[2:]
    start = time.perf_counter()
    try:
        child = subprocess.Popen(cmd)
    except OSError as e:
        print(f"timed.py: cannot run {cmd[0]}: {e}", file=sys.stderr)
        return 127
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    with open(out, "w") as f:
        f.write(f"{wall:.6f} {usage.ru_utime:.6f} {usage.ru_stime:.6f}\n")
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main())
