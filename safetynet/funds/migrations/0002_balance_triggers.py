"""The books balance in the database (ADR 0921): vendor-specific triggers.

PostgreSQL: a deferred constraint trigger checks, at commit, that each touched journal entry's
postings add up to zero and are as many as the entry declares (`posting_count`).
SQLite has no deferred triggers: a row trigger checks the entry when its last declared posting
arrives (more postings than declared, or a non-zero sum, abort the statement).
On both, postings and entries are never updated: a correction is a new entry."""

from django.db import migrations

PG_UP = [
    """
CREATE OR REPLACE FUNCTION funds_entry_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  eid bigint;
  declared integer;
  n integer;
  s numeric;
BEGIN
  IF TG_TABLE_NAME = 'funds_posting' THEN
    IF TG_OP = 'DELETE' THEN eid := OLD.entry_id; ELSE eid := NEW.entry_id; END IF;
  ELSE
    eid := NEW.id;
  END IF;
  SELECT posting_count INTO declared FROM funds_journalentry WHERE id = eid;
  IF NOT FOUND THEN
    RETURN NULL;  -- the whole entry is gone with its postings
  END IF;
  SELECT count(*), COALESCE(sum(amount_fen), 0) INTO n, s FROM funds_posting WHERE entry_id = eid;
  IF s <> 0 THEN
    RAISE EXCEPTION 'funds: journal entry % does not balance (postings add up to % fen)', eid, s
      USING ERRCODE = 'check_violation';
  END IF;
  IF n <> declared THEN
    RAISE EXCEPTION 'funds: journal entry % has % postings but declares %', eid, n, declared
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$;
""",
    """
CREATE OR REPLACE FUNCTION funds_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'funds: % rows are never changed; book a correcting entry', TG_TABLE_NAME
    USING ERRCODE = 'check_violation';
END $$;
""",
    """CREATE CONSTRAINT TRIGGER funds_posting_balanced AFTER INSERT OR DELETE ON funds_posting
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION funds_entry_check();""",
    """CREATE CONSTRAINT TRIGGER funds_entry_balanced AFTER INSERT ON funds_journalentry
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION funds_entry_check();""",
    """CREATE TRIGGER funds_posting_append_only BEFORE UPDATE ON funds_posting
FOR EACH ROW EXECUTE FUNCTION funds_append_only();""",
    """CREATE TRIGGER funds_entry_append_only BEFORE UPDATE ON funds_journalentry
FOR EACH ROW EXECUTE FUNCTION funds_append_only();""",
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS funds_entry_append_only ON funds_journalentry;",
    "DROP TRIGGER IF EXISTS funds_posting_append_only ON funds_posting;",
    "DROP TRIGGER IF EXISTS funds_entry_balanced ON funds_journalentry;",
    "DROP TRIGGER IF EXISTS funds_posting_balanced ON funds_posting;",
    "DROP FUNCTION IF EXISTS funds_append_only();",
    "DROP FUNCTION IF EXISTS funds_entry_check();",
]

_COUNT = "(SELECT count(*) FROM funds_posting WHERE entry_id = NEW.{col})"
_DECLARED = "(SELECT posting_count FROM funds_journalentry WHERE id = NEW.{col})"
_SUM = "(SELECT sum(amount_fen) FROM funds_posting WHERE entry_id = NEW.{col})"


def _sqlite_check(col: str) -> str:
    c, d, s = _COUNT.format(col=col), _DECLARED.format(col=col), _SUM.format(col=col)
    return f"""
  SELECT RAISE(ABORT, 'funds: journal entry has more postings than it declares') WHERE {c} > {d};
  SELECT RAISE(ABORT, 'funds: journal entry does not balance') WHERE {s} <> 0;"""


SQLITE_UP = [
    f"""CREATE TRIGGER funds_posting_balanced AFTER INSERT ON funds_posting
WHEN {_COUNT.format(col="entry_id")} >= {_DECLARED.format(col="entry_id")}
BEGIN{_sqlite_check("entry_id")}
END;""",
    # an entry row inserted after its postings (SQLite's foreign keys are deferred)
    f"""CREATE TRIGGER funds_entry_balanced AFTER INSERT ON funds_journalentry
WHEN {_COUNT.format(col="id")} > 0
BEGIN
  SELECT RAISE(ABORT, 'funds: journal entry postings are not as many as it declares')
    WHERE {_COUNT.format(col="id")} <> NEW.posting_count;
  SELECT RAISE(ABORT, 'funds: journal entry does not balance') WHERE {_SUM.format(col="id")} <> 0;
END;""",
    """CREATE TRIGGER funds_posting_append_only BEFORE UPDATE ON funds_posting
BEGIN SELECT RAISE(ABORT, 'funds: postings are never changed; book a correcting entry'); END;""",
    """CREATE TRIGGER funds_entry_append_only BEFORE UPDATE ON funds_journalentry
BEGIN SELECT RAISE(ABORT, 'funds: journal entries are never changed; book a correcting entry');
END;""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS funds_entry_append_only;",
    "DROP TRIGGER IF EXISTS funds_posting_append_only;",
    "DROP TRIGGER IF EXISTS funds_entry_balanced;",
    "DROP TRIGGER IF EXISTS funds_posting_balanced;",
]


def _run(statements: dict[str, list[str]]):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("funds", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_UP, "sqlite": SQLITE_UP}),
            _run({"postgresql": PG_DOWN, "sqlite": SQLITE_DOWN}),
        )
    ]
