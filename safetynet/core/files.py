"""Stored files that follow their transaction: a file saved by a service that then fails is removed.

Files are not transactional. Without this, a family's authorization scan saved inside a service
whose transaction rolls back would stay on disk with no row pointing to it.
"""

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db.models.fields.files import FieldFile

_saved: ContextVar[list[tuple] | None] = ContextVar("safetynet_saved_files", default=None)


def store_file(field_file: FieldFile, name: str, content, *, save: bool = False) -> None:
    """`field_file.save(...)`, remembered so that a failing block removes the file again."""
    field_file.save(name, content, save=save)
    saved = _saved.get()
    if saved is not None:
        saved.append((field_file.storage, field_file.name))


@contextmanager
def stored_files_removed_on_failure() -> Iterator[None]:
    """Wrap a transaction (outside `transaction.atomic()`): if the block fails, including its
    commit, the files stored in it are deleted. Nested blocks share the outermost one's list, so
    a file stored by an inner block that succeeded still goes when the outer one fails."""
    if _saved.get() is not None:
        yield
        return
    token = _saved.set([])
    try:
        yield
    except BaseException:
        for storage, name in _saved.get() or []:
            storage.delete(name)
        raise
    finally:
        _saved.reset(token)


def removes_stored_files_on_failure[**P, R](service: Callable[P, R]) -> Callable[P, R]:
    """The same as a decorator; put it above `@transaction.atomic`."""

    @functools.wraps(service)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with stored_files_removed_on_failure():
            return service(*args, **kwargs)

    return wrapper
