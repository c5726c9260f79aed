"""Reads a survey export back with readers that share no code with Hearken: Python's csv and
json modules and openpyxl. Checks the row count, that every expected string survived intact,
and that no cell is a live formula. Exit 0 when every check passes; otherwise prints why.

usage: read_back.py EXPORT.csv EXPORT.xlsx EXPORT.json ROWS STRING...
"""

import csv
import datetime
import json
import sys

import openpyxl


def fail(message):
    print(message)
    sys.exit(1)


def check_strings(name, cells, expected):
    for text in expected:
        if not any(text in cell for cell in cells):
            fail(f"{name}: {text!r} is missing or damaged")


def main():
    csv_path, xlsx_path, json_path, rows, *expected = sys.argv[1:]
    rows = int(rows)
    formula_starts = ("=", "+", "-", "@", "\t", "\r")

    raw = open(csv_path, "rb").read()
    if not raw.startswith(b"\xef\xbb\xbf"):
        fail("csv: no byte-order mark")
    if not raw.split(b"\n", 1)[0].endswith(b"\r") or not raw.endswith(b"\r\n"):
        fail("csv: lines do not end in CRLF")
    with open(csv_path, newline="", encoding="utf-8-sig") as f:
        table = list(csv.reader(f))
    if len(table) != rows + 1:
        fail(f"csv: {len(table) - 1} rows, expected {rows}")
    width = len(table[0])
    if any(len(r) != width for r in table):
        fail("csv: rows of different widths")
    cells = [c for r in table for c in r]
    check_strings("csv", cells, expected)
    live = [c for c in cells if c.startswith(formula_starts)]
    if live:
        fail(f"csv: live formulas {live[:3]}")

    book = openpyxl.load_workbook(xlsx_path)
    if book.sheetnames != ["Responses", "Questions"]:
        fail(f"xlsx: sheets {book.sheetnames}")
    sheet = book["Responses"]
    values = list(sheet.iter_rows(values_only=True))
    if len(values) != rows + 1:
        fail(f"xlsx: {len(values) - 1} rows, expected {rows}")
    header = list(values[0])
    if header != table[0]:
        fail(f"xlsx: header differs from the csv's: {header[:5]}")
    for row in sheet.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                fail(f"xlsx: formula in {cell.coordinate}")
    strings = [v for r in values for v in r if isinstance(v, str)]
    check_strings("xlsx", strings, expected)
    submitted = header.index("submitted_at")
    if not all(isinstance(r[submitted], datetime.datetime) for r in values[1:]):
        fail("xlsx: submitted_at is not a date")
    def is_number(text):
        try:
            float(text)
            return True
        except ValueError:
            return False

    # A column whose CSV cells are all numbers must hold numbers in the workbook.
    numeric = [
        i
        for i in range(width)
        if any(r[i] for r in table[1:]) and all(not r[i] or is_number(r[i]) for r in table[1:])
    ]
    if not numeric:
        fail("no numeric column to check")
    for r in values[1:]:
        for i in numeric:
            if r[i] is not None and not isinstance(r[i], (int, float)):
                fail(f"xlsx: {header[i]} holds {r[i]!r}, not a number")
    codebook = list(book["Questions"].iter_rows(values_only=True))
    if codebook[0][:2] != ("column", "question_id") or len(codebook) != width + 1:
        fail("xlsx: the codebook does not list every column")

    with open(json_path, encoding="utf-8") as f:
        items = json.load(f)
    if len(items) != rows:
        fail(f"json: {len(items)} items, expected {rows}")
    text = json.dumps(items, ensure_ascii=False)
    check_strings("json", [text], expected)
    print(f"ok: {rows} rows in csv, xlsx and json")


main()
