"""Stored files: private storage, served only by views, and following their transaction.

Stored files (authorization scans, report PDFs, agency exchange files) are personal data. They live
in a storage that has no URL (`PrivateFileSystemStorage.url()` raises): no settings module serves
them as media, and a template cannot link to one by accident; each is served by a view that
checks the user's permission and jurisdiction on the owning object through a selector, which
writes the access log, and answers with `attachment_response` (ADR 0730).

Files are not transactional. Without `store_file` and `stored_files_removed_on_failure`, a
family's authorization scan saved inside a service whose transaction rolls back would stay on disk
with no row pointing to it.
"""

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.core.files.storage import FileSystemStorage
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpResponse


class PrivateFileSystemStorage(FileSystemStorage):
    """MEDIA_ROOT on disk, without URLs: stored files are served by views only."""

    def url(self, name):
        raise NotImplementedError(
            "stored files have no URL; link to the view that serves them (ADR 0730)"
        )


def attachment_response(field_file: FieldFile, *, filename: str, content_type: str) -> FileResponse:
    """A stored file as a download: attachment, the given type, never sniffed, never cached."""
    response = FileResponse(
        field_file.open("rb"), as_attachment=True, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def generated_attachment(data: bytes, *, filename: str, content_type: str) -> HttpResponse:
    """Bytes made for this request (an export, a PDF) as a download: attachment, never sniffed,
    never cached (the same headers as a stored file's)."""
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


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
