"""The package as one SQLite database, with the Table Schemas' keys declared.

Every table becomes an SQL table with its primary key, its foreign keys (self-references
included), NOT NULL for required fields and a CHECK for each closed list of values, so the
database itself refuses what the validator would. Field descriptions are kept as SQL
comments in each CREATE TABLE (``SELECT sql FROM sqlite_master`` shows them). Lists are
stored as JSON arrays (``json_each`` reads them); dates stay ISO text at their precision.

Two tables are added: ``source_texts`` (each source's full text, so that
``substr(text, span_start + 1, span_end - span_start) = quote`` can be checked in SQL:
SQLite counts characters, as our offsets do) and ``package_info`` (name, version, title).
"""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from .dataset import Dataset
from .model import Field, Table

SQL_TYPES = {"string": "TEXT", "integer": "INTEGER", "number": "REAL", "boolean": "INTEGER",
             "list": "TEXT", "date": "TEXT"}


def quote_name(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: object) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def _comment(text: str) -> str:
    return " ".join(text.split())


# The two tables the database adds to the package's: name -> (description, column -> description).
ADDED_TABLES = {
    "package_info": ("The package this database was exported from: its name, version and title.",
                     {"key": "name, version or title", "value": "its value"}),
    "source_texts": ("Each source's full text, for checking spans in SQL: substr(text, span_start + 1, "
                     "span_end - span_start) = quote.",
                     {"source_id": "the source (sources.source_id)", "text": "the text, exactly as published"}),
}


def column_description(field: Field) -> str:
    """What a column holds: the Table Schema's description, and how a list is stored."""
    return field.description + (" Stored here as a JSON array." if field.type == "list" else "")


def _column(field: Field) -> str:
    name = quote_name(field.name)
    kind = field.type
    parts = [name, SQL_TYPES.get(kind, "TEXT")]
    if field.must_be_present:
        parts.append("NOT NULL")
    if field.enum and kind != "list":
        parts.append(f"CHECK ({name} IN ({', '.join(_literal(v) for v in field.enum)}))")
    if kind == "boolean":
        parts.append(f"CHECK ({name} IN (0, 1))")
    return " ".join(parts)


def create_table_sql(table: Table) -> str:
    items = [(_column(f), _comment(column_description(f))) for f in table.fields]
    if table.primary_key:
        items.append((f"PRIMARY KEY ({', '.join(quote_name(k) for k in table.primary_key)})", ""))
    for fk in table.foreign_keys:
        items.append((f"FOREIGN KEY ({', '.join(quote_name(f) for f in fk.fields)}) REFERENCES "
                      f"{quote_name(fk.resource)} ({', '.join(quote_name(f) for f in fk.reference_fields)})", ""))
    lines = []
    for i, (sql, comment) in enumerate(items):
        comma = "," if i < len(items) - 1 else ""
        lines.append(f"  {sql}{comma}" + (f"  -- {comment}" if comment else ""))
    header = _comment(table.description)
    return f"CREATE TABLE {quote_name(table.name)} (  -- {header}\n" + "\n".join(lines) + "\n)"


def _sql_value(value: object) -> object:
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return int(value)
    return value


def write_database(data: Dataset, path: Path, tables: list[str]) -> None:
    """Write a new database at ``path`` (a new, empty file: export's Writer made it) holding ``tables``."""
    con = sqlite3.connect(path, isolation_level=None)
    try:
        con.execute("PRAGMA foreign_keys = ON")
        con.execute("BEGIN")
        # Rows may refer to rows later in the same file (part_of): check keys at commit.
        con.execute("PRAGMA defer_foreign_keys = ON")
        con.execute(f"CREATE TABLE package_info (  -- {ADDED_TABLES['package_info'][0]}\n"
                    "  key TEXT PRIMARY KEY,\n  value TEXT NOT NULL\n)")
        con.executemany("INSERT INTO package_info VALUES (?, ?)",
                        [("name", data.name), ("version", data.version),
                         ("title", data.package.title)])
        for name in tables:
            table = data.table(name)
            con.execute(create_table_sql(table))
            columns = ", ".join(quote_name(f) for f in table.field_names)
            marks = ", ".join("?" for _ in table.field_names)
            con.executemany(f"INSERT INTO {quote_name(name)} ({columns}) VALUES ({marks})",
                            [[_sql_value(row[f]) for f in table.field_names] for row in data.typed_rows(name)])
        if "sources" in tables:
            con.execute(f"CREATE TABLE source_texts (  -- {ADDED_TABLES['source_texts'][0]}\n"
                        "  source_id TEXT PRIMARY KEY REFERENCES sources (source_id),\n  text TEXT NOT NULL\n)")
            con.executemany("INSERT INTO source_texts VALUES (?, ?)", list(data.texts().items()))
        con.execute("COMMIT")
    finally:
        con.close()
