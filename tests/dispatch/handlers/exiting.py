"""A handler that leaves the way a careless one does: sys.exit(), SystemExit, Ctrl-C.

``MODE`` (or the ``DNS_EXIT_MODE`` environment variable in child processes) picks how:
``exit`` = ``sys.exit()``, ``exit3`` = ``sys.exit(3)``, ``systemexit`` =
``raise SystemExit("bye")``, ``interrupt`` = ``raise KeyboardInterrupt``.
"""

import os
import sys

MODE = None


def send_batch(notifications):
    mode = MODE or os.environ.get("DNS_EXIT_MODE", "exit3")
    if mode == "exit":
        sys.exit()
    if mode == "exit3":
        sys.exit(3)
    if mode == "systemexit":
        raise SystemExit("bye")
    raise KeyboardInterrupt
