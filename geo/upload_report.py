"""The report of an upload that the user downloads: every row not placed or placed with a
warning, and every column no field reads — the row as the user's file numbers it, the
column, the value as the file gives it and what the app did with it, in the page's language,
as a CSV the language's spreadsheets open (``geo.export.table_csv``: no cell a formula)."""

from __future__ import annotations

import pandas as pd

from geo.export import table_csv
from geo.i18n import t
from geo.upload import Failure, UploadResult

# A field the report names by the file's column; an investment may come from a column whose
# name gives its unit ("Investissement (M€)").
_COLUMNS_OF = {"investment_eur": ("investment_eur", "investment_meur", "investment_keur")}


def report_frame(result: UploadResult, lang: str = "fr") -> pd.DataFrame:
    """The report as a table: the ignored columns first (no row), then the rows in the file's order."""
    records = [
        ("", "", name, "", t("upload_report_ignored_column", lang), "") for name in result.ignored_columns
    ]
    items = sorted(
        [(failure, True) for failure in result.failures] + [(warning, False) for warning in result.warnings],
        key=lambda item: item[0].row,
    )
    for item, failed in items:
        action = t(f"upload_reason_{item.reason}", lang)
        records.append(
            (
                result.file_row(item.row),
                item.label,
                column_of(result, item),
                item.value,
                t("upload_report_not_placed", lang, reason=action) if failed else action,
                ", ".join(item.candidates),
            )
        )
    header = [
        result.row_header(lang),
        t("upload_col_label", lang),
        t("upload_report_column", lang),
        t("upload_report_value", lang),
        t("upload_report_action", lang),
        t("upload_col_candidates", lang),
    ]
    return pd.DataFrame.from_records(records, columns=header)


def column_of(result: UploadResult, item: Failure) -> str:
    """The file's column(s) a row's value comes from ("Emplois", "lat / lon"), by the fields it names."""
    names = []
    for name in item.fields:
        column = next(
            (result.column_names[f] for f in _COLUMNS_OF.get(name, (name,)) if f in result.column_names), name
        )
        if column not in names:
            names.append(column)
    return " / ".join(names)


def report_csv(result: UploadResult, lang: str = "fr") -> bytes:
    """The report as CSV in the language's dialect (French: ``;``; English: ``,``), UTF-8 with a BOM."""
    return table_csv(report_frame(result, lang), lang)


def has_report(result: UploadResult) -> bool:
    """Whether there is anything to report (a row not placed, a warning, a column ignored)."""
    return bool(result.failures or result.warnings or result.ignored_columns)
