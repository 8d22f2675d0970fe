"""A stand-in for ``/usr/bin/crontab`` that keeps the crontab in the file ``$FAKE_CRONTAB_FILE``.

It serves exactly what django-crontab calls: ``crontab -l`` (print the crontab) and
``crontab <file>`` (install that file); plus ``crontab -`` (from stdin) and ``crontab -r``.
"""

import os
import shutil
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    store = os.environ.get("FAKE_CRONTAB_FILE")
    if not store:
        sys.stderr.write("fake crontab: FAKE_CRONTAB_FILE is not set\n")
        return 2
    store = Path(store)
    if argv == ["-l"]:
        if not store.exists():
            sys.stderr.write("no crontab for this user\n")
            return 1
        sys.stdout.write(store.read_text())
        return 0
    if argv == ["-r"]:
        store.unlink(missing_ok=True)
        return 0
    if argv == ["-"]:
        store.write_text(sys.stdin.read())
        return 0
    if len(argv) == 1 and not argv[0].startswith("-"):
        shutil.copyfile(argv[0], store)
        return 0
    sys.stderr.write(f"fake crontab: unsupported arguments {argv}\n")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
