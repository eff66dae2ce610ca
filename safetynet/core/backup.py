"""Backup and restore: the database through its own tools, every stored file, a manifest of
checksums (ADR 0930).

A backup is a directory:

    manifest.json          format and version, created at, database vendor and tool, the Django
                           migrations applied per app, every file's relative path, size and sha256
    manifest.json.sha256   the sha256 of manifest.json (a damaged manifest is refused)
    database.dump          PostgreSQL: `pg_dump --format=custom` (one snapshot)
    database.sqlite3       SQLite: a copy made with the online backup API
    files/<path>           every file under the stored-file root (MEDIA_ROOT)

`backup_create` writes into a hidden `.NAME.partial-*` directory beside the target and renames it
to NAME only once everything is written and synced: a crashed backup never looks complete.
`backup_restore` verifies every checksum and every precondition (vendor, migrations known to this
code, an empty target database unless `force`, no stored file overwritten by different content
unless `force`) before it touches anything; then the stored files (each written beside its place
and renamed), then the database in one transaction.

Operator commands (`safetynet backup`, `safetynet restore`): they act on the whole database, below
the services and their roles, like `migrate`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import glob
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

FORMAT = "safetynet-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MANIFEST_SUM = "manifest.json.sha256"
FILES_DIR = "files"
DB_FILES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
CHUNK = 1024 * 1024
# libpq connection keywords that may appear in a Django database's OPTIONS.
LIBPQ_OPTIONS = {
    "sslmode",
    "sslrootcert",
    "sslcert",
    "sslkey",
    "sslcrl",
    "connect_timeout",
    "options",
    "application_name",
    "target_session_attrs",
    "gssencmode",
}


class BackupError(Exception):
    """Bad input or a damaged backup: the message names the file or the field; nothing changed."""


@dataclass
class Summary:
    path: Path
    vendor: str
    stored_files: int = 0
    stored_bytes: int = 0
    written_files: int = 0
    notes: list[str] = field(default_factory=list)


# ------------------------------------------------------------------------------------- helpers


def vendor_of(database: dict) -> str:
    engine = database.get("ENGINE", "")
    if "postgresql" in engine:
        return "postgresql"
    if "sqlite3" in engine:
        return "sqlite"
    raise BackupError(f"DATABASE: engine {engine!r} is not supported (PostgreSQL or SQLite)")


def _sqlite_path(database: dict) -> Path:
    name = str(database.get("NAME") or "")
    if not name or name == ":memory:" or "mode=memory" in name:
        raise BackupError(f"DATABASE NAME: {name!r} is not an SQLite file")
    return Path(name)


def _sha256_file(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _copy_hashed(source: Path, target: Path) -> tuple[int, str]:
    """Copy `source` to `target` (created 0600, synced), returning the size and sha256 of what was
    written."""
    digest = hashlib.sha256()
    size = 0
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with open(source, "rb") as src, os.fdopen(fd, "wb") as dst:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            dst.write(chunk)
        dst.flush()
        os.fsync(dst.fileno())
    return size, digest.hexdigest()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _walk_files(root: Path) -> Iterator[tuple[str, Path]]:
    """Every regular file under `root`, sorted, as (POSIX relative path, path)."""
    if not root.is_dir():
        return
    for directory, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            path = Path(directory) / name
            if path.is_symlink() or not path.is_file():
                continue
            yield path.relative_to(root).as_posix(), path


def postgres_tool(name: str) -> str:
    """The path of a PostgreSQL client program: `SAFETYNET_PG_BINDIR`, else PATH, else the newest
    /usr/lib/postgresql/*/bin."""
    bindir = os.environ.get("SAFETYNET_PG_BINDIR")
    if bindir:
        candidate = Path(bindir) / name
        if candidate.is_file():
            return str(candidate)
        raise BackupError(f"SAFETYNET_PG_BINDIR: {name} not found in {bindir}")
    found = shutil.which(name)
    if found:
        return found

    def version(path: str) -> int:
        match = re.search(r"/postgresql/(\d+)/", path)
        return int(match.group(1)) if match else 0

    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=version)
    if candidates:
        return candidates[-1]
    raise BackupError(
        f"{name}: not found (install the PostgreSQL client, or set SAFETYNET_PG_BINDIR)"
    )


def _conninfo(database: dict, dbname: str | None = None) -> dict:
    """libpq connection parameters of a Django PostgreSQL database (the password apart)."""
    params = {
        "dbname": dbname or database.get("NAME") or "",
        "user": database.get("USER") or None,
        "host": database.get("HOST") or None,
        "port": str(database.get("PORT")) if database.get("PORT") else None,
    }
    for key, value in (database.get("OPTIONS") or {}).items():
        if key in LIBPQ_OPTIONS:
            params[key] = str(value)
    return {k: v for k, v in params.items() if v is not None}


def _pg_env(database: dict) -> dict:
    env = dict(os.environ)
    if database.get("PASSWORD"):
        env["PGPASSWORD"] = str(database["PASSWORD"])
    return env


def _pg_connect(database: dict):
    import psycopg

    return psycopg.connect(**_conninfo(database), password=database.get("PASSWORD") or None)


def _psycopg_error() -> type[Exception]:
    try:
        import psycopg
    except ImportError:  # an SQLite-only installation
        return sqlite3.Error
    return psycopg.Error


def _pg_dsn(database: dict) -> str:
    from psycopg.conninfo import make_conninfo

    return make_conninfo(**_conninfo(database))


def _run(args: list[str], *, env: dict, what: str) -> str:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{what} failed (exit {done.returncode}): {done.stderr.strip()}")
    return done.stdout


def _migrations(rows) -> dict[str, list[str]]:
    state: dict[str, list[str]] = {}
    for app, name in rows:
        state.setdefault(app, []).append(name)
    return {app: sorted(names) for app, names in sorted(state.items())}


# -------------------------------------------------------------------------------------- backup


def _backup_postgresql(database: dict, target: Path) -> tuple[dict, dict[str, list[str]]]:
    """pg_dump in the snapshot of a transaction that also reads the migration state: the manifest
    describes exactly the dumped database."""
    import psycopg

    pg_dump = postgres_tool("pg_dump")
    tool = _run([pg_dump, "--version"], env=_pg_env(database), what="pg_dump --version").strip()
    with _pg_connect(database) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        with conn.transaction(), conn.cursor() as cur:
            cur.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
            snapshot, server_version = cur.fetchone()
            cur.execute("SELECT to_regclass('django_migrations') IS NOT NULL")
            if cur.fetchone()[0]:
                cur.execute("SELECT app, name FROM django_migrations")
                migrations = _migrations(cur.fetchall())
            else:
                migrations = {}
            _run(
                [
                    pg_dump,
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={snapshot}",
                    f"--file={target}",
                    f"--dbname={_pg_dsn(database)}",
                ],
                env=_pg_env(database),
                what="pg_dump",
            )
    os.chmod(target, 0o600)
    return {"tool": tool, "server_version": server_version}, migrations


def _backup_sqlite(database: dict, target: Path) -> tuple[dict, dict[str, list[str]]]:
    """The online backup API: one consistent copy even while the server writes (WAL)."""
    source_path = _sqlite_path(database)
    if not source_path.is_file():
        raise BackupError(f"DATABASE NAME: {source_path} does not exist")
    source = sqlite3.connect(source_path)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        check = copy.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise BackupError(f"database: the copy fails SQLite's quick_check: {check}")
        has_migrations = copy.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='django_migrations'"
        ).fetchone()
        migrations = (
            _migrations(copy.execute("SELECT app, name FROM django_migrations").fetchall())
            if has_migrations
            else {}
        )
    finally:
        copy.close()
        source.close()
    os.chmod(target, 0o600)
    return {"tool": f"sqlite3 online backup API (SQLite {sqlite3.sqlite_version})"}, migrations


def backup_create(
    out: Path,
    *,
    database: dict,
    storage_root: Path,
    now: Callable[[], dt.datetime] | None = None,
) -> Summary:
    """Back up `database` (a Django DATABASES entry) and every file under `storage_root` into the
    new directory `out` (refused if it exists)."""
    out = Path(out)
    vendor = vendor_of(database)
    if out.exists() or out.is_symlink():
        raise BackupError(f"--out: {out} already exists (a backup never overwrites anything)")
    if not out.parent.is_dir():
        raise BackupError(f"--out: the folder {out.parent} does not exist")
    if out.parent.resolve().is_relative_to(Path(storage_root).resolve()):
        raise BackupError(f"--out: {out} is inside the stored-file folder {storage_root}")
    partial = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        db_file = DB_FILES[vendor]
        try:
            if vendor == "postgresql":
                details, migrations = _backup_postgresql(database, partial / db_file)
            else:
                details, migrations = _backup_sqlite(database, partial / db_file)
        except (sqlite3.Error, _psycopg_error()) as exc:
            raise BackupError(f"database: {exc}") from None
        size, digest = _sha256_file(partial / db_file)
        entries = [{"path": db_file, "size": size, "sha256": digest}]
        summary = Summary(path=out, vendor=vendor)
        # After the database: a row of the dump points to a file that is there now (a stored
        # file is never replaced; one stored after the snapshot is copied and simply unused).
        for relative, path in _walk_files(Path(storage_root)):
            size, digest = _copy_hashed(path, partial / FILES_DIR / relative)
            entries.append({"path": f"{FILES_DIR}/{relative}", "size": size, "sha256": digest})
            summary.stored_files += 1
            summary.stored_bytes += size
        created = (now or (lambda: dt.datetime.now(dt.UTC)))()
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": created.isoformat(),
            "database": {"vendor": vendor, "file": db_file, **details},
            "migrations": migrations,
            "files": entries,
        }
        body = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
        for name, content in (
            (MANIFEST, body),
            (MANIFEST_SUM, f"{hashlib.sha256(body).hexdigest()}  {MANIFEST}\n".encode()),
        ):
            fd = os.open(partial / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(content)
                f.flush()
                os.fsync(f.fileno())
        for directory, _dirs, _files in os.walk(partial):
            _fsync_dir(Path(directory))
        os.rename(partial, out)
        _fsync_dir(out.parent)
        return summary
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise


# -------------------------------------------------------------------------------------- verify


def _safe_relative(path: object) -> str:
    if not isinstance(path, str) or not path:
        raise BackupError(f"manifest.json: file path {path!r} is not a relative path")
    pure = PurePosixPath(path)
    if pure.is_absolute() or ".." in pure.parts or "\\" in path or str(pure) != path:
        raise BackupError(f"manifest.json: file path {path!r} is not a relative path")
    return path


def backup_verify(source: Path) -> dict:
    """The manifest of the backup at `source` once every file is there with its size and sha256
    and nothing else is; else BackupError naming the first file that is not."""
    source = Path(source)
    if not source.is_dir():
        raise BackupError(f"{source}: not a backup directory")
    manifest_path, sum_path = source / MANIFEST, source / MANIFEST_SUM
    for path in (manifest_path, sum_path):
        if not path.is_file():
            raise BackupError(f"incomplete backup: {path.name} is missing in {source}")
    body = manifest_path.read_bytes()
    expected = sum_path.read_text(encoding="utf-8", errors="replace").split()
    if not expected or expected[0] != hashlib.sha256(body).hexdigest():
        raise BackupError(f"damaged backup: {MANIFEST} does not match {MANIFEST_SUM}")
    try:
        manifest = json.loads(body)
    except ValueError as exc:
        raise BackupError(f"damaged backup: {MANIFEST} is not JSON ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{MANIFEST}: not a SafetyNet backup (format)")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"{MANIFEST}: format_version {manifest.get('format_version')!r} is not supported "
            f"(this version reads {FORMAT_VERSION})"
        )
    database = manifest.get("database")
    if not isinstance(database, dict) or database.get("vendor") not in DB_FILES:
        raise BackupError(f"{MANIFEST}: database.vendor is missing or unknown")
    if database.get("file") != DB_FILES[database["vendor"]]:
        raise BackupError(f"{MANIFEST}: database.file is not {DB_FILES[database['vendor']]}")
    if not isinstance(manifest.get("migrations"), dict):
        raise BackupError(f"{MANIFEST}: migrations is missing")
    files = manifest.get("files")
    if not isinstance(files, list):
        raise BackupError(f"{MANIFEST}: files is missing")
    listed: set[str] = set()
    for entry in files:
        if not isinstance(entry, dict):
            raise BackupError(f"{MANIFEST}: a files entry is not an object")
        relative = _safe_relative(entry.get("path"))
        if relative in listed:
            raise BackupError(f"{MANIFEST}: {relative} is listed twice")
        listed.add(relative)
        if relative != database["file"] and not relative.startswith(f"{FILES_DIR}/"):
            raise BackupError(f"{MANIFEST}: {relative} is neither the database nor a stored file")
        path = source / relative
        if not path.is_file() or path.is_symlink():
            raise BackupError(f"incomplete backup: {relative} is missing")
        size, digest = _sha256_file(path)
        if size != entry.get("size") or digest != entry.get("sha256"):
            raise BackupError(
                f"damaged backup: {relative} does not match its checksum "
                f"(manifest: {entry.get('size')} bytes sha256 {entry.get('sha256')}; "
                f"found: {size} bytes sha256 {digest})"
            )
    if database["file"] not in listed:
        raise BackupError(f"incomplete backup: {database['file']} is not in {MANIFEST}")
    for relative, _path in _walk_files(source):
        if relative not in listed and relative not in (MANIFEST, MANIFEST_SUM):
            raise BackupError(f"damaged backup: {relative} is not in {MANIFEST}")
    return manifest


# ------------------------------------------------------------------------------------- restore


def _pg_tables(database: dict) -> list[str]:
    with _pg_connect(database) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT n.nspname || '.' || c.relname FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') "
            "AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
            "AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%' "
            "ORDER BY 1"
        )
        return [row[0] for row in cur.fetchall()]


def _sqlite_tables(path: Path) -> list[str]:
    if not path.exists() or path.stat().st_size == 0:
        return []
    conn = sqlite3.connect(path)
    try:
        return [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
                "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
            )
        ]
    finally:
        conn.close()


def _migrations_unknown(manifest: dict) -> tuple[list[str], list[str]]:
    """(migrations applied in the backup that this code does not have, migrations of this code
    not applied in the backup)."""
    from django.db.migrations.loader import MigrationLoader

    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    applied = {(app, name) for app, names in manifest["migrations"].items() for name in names or []}
    unknown = sorted(f"{app}.{name}" for app, name in applied - known)
    pending = sorted(f"{app}.{name}" for app, name in known - applied)
    return unknown, pending


def _restore_postgresql(dump: Path, database: dict, *, clear: bool) -> None:
    """pg_restore's SQL fed to psql in ONE transaction, after dropping the schema's contents when
    `clear`: the target is either wholly the backup or untouched."""
    pg_restore, psql = postgres_tool("pg_restore"), postgres_tool("psql")
    env = _pg_env(database)
    with tempfile.TemporaryFile() as restore_err, tempfile.TemporaryFile() as psql_err:
        reader = subprocess.Popen(
            [pg_restore, "--no-owner", "--no-privileges", "--file=-", str(dump)],
            stdout=subprocess.PIPE,
            stderr=restore_err,
            env=env,
        )
        writer = subprocess.Popen(
            [
                psql,
                "--no-psqlrc",
                "--quiet",
                "--single-transaction",
                "--set=ON_ERROR_STOP=1",
                "--output=/dev/null",
                f"--dbname={_pg_dsn(database)}",
            ],
            stdin=subprocess.PIPE,
            stderr=psql_err,
            env=env,
        )
        assert reader.stdout is not None and writer.stdin is not None
        try:
            if clear:
                writer.stdin.write(b"DROP SCHEMA public CASCADE;\nCREATE SCHEMA public;\n")
            shutil.copyfileobj(reader.stdout, writer.stdin, CHUNK)
        except BrokenPipeError:
            pass
        finally:
            reader.stdout.close()
            with contextlib.suppress(BrokenPipeError):
                writer.stdin.close()
        read_code, write_code = reader.wait(), writer.wait()
        for code, errors, what in (
            (read_code, restore_err, "pg_restore"),
            (write_code, psql_err, "psql"),
        ):
            if code != 0:
                errors.seek(0)
                message = errors.read().decode("utf-8", "replace").strip()
                raise BackupError(
                    f"{what} failed (exit {code}); the database is unchanged: {message}"
                )


def _restore_sqlite(copy: Path, target: Path) -> None:
    """The online backup API from the backup's copy onto the target file, in one step."""
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
    destination = sqlite3.connect(target)
    try:
        source.backup(destination)
    finally:
        destination.close()
        source.close()


def _write_stored_file(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.parent / f".{target.name}.restore-{os.getpid()}"
    try:
        shutil.copyfile(source, temporary)
        with open(temporary, "rb") as f:
            os.fsync(f.fileno())
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def backup_restore(
    source: Path, *, database: dict, storage_root: Path, force: bool = False
) -> Summary:
    """Restore the backup at `source` into `database` (a Django DATABASES entry; the PostgreSQL
    database must exist) and `storage_root`. Everything is checked before anything is written."""
    source = Path(source)
    manifest = backup_verify(source)
    vendor = vendor_of(database)
    backup_vendor = manifest["database"]["vendor"]
    if backup_vendor != vendor:
        raise BackupError(
            f"{MANIFEST}: a {backup_vendor} backup cannot be restored into a {vendor} database"
        )
    unknown, pending = _migrations_unknown(manifest)
    if unknown:
        raise BackupError(
            f"{MANIFEST}: the backup has migrations this version does not know "
            f"({', '.join(unknown[:5])}): restore it with the version that made it"
        )
    if vendor == "postgresql":
        postgres_tool("pg_restore"), postgres_tool("psql")
        try:
            tables = _pg_tables(database)
        except Exception as exc:  # psycopg.OperationalError: no such database, refused login
            raise BackupError(f"DATABASE: cannot connect to the target database: {exc}") from None
    else:
        tables = _sqlite_tables(_sqlite_path(database))
    if tables and not force:
        raise BackupError(
            f"DATABASE: the target database is not empty ({len(tables)} tables, e.g. "
            f"{', '.join(tables[:3])}); restoring would replace it: add --force to do so"
        )
    root = Path(storage_root)
    stored = [e for e in manifest["files"] if e["path"].startswith(f"{FILES_DIR}/")]
    to_write = []
    for entry in stored:
        relative = entry["path"][len(FILES_DIR) + 1 :]
        target = root / relative
        if target.is_dir() or target.is_symlink():
            raise BackupError(f"storage: {target} is a folder or a link, not a file")
        if target.exists():
            if _sha256_file(target) == (entry["size"], entry["sha256"]):
                continue
            if not force:
                raise BackupError(
                    f"storage: {relative} exists with other content; add --force to replace it"
                )
        to_write.append((source / entry["path"], target))
    # Checked: now the stored files (each atomically), then the database (one transaction).
    for backup_file, target in to_write:
        _write_stored_file(backup_file, target)
    dump = source / manifest["database"]["file"]
    if vendor == "postgresql":
        _restore_postgresql(dump, database, clear=bool(tables))
    else:
        try:
            _restore_sqlite(dump, _sqlite_path(database))
        except sqlite3.Error as exc:
            raise BackupError(
                f"database: {exc} (stop the server and the worker first); the database is unchanged"
            ) from None
    summary = Summary(
        path=source,
        vendor=vendor,
        stored_files=len(stored),
        stored_bytes=sum(e["size"] for e in stored),
        written_files=len(to_write),
    )
    if pending:
        summary.notes.append(
            f"{len(pending)} migration(s) of this version are newer than the backup: "
            "run `safetynet migrate`"
        )
    return summary
