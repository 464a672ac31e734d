"""All mapped classes. Importing this package registers every table on ``Base.metadata``.

Each topic keeps its models in its own module; they are imported here so that
Alembic and ``session.get`` see every table whichever module a caller imports.
"""
import importlib
import pkgutil

from core.db import Base

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

__all__ = ["Base"]
