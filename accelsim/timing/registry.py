"""Registries by name, as hardware files choose models (`timing: rate`, `ddr.timing: banked`):
one decorator shape for unit timing models and DDR tiers."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

F = TypeVar("F")


def registrar(table: dict[str, F], what: str) -> Callable[[str], Callable[[F], F]]:
    """A decorator factory that registers a factory in `table` under a name, once."""

    def by_name(name: str) -> Callable[[F], F]:
        def register(factory: F) -> F:
            if name in table:
                raise ValueError(f"{what} {name!r} registered twice")
            table[name] = factory
            return factory

        return register

    return by_name
