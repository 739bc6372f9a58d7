"""Blob storage: one interface (`BlobStore`), an S3 store (aioboto3) and a local filesystem store.

Objects are addressed by keys such as `catalog/reference/<sha256>.ogg`. Browsers never get a bucket
path: they get a short-lived URL, presigned by S3 or, for the filesystem store, a gateway URL signed
with HMAC (`signed_urls`), which the gateway verifies with the same code before streaming the file.
"""

from yousync_platform.storage.base import (
    BlobInfo,
    BlobNotFound,
    BlobStore,
    InvalidBlobKey,
    SignedUrl,
    validate_key,
)
from yousync_platform.storage.factory import BlobSettings, open_blob_store

__all__ = [
    "BlobInfo",
    "BlobNotFound",
    "BlobSettings",
    "BlobStore",
    "InvalidBlobKey",
    "SignedUrl",
    "open_blob_store",
    "validate_key",
]
