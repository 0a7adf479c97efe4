"""Errors are data: a stable code, where it happened, and a message.

The catalogue is the list of every code the validator can emit, one line each. Codes are
stable: tools downstream match on them, so a code is never renamed, only added.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

# Messages quote the values at fault; past this many characters they are cut.
MAX_MESSAGE = 2000

LAYERS = {0: "report", 1: "descriptor", 2: "table", 3: "keys", 4: "spans", 5: "exports", 6: "contributing"}
# The layer of the codes that the commands bringing texts and annotations in emit (add-source,
# import, reanchor); the validator never does, so no validator case can cover them.
CONTRIBUTING = 6

# code -> (layer, one-line meaning). docs/errors.md is generated from this.
CATALOGUE: dict[str, tuple[int, str]] = {
    # 0. the report itself
    "errors-capped": (0, "More errors of one code in one file than a report shows; the message says how many were left out."),
    # 1. descriptor
    "descriptor-missing": (1, "No datapackage.json where one was expected."),
    "descriptor-unreadable": (1, "The descriptor could not be read or is not valid JSON."),
    "descriptor-profile": (1, "The descriptor breaks the Data Package v2 profile."),
    "version-not-semver": (1, "The package version is not a semantic version (MAJOR.MINOR.PATCH)."),
    "path-unsafe": (1, "A resource or schema path is absolute, climbs out of the package, is hidden, or is a URL."),
    "schema-unreadable": (1, "A Table Schema could not be read or is not valid JSON."),
    "schema-invalid": (1, "A Table Schema breaks the Table Schema profile or names an unknown field."),
    "json-duplicate-key": (1, "A JSON object in the descriptor or a Table Schema repeats a key; readers disagree on which value wins."),
    "json-too-deep": (1, "The descriptor or a Table Schema nests deeper than the validator's limit (64 levels by default)."),
    "json-too-large": (1, "The descriptor or a Table Schema is larger than the validator's limit (10 MiB by default); it is not read."),
    "profile-version": (1, "A `$schema` names a profile other than Data Package v2 or Table Schema v2."),
    "name-unsafe": (1, "A package or resource name is not a lowercase slug (letters, digits, '.', '_', '-'): names become file names."),
    "too-many-resources": (1, "The descriptor lists more resources than the validator's limit (1,000 by default)."),
    "descriptor-unsupported": (1, "A resource uses a form Data Package v2 allows that this package's tools do not read (multipart or inline data, compression, another encoding or CSV dialect); it is refused, never skipped."),
    "schema-unsupported": (1, "A Table Schema uses a form Table Schema v2 allows that this validator does not check (a field type, format or constraint); it is refused, never skipped."),
    "schema-missing": (1, "A table (type table, or a CSV) has no Table Schema, so nothing in it could be checked."),
    "hash-unsupported": (1, "A resource's hash is not written as sha256:<64 lowercase hex digits>, so the file could not be checked."),
    "contract-loosened": (1, "A Table Schema drops or loosens the span contract (source_id, span_start, span_end, quote) or the sources table that spans need."),
    # 2. tables
    "file-missing": (2, "A resource's file does not exist."),
    "file-unreadable": (2, "A resource's file could not be read (not a regular file, or no permission)."),
    "file-empty": (2, "A resource's file is empty (0 bytes); a table needs at least its header row."),
    "file-too-large": (2, "A file is larger than the validator's size limit (100 MiB by default, `--max-file-size`); it is not read."),
    "encoding-error": (2, "A file is not valid UTF-8."),
    "byte-order-mark": (2, "A CSV starts with a UTF-8 byte order mark; the package's CSVs are UTF-8 without one."),
    "line-ending-crlf": (2, "A CSV row ends with CR LF (or a bare CR); the package's CSVs end every row with LF alone."),
    "final-newline-missing": (2, "A CSV's last row does not end with LF."),
    "quote-malformed": (2, "A double quote stands inside an unquoted cell, or text follows a quoted cell's closing quote (many CSV readers then fail or disagree)."),
    "too-many-columns": (2, "A CSV header has more columns than the validator's limit (10,000 by default); the table is not read."),
    "cell-too-long": (2, "A cell is longer than the validator's limit (131,072 characters by default, `--max-cell-length`)."),
    "control-character": (2, "A text cell holds a control character (other than tab, LF and CR): NUL, ESC and the like break tools and can rewrite a terminal."),
    "formula-prefix": (2, "A text cell starts with =, +, -, @, tab or carriage return, which a spreadsheet may run as a formula."),
    "header-mismatch": (2, "The CSV header differs from the schema's field names and order."),
    "row-ragged": (2, "A row has more or fewer cells than the header."),
    "blank-row": (2, "A row is empty."),
    "required-missing": (2, "A required cell is empty."),
    "type-error": (2, "A cell cannot be read as its field's type."),
    "enum-error": (2, "A cell is not one of the field's allowed values."),
    "pattern-error": (2, "A cell does not match the field's pattern."),
    "minimum-error": (2, "A number is below the field's minimum."),
    "maximum-error": (2, "A number is above the field's maximum."),
    "length-error": (2, "A text is shorter or longer than the field allows."),
    "date-impossible": (2, "A date matches the pattern but is not on the calendar (2021-02-30, or year 0000)."),
    "precision-mismatch": (2, "A date's shape does not match its precision field, or one is set without the other."),
    "dependent-missing": (2, "A field that must be set together with another is set alone."),
    "exactly-one": (2, "Not exactly one of a group of alternative fields is set."),
    "date-order": (2, "A date ends before the date it must not precede (an event that ends before it starts)."),
    # 3. keys
    "primary-key-duplicate": (3, "Two rows share a primary key."),
    "unique-duplicate": (3, "Two rows share a value of a unique field, or of a unique key (uniqueKeys)."),
    "foreign-key-dangling": (3, "A foreign key points at a row that does not exist."),
    "self-reference-dangling": (3, "A self-reference (part_of) points at a row of the same table that does not exist."),
    "part-of-cycle": (3, "Following a self-reference leads back to the row itself."),
    "combination-not-allowed": (3, "A value is not allowed with the value of the row its foreign key points at "
                                "(x-allowedPerReference: a role the annotation guide does not define for that event type)."),
    # 4. spans and source files
    "span-out-of-bounds": (4, "A span starts or ends outside its source text."),
    "span-reversed": (4, "A span ends before or where it starts."),
    "quote-mismatch": (4, "The quote is not exactly text[span_start:span_end]."),
    "span-outside-body": (4, "A span lies outside the article body of its source (page chrome or teasers)."),
    "source-file-missing": (4, "A source row's text file does not exist."),
    "source-hash-mismatch": (4, "A source text's SHA-256 differs from the one its sources row records."),
    "source-length-mismatch": (4, "A source text's length differs from the one its sources row records."),
    "body-out-of-bounds": (4, "A source's body_start/body_end do not lie within its text."),
    "hash-mismatch": (4, "A file's SHA-256 differs from the hash its resource declares."),
    "bytes-mismatch": (4, "A file's size differs from the bytes its resource declares."),
    # 5. exports
    "export-missing": (5, "A table has no JSON export beside its CSV."),
    "export-unreadable": (5, "A JSON export is not valid JSON or not an array of objects."),
    "export-duplicate-key": (5, "A row of a JSON export repeats a key; readers disagree on which value wins."),
    "export-mismatch": (5, "A JSON export differs from its CSV."),
    "export-row-invalid": (5, "A JSON export row is invalid against the generated JSON Schema."),
    "jsonschema-stale": (5, "A generated JSON Schema is missing or differs from what its Table Schema generates."),
    # 6. contributing: commands that bring texts and annotations into a package (never the validator's)
    "annotation-unreadable": (6, "An imported annotation file or line is not in the format read (brat standoff, W3C Web Annotation), or its row values are not a JSON object of the table's other columns."),
    "annotation-unsupported": (6, "A brat relation, event, attribute or normalisation: links between rows are rows of the link tables, so they are not imported."),
    "annotation-unknown-source": (6, "An imported document names no source text of the package."),
    "annotation-unknown-table": (6, "An annotation's type is no table with spans."),
    "annotation-values-missing": (6, "An annotation carries no row values (table key and other columns), so no row can be made from it."),
    "annotation-offsets-invalid": (6, "An annotation's offsets lie outside the text, inside a UTF-16 surrogate pair, are reversed, or its fragments leave out words."),
    "annotation-quote-mismatch": (6, "The text an annotation carries is not the text at its offsets: the offsets are shifted (often UTF-16 units read as code points)."),
    "annotation-text-differs": (6, "The text beside the annotations differs from the package's source text, so the offsets may point at other words."),
    "annotation-key-duplicate": (6, "Two imported annotations carry the same row key, or one carries the key of a row that cites another source."),
    "text-not-utf8": (6, "A text given to `add-source` is not UTF-8."),
    "text-byte-order-mark": (6, "A text given to `add-source` starts with a byte order mark, which offsets would count."),
    "text-line-ending": (6, "A text given to `add-source` has CR LF or CR line endings; offsets count LF alone."),
    "text-not-nfc": (6, "A text given to `add-source` is not in Unicode NFC, so typed or pasted quotes would not match it."),
    "text-empty": (6, "A text given to `add-source` is empty or only whitespace."),
    "text-duplicate": (6, "A text given to `add-source` is in the package already (the same sha256)."),
}


@dataclass(frozen=True)
class ValidationError:
    """One problem found in a package. ``row`` counts the header as row 1, as spreadsheets do."""

    code: str
    message: str
    file: str | None = None
    row: int | None = None
    field: str | None = None

    def __post_init__(self) -> None:
        if self.code not in CATALOGUE:
            raise ValueError(f"unknown error code {self.code!r}: add it to the catalogue")
        if len(self.message) > MAX_MESSAGE:
            # A message quoting a cell of tens of megabytes would bury the report.
            cut = len(self.message) - MAX_MESSAGE
            object.__setattr__(self, "message", f"{self.message[:MAX_MESSAGE]}… [{cut} more characters not shown]")

    @property
    def layer(self) -> int:
        return CATALOGUE[self.code][0]

    def to_dict(self) -> dict:
        return {**asdict(self), "layer": self.layer}

    def location(self) -> str:
        parts = [self.file or "<package>"]
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.field is not None:
            parts.append(f"field {self.field}")
        return ", ".join(parts)

Error = ValidationError  # the short name; ValidationError stays for code written against 1.0


class PackageError(ValueError):
    """A package a command cannot work from. ``error`` is the first reason, as data (code,
    file, row, field); ``errors`` all of them. The message is the error, located."""

    def __init__(self, error: ValidationError, errors: tuple[ValidationError, ...] = ()) -> None:
        super().__init__(f"{error.location()}: [{error.code}] {error.message}")
        self.error = error
        self.errors = tuple(errors) or (error,)
        self.code, self.file, self.row, self.field = error.code, error.file, error.row, error.field
