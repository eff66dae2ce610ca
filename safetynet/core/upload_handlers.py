"""A streaming guard on each uploaded file (ADR 0731): counting as the chunks arrive, it stops
the upload once one file passes `SAFETYNET_MAX_UPLOAD_BYTES`, before the rest is read, and the
request is answered 413 by `RequestSizeLimitMiddleware`."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler


class UploadTooLarge(RequestDataTooBig):
    pass


class SizeLimitedUploadHandler(FileUploadHandler):
    """First of `FILE_UPLOAD_HANDLERS`: passes chunks on, refusing a file once it is too large."""

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        limit = settings.SAFETYNET_MAX_UPLOAD_BYTES
        self.received += len(raw_data)
        if self.received > limit:
            if self.request is not None:
                self.request._safetynet_upload_too_large = limit
            raise UploadTooLarge(f"an uploaded file is larger than {limit} bytes")
        return raw_data

    def file_complete(self, file_size):
        return None
