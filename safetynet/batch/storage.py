"""Where batch data lives: the local disk (plain paths) or shared storage named by URI.

One rule for every job and command (docs/spark.md, docs/adr/1501):

- A plain path (a local disk, or a shared file system mounted at the same path everywhere) is
  read and written with pyarrow by the driver and with Spark by the executors.
- A URI (`file://`, `hdfs://`, `s3a://`, `abfss://`, `gs://`, any scheme with a Hadoop connector
  on Spark's classpath) is reached only through Spark's own connectors, with the cluster's
  configuration (`spark-defaults.conf`): the executors read and write the data, and the driver's
  few reads (a schema, a row count, one output file at a time) go through the same Spark
  session. Nothing on the driver needs libhdfs or a second set of object-store credentials.
- The DuckDB engine runs on one machine: it takes plain paths and `file://` URIs (turned into
  paths) and refuses any other scheme, naming it.

Imports no Django.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlparse

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")


class BatchInputError(ValueError):
    """An input file is missing or unreadable, or an output cannot be written; the message
    names it."""


class StorageError(BatchInputError):
    """A location the chosen engine cannot reach; the message names it and says what to do."""


def is_uri(path: str | Path) -> bool:
    """A location with a scheme (`hdfs://nn/x`, `file:///x`), as opposed to a plain path."""
    return isinstance(path, str) and _SCHEME.match(path) is not None and "://" in path


def scheme_of(path: str | Path) -> str | None:
    return _SCHEME.match(path)[1].lower() if is_uri(path) else None


def local_path(path: str | Path, *, engine: str = "duckdb", what: str = "path") -> Path:
    """`path` as a local path: plain paths as they are, `file://` URIs converted. Any other
    scheme raises StorageError naming it (the engine runs on this machine's disk only)."""
    if not is_uri(path):
        return Path(path)
    scheme = scheme_of(path)
    if scheme == "file":
        parsed = urlparse(str(path))
        if parsed.netloc not in ("", "localhost"):
            raise StorageError(f"{what} {path}: a file:// URI names a host; use file:///path")
        return Path(unquote(parsed.path))
    raise StorageError(
        f"{what} {path}: the {engine} engine reads and writes this machine's disk only; "
        f"{scheme}:// storage is reached through Spark's connectors: use --engine spark"
    )


def join(root: str, rel: str) -> str:
    return f"{str(root).rstrip('/')}/{rel}"


# ============================================================================ through Spark
def _hadoop(spark, uri: str):
    """(FileSystem, Path) of Hadoop for `uri`, with the session's configuration."""
    jvm = spark._jvm
    path = jvm.org.apache.hadoop.fs.Path(uri)
    return path.getFileSystem(spark._jsc.hadoopConfiguration()), path


def spark_exists(spark, uri: str) -> bool:
    fs, path = _hadoop(spark, uri)
    return bool(fs.exists(path))


def spark_is_file(spark, uri: str) -> bool:
    fs, path = _hadoop(spark, uri)
    return bool(fs.exists(path) and fs.getFileStatus(path).isFile())


def spark_list(spark, uri: str) -> list[str]:
    """Names directly under `uri` (empty if it does not exist)."""
    fs, path = _hadoop(spark, uri)
    if not fs.exists(path):
        return []
    return sorted(str(s.getPath().getName()) for s in fs.listStatus(path))


def spark_delete(spark, uri: str) -> None:
    fs, path = _hadoop(spark, uri)
    if fs.exists(path) and not fs.delete(path, True):
        raise OSError(f"could not remove {uri}")


def spark_write_bytes(spark, uri: str, data: bytes) -> None:
    """Write a small file (a summary) at `uri`: under a temporary name, then renamed, so a
    reader never sees half of it."""
    fs, path = _hadoop(spark, uri)
    tmp = spark._jvm.org.apache.hadoop.fs.Path(uri + ".tmp")
    stream = fs.create(tmp, True)
    try:
        stream.write(bytearray(data))
    finally:
        stream.close()
    if fs.exists(path):
        fs.delete(path, False)
    if not fs.rename(tmp, path):
        raise OSError(f"could not rename {uri}.tmp to {uri}")
