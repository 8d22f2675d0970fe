"""Find a channel's creator or handler module by its ``notification_module_name``.

Search order: the built-in package (``notification_creators`` / ``notification_handlers``),
then each entry of the setting, in order. An entry is either

* a dotted path: ``myproject.handlers`` finds ``myproject.handlers.<name>``, and an entry
  whose last component *is* ``<name>`` (``myproject.handlers.sms``) is that module; or
* a directory path (1.5.3 style): ``<directory>/<name>.py`` is loaded from the file. An
  entry is a directory path only if it is absolute or contains a path separator
  (``/srv/app/handlers``, ``./handlers``, ``handlers/``): a bare name such as ``handlers`` is
  always a dotted path, whatever directories the current directory happens to contain.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import sys
from pathlib import Path
from types import ModuleType

from .. import conf

_VALID_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _is_directory_entry(entry: str) -> bool:
    return "/" in entry or "\\" in entry or os.sep in entry or os.path.isabs(entry)


def _import_if_exists(dotted: str) -> ModuleType | None:
    """Import ``dotted``; ``None`` only when that module itself does not exist.

    An ImportError raised *inside* an existing module (a missing SDK, a typo in its
    imports) propagates: it is a real error, not "not found".
    """
    try:
        return importlib.import_module(dotted)
    except ModuleNotFoundError as exc:
        if exc.name and (dotted == exc.name or dotted.startswith(exc.name + ".")):
            return None
        raise


def _load_from_directory(directory: str, name: str, kind: str) -> ModuleType | None:
    path = Path(directory) / f"{name}.py"
    if not path.is_file():
        return None
    qualified = f"django_notification_system._{kind}_dirs.{abs(hash(str(path)))}.{name}"
    if qualified in sys.modules:
        return sys.modules[qualified]
    spec = importlib.util.spec_from_file_location(qualified, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[qualified] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[qualified]
        raise
    return module


def find_module(name: str, kind: str) -> ModuleType | None:
    """The module serving channel ``name`` as ``kind`` (``"handlers"`` or ``"creators"``).

    Returns ``None`` when nothing provides it; callers report that as a configuration
    error naming the module.
    """
    if kind not in ("handlers", "creators"):
        raise ValueError(f"kind must be 'handlers' or 'creators', not {kind!r}")
    if not name or not _VALID_NAME.match(name):
        return None
    builtin = _import_if_exists(f"django_notification_system.notification_{kind}.{name}")
    if builtin is not None:
        return builtin
    for entry in conf.module_paths(f"NOTIFICATION_SYSTEM_{kind.upper()}"):
        if _is_directory_entry(entry):
            module = _load_from_directory(entry, name, kind)
        elif entry.rsplit(".", 1)[-1] == name:
            module = _import_if_exists(entry)
        else:
            module = _import_if_exists(f"{entry}.{name}")
        if module is not None:
            return module
    return None
