"""A persistent map from integers to values: a new version shares all but the pages it changed.

Story labels (row → story) and members (story → rows) change a few entries per article; copying
them whole for every new state would make each article cost as much as the index is large. Keys
are grouped in pages of PAGE consecutive integers, and an update copies only the pages it touches.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TypeVar

V = TypeVar("V")
PAGE = 1024


class IntMap(Mapping[int, V]):
    """An immutable mapping of int keys, iterated in key order; `updated` returns a new one."""

    __slots__ = ("_pages", "_size")

    def __init__(self, pages: dict[int, dict[int, V]] | None = None, size: int = 0) -> None:
        self._pages: dict[int, dict[int, V]] = pages or {}
        self._size = size

    @classmethod
    def of(cls, items: Mapping[int, V]) -> IntMap[V]:
        return cls().updated(items)

    def __len__(self) -> int:
        return self._size

    def __contains__(self, key: object) -> bool:
        return isinstance(key, int) and key in self._pages.get(key // PAGE, {})

    def __getitem__(self, key: int) -> V:
        return self._pages[key // PAGE][key]

    def __iter__(self) -> Iterator[int]:
        for number in sorted(self._pages):
            yield from sorted(self._pages[number])

    def updated(self, changes: Mapping[int, V | None]) -> IntMap[V]:
        """A new map with `changes` applied (a value of None removes the key). The page table is
        copied (one entry per PAGE keys) and each page a change falls in; nothing else."""
        pages = dict(self._pages)
        copied: set[int] = set()
        size = self._size
        for key, value in changes.items():
            number = key // PAGE
            if number not in copied:
                pages[number] = dict(pages.get(number, {}))
                copied.add(number)
            page = pages[number]
            if value is None:
                size -= page.pop(key, None) is not None
            else:
                size += key not in page
                page[key] = value
        return IntMap({n: p for n, p in pages.items() if p}, size)
