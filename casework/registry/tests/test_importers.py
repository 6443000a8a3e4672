"""Reading register exports: each format's columns, words and dates; encodings; broken files."""

import io
import json
from collections.abc import Generator
from datetime import date

import pytest

from casework.registry.importers import base
from casework.registry.importers.base import CsvFormat, FirstLines
from casework.registry.importers.decoding import CHUNK_BYTES, open_text
from casework.registry.importers.registry import FORMATS, formats_for
from casework.registry.importers.rows import BadRow, RegisterRow, UnreadableFile
from casework.registry.models import RegistrationStatus, Regulator
from casework.registry.reference_data import load_reference_data

S = RegistrationStatus


def parse(format_name: str, data: bytes) -> list[RegisterRow | BadRow]:
    return list(FORMATS[format_name].parse(open_text(io.BytesIO(data))))


def rows_of(format_name: str, data: bytes) -> list[RegisterRow]:
    result = parse(format_name, data)
    assert all(isinstance(item, RegisterRow) for item in result), result
    return [item for item in result if isinstance(item, RegisterRow)]


def bad_rows_of(format_name: str, data: bytes) -> list[BadRow]:
    return [item for item in parse(format_name, data) if isinstance(item, BadRow)]


def unreadable(format_name: str, data: bytes) -> str:
    with pytest.raises(UnreadableFile) as problem:
        parse(format_name, data)
    return str(problem.value)


GENERIC_HEADER = (
    "registration_number,name,previous_names,status,conditions,valid_from,valid_until\n"
)


# --- The generic format ---------------------------------------------------------------------


def test_the_generic_csv_reads_every_field() -> None:
    data = (
        GENERIC_HEADER
        + "SW100001,Amara Okafor,Amara Eze; A. Eze,registered,,2019-04-01,2026-11-30\n"
        + 'sw 100002,"Berg, Jonas",,Conditions,"Supervised practice, weekly",2020-01-15,\n'
    ).encode()
    first, second = rows_of("generic-csv", data)
    assert first == RegisterRow(
        line=2,
        registration_number="SW100001",
        name="Amara Okafor",
        previous_names=("Amara Eze", "A. Eze"),
        status=S.REGISTERED,
        conditions="",
        valid_from=date(2019, 4, 1),
        valid_until=date(2026, 11, 30),
    )
    assert second.registration_number == "SW100002"  # spaces dropped, capitals
    assert second.name == "Berg, Jonas"
    assert second.status == S.CONDITIONS
    assert second.conditions == "Supervised practice, weekly"
    assert second.valid_until is None


def test_the_generic_csv_matches_column_names_whatever_their_case_and_spacing() -> None:
    data = b"Registration Number,NAME, Status ,Valid-Until\nX1,Ann Lee,lapsed,2024-02-29\n"
    (row,) = rows_of("generic-csv", data)
    assert (row.registration_number, row.status, row.valid_until) == (
        "X1",
        S.LAPSED,
        date(2024, 2, 29),
    )


def test_a_value_with_a_line_break_keeps_the_line_numbers_of_later_rows() -> None:
    data = (
        GENERIC_HEADER + 'A1,Ann,,registered,"line one\nline two",,\nA2,Bo,,wrong,,,\n'
    ).encode()
    rows = parse("generic-csv", data)
    assert isinstance(rows[0], RegisterRow)
    assert rows[0].conditions == "line one\nline two"
    assert isinstance(rows[1], BadRow)
    assert rows[1].line == 4


def test_the_generic_json_reads_a_list_or_an_entries_object() -> None:
    entry = {
        "registration_number": 4471,
        "name": "Łucja Wójcik",
        "previous_names": ["Łucja Nowak"],
        "status": "suspended",
        "valid_from": "2018-05-02",
    }
    as_list = rows_of("generic-json", json.dumps([entry]).encode())
    as_object = rows_of(
        "generic-json", json.dumps({"exported": "2025-01-01", "entries": [entry]}).encode()
    )
    assert as_list == as_object
    (row,) = as_list
    assert row.registration_number == "4471"
    assert row.name == "Łucja Wójcik"
    assert row.previous_names == ("Łucja Nowak",)
    assert row.status == S.SUSPENDED


def test_json_entries_are_read_across_chunks_with_their_line_numbers() -> None:
    entries = [
        {"registration_number": f"N{i}", "name": f"Person {i}", "status": "registered"}
        for i in range(6000)
    ]
    entries[5999]["status"] = "retired"
    text = "[\n" + ",\n".join(json.dumps(entry) for entry in entries) + "\n]\n"
    assert len(text) > 3 * CHUNK_BYTES
    result = parse("generic-json", text.encode())
    assert len(result) == 6000
    assert result[4321] == RegisterRow(
        line=4323,
        registration_number="N4321",
        name="Person 4321",
        previous_names=(),
        status=S.REGISTERED,
        conditions="",
        valid_from=None,
        valid_until=None,
    )
    assert isinstance(result[5999], BadRow)
    assert result[5999].line == 6001
    assert result[5999].reason.startswith('entry 6000: unknown status "retired"')


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b'[{"registration_number": "1", "name": "A", "status": "registered"},]', "line 1"),
        (b'[\n{"registration_number": "1",\n "name": "A" "status": "x"}]', "line 3"),
        (b'{"entries": [}', "line 1"),
        (b'{"records": []}', 'no "entries" list'),
        (b'[{"registration_number": "1", "name": "A", "status": "registered"}] x', "more after"),
        (b"[]", "no entries"),
        (b"  \n ", "empty"),
        (b'"a string"', "must be a list"),
    ],
)
def test_malformed_json_is_refused_with_where_it_breaks(data: bytes, expected: str) -> None:
    assert expected in unreadable("generic-json", data)


def test_a_json_entry_that_is_not_an_object_is_a_bad_row() -> None:
    (bad,) = bad_rows_of("generic-json", b'[\n"SW1"\n]')
    assert bad == BadRow(line=2, reason="entry 1: an entry must be an object")


# --- Regulators' adapters -------------------------------------------------------------------


def test_the_social_work_england_adapter_reads_its_columns_words_and_day_first_dates() -> None:
    data = (
        b"Registration number,Name,Town,Registration status,Conditions,"
        b"Registered from,Registered until\n"
        b"SW12345,Amara Okafor,Leeds,Registered,,01/04/2019,30/11/2026\n"
        b"SW23456,Jonas Berg,York,Registered with conditions,Supervision,15/01/2020,14/01/2026\n"
        b"SW34567,Dana Ruiz,Hull,Interim suspension order,,02/03/2021,01/03/2027\n"
        b"SW45678,Ola Smith,Bath,Registered,Must not work alone,02/03/2021,\n"
        b"SW56789,Kim Tran,Ely,removal order,,02/03/2015,\n"
    )
    rows = rows_of("social-work-england", data)
    assert [row.status for row in rows] == [
        S.REGISTERED,
        S.CONDITIONS,
        S.SUSPENDED,
        S.CONDITIONS,  # registered, with conditions listed
        S.REMOVED,
    ]
    assert rows[0].valid_from == date(2019, 4, 1)
    assert rows[0].valid_until == date(2026, 11, 30)


def test_the_sssc_adapter_joins_forenames_and_surname_and_reads_written_dates() -> None:
    data = (
        b"Registration number,Forenames,Surname,Part of the register,Registration status,"
        b"Registered from,Registration expiry date\n"
        b"1234567,Morag Ann,MacLeod,Social worker,Registered,12 March 2024,11/03/2029\n"
        b"2345678,Iain,Ross,Social worker,Suspended,01/02/2020,\n"
        b"3456789,Eilidh,Grant,Social worker,Temporary Order,01/02/2020,\n"
    )
    first, second, third = parse("sssc", data)
    assert isinstance(first, RegisterRow)
    assert isinstance(second, RegisterRow)
    assert first.name == "Morag Ann MacLeod"
    assert first.valid_from == date(2024, 3, 12)
    assert first.valid_until == date(2029, 3, 11)
    assert second.status == S.SUSPENDED
    # "Temporary Order" alone could be a suspension or conditions: not guessed.
    assert isinstance(third, BadRow)
    assert third.line == 4
    assert 'unknown status "Temporary Order"' in third.reason


def test_the_ontario_college_adapter_reads_its_glossary_words_and_iso_dates() -> None:
    data = (
        b"Registration Number,Name,Previous Name(s),Class of Certificate,Registration Status,"
        b'"Terms, Conditions and Limitations",Registration Date\n'
        b"812345,Marie Tremblay,Marie Gagnon;M. Gagnon,General,Entitled to Practise,,2012-09-04\n"
        b"823456,Raj Patel,,General,Entitled to Practise,Supervised practice,2015-01-20\n"
        b"834567,Lee Chan,,General,Suspended,,2010-06-30\n"
        b"845678,Sam Roy,,General,Resigned,,2009-01-05\n"
        b"856789,Ann Cole,,General,Revoked,,2008/03/01\n"
        b"867890,Bo Li,,General,Cancelled,,2011-11-11\n"
    )
    rows = rows_of("ontario-college", data)
    assert rows[0].previous_names == ("Marie Gagnon", "M. Gagnon")
    assert [row.status for row in rows] == [
        S.REGISTERED,
        S.CONDITIONS,
        S.SUSPENDED,
        S.LAPSED,
        S.REMOVED,
        S.REMOVED,
    ]
    assert rows[0].valid_from == date(2012, 9, 4)
    assert rows[4].valid_from == date(2008, 3, 1)


def test_the_us_state_board_adapter_reads_license_columns_and_month_first_dates() -> None:
    data = (
        "License Number,License Type,First Name,Middle Name,Last Name,License Status,"
        "Issue Date,Expiration Date\n"
        "LCSW 12345,LCSW,Ana,María,García,Active,01/31/2020,01/31/2026\n"
        "LCSW 23456,LCSW,Tom,,Hale,Probation,02/15/2019,02/15/2025\n"
        "LCSW 34567,LCSW,Jo,,Park,Expired,03/01/2010,03/01/2022\n"
        "LCSW 45678,LCSW,Al,,Diaz,Revoked,03/01/2010,\n"
        "LCSW 56789,LCSW,Cy,,Fox,suspended,03/01/2010,\n"
    ).encode()
    rows = rows_of("us-state-board", data)
    assert rows[0].registration_number == "LCSW12345"
    assert rows[0].name == "Ana María García"
    assert rows[0].valid_from == date(2020, 1, 31)
    assert rows[0].valid_until == date(2026, 1, 31)
    assert [row.status for row in rows] == [
        S.REGISTERED,
        S.CONDITIONS,
        S.LAPSED,
        S.REMOVED,
        S.SUSPENDED,
    ]


def test_an_adapter_refuses_a_date_in_another_format_and_says_which_it_accepts() -> None:
    data = (
        b"License Number,Licensee Name,License Status,Expiration Date\n"
        b"1,Ann Lee,Active,2026-01-31\n"
    )
    (bad,) = bad_rows_of("us-state-board", data)
    assert bad.line == 2
    assert 'valid_until "2026-01-31"' in bad.reason
    assert "mm/dd/yyyy" in bad.reason


def test_formats_offer_a_regulators_own_adapters_then_the_generic_ones(db: None) -> None:
    load_reference_data()
    names = [importer.name for importer in formats_for(Regulator.objects.get(slug="us-ny-op-sw"))]
    assert names == ["us-state-board", "generic-csv", "generic-json"]
    names = [importer.name for importer in formats_for(Regulator.objects.get(slug="hk-swrb"))]
    assert names == ["generic-csv", "generic-json"]
    serving = {slug for importer in FORMATS.values() for slug in importer.regulators}
    assert serving <= set(Regulator.objects.values_list("slug", flat=True))
    adapters = [f for f in FORMATS.values() if isinstance(f, CsvFormat) and f.regulators]
    assert len(adapters) >= 4


# --- Encodings ------------------------------------------------------------------------------


def test_utf8_with_a_byte_order_mark_is_read() -> None:
    data = "\ufeffregistration_number,name,status\n1,José Ñúñez,registered\n".encode()
    (row,) = rows_of("generic-csv", data)
    assert row.name == "José Ñúñez"


def test_utf8_letters_outside_windows_1252_are_read() -> None:
    (row,) = rows_of(
        "generic-csv", "registration_number,name,status\n1,Łucja Wójcik,registered\n".encode()
    )
    assert row.name == "Łucja Wójcik"


def test_a_windows_1252_export_is_read() -> None:
    data = "registration_number,name,status\r\n1,José Muñoz \u2013 Peña,registered\r\n".encode(
        "cp1252"
    )
    (row,) = rows_of("generic-csv", data)
    assert row.name == "José Muñoz \u2013 Peña"


def ascii_head(rows: int = 5000) -> str:
    """A header and ``rows`` plain ASCII rows: more than the first chunk read."""
    lines = [f"{n},Person {n},registered\n" for n in range(1, rows + 1)]
    head = "registration_number,name,status\n" + "".join(lines)
    assert len(head) > CHUNK_BYTES
    return head


def test_a_windows_1252_file_whose_first_64_kib_are_ascii_is_read_whole_as_windows_1252() -> None:
    data = ascii_head().encode() + "5001,Müller \u2013 Ñúñez,registered\n".encode("cp1252")
    rows = rows_of("generic-csv", data)
    assert len(rows) == 5001
    assert rows[-1].name == "Müller \u2013 Ñúñez"
    assert rows[-1].line == 5002
    assert rows[0].name == "Person 1"


def test_a_windows_1252_letter_split_across_two_chunks_is_read() -> None:
    # 0xC3 ("Ã" in Windows-1252) is also how a two-byte UTF-8 letter starts: the first chunk
    # ends on it and the next chunk shows it was not UTF-8.
    head = "registration_number,name,status\n"
    n = 0
    while len(head) < CHUNK_BYTES - 150:
        n += 1
        head += f"{n},Person {n},registered\n"
    padding = CHUNK_BYTES - 1 - len(head) - len("0,Pad ,registered\nZ1,")
    assert 0 <= padding <= 190
    head += f"0,Pad {'x' * padding},registered\nZ1,"
    data = head.encode() + "Ãlvarez,registered\n".encode("cp1252")
    assert data[CHUNK_BYTES - 1] == 0xC3
    result = rows_of("generic-csv", data)
    assert result[-1].name == "Ãlvarez"


def test_a_file_mixing_utf8_letters_and_a_later_windows_1252_byte_is_refused_naming_its_line() -> (
    None
):
    head = "registration_number,name,status\n0,José Ñúñez,registered\n"
    data = (head + ascii_head().split("\n", 1)[1]).encode() + "5001,Müller,r\n".encode("cp1252")
    message = unreadable("generic-csv", data)
    assert "Line 5003 is not UTF-8 text" in message
    assert "mixes encodings" in message


def test_a_utf8_file_with_a_byte_order_mark_stays_utf8_and_refuses_a_later_bad_byte() -> None:
    data = ("\ufeff" + ascii_head()).encode() + "5001,Müller,registered\n".encode("cp1252")
    assert "Line 5002 is not UTF-8 text" in unreadable("generic-csv", data)


def test_a_binary_file_is_refused() -> None:
    message = unreadable("generic-csv", b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00")
    assert "NUL byte" in message
    assert "not a text export" in message


def test_a_utf16_export_is_refused_as_not_text() -> None:
    assert "NUL byte" in unreadable("generic-csv", "registration_number,name\n".encode("utf-16"))


# --- Broken files and bad rows --------------------------------------------------------------


def test_an_empty_file_is_refused() -> None:
    assert unreadable("generic-csv", b"") == "The file is empty."


def test_a_header_without_entries_is_refused() -> None:
    assert "no entries" in unreadable("generic-csv", GENERIC_HEADER.encode())


def test_a_missing_required_column_is_named_with_what_was_expected() -> None:
    message = unreadable("generic-csv", b"registration_number,full_name,status\n1,Ann,registered\n")
    assert 'no "name" column' in message
    assert '"full_name"' in message


def test_an_unclosed_quote_is_refused_naming_the_row() -> None:
    data = (
        GENERIC_HEADER + 'A1,Ann,,registered,,,\nA2,"Bo,,registered,,,\nA3,Cy,,registered,,,\n'
    ).encode()
    message = unreadable("generic-csv", data)
    assert "line 3" in message
    assert "never closed" in message


def test_text_after_a_closing_quote_is_refused() -> None:
    data = b'registration_number,name,status\n1,"Ann" Lee,registered\n'
    assert "line 2" in unreadable("generic-csv", data)


def test_a_row_with_an_unquoted_comma_is_a_bad_row() -> None:
    (bad,) = bad_rows_of("generic-csv", b"registration_number,name,status\n1,Lee, Ann,registered\n")
    assert bad.line == 2
    assert "4 values but the header has 3 columns" in bad.reason


def test_a_shifted_row_is_a_bad_row_even_when_the_extra_value_is_empty() -> None:
    # The trailing empty value would have let every value after the comma move one column.
    data = (
        b"status,name,registration_number,conditions,valid_from,valid_until\n"
        b"registered,Ann Lee,IESW200001,,2020-01-01,2027-01-01\n"
        b"registered,Berg, Jonas,IESW200010,,2027-01-01,\n"
    )
    first, second = parse("generic-csv", data)
    assert isinstance(first, RegisterRow)
    assert second == BadRow(
        line=3,
        reason="this row has 7 values but the header has 6 columns "
        "(is a value with a comma in it not quoted?)",
    )


def test_a_row_with_too_few_values_is_a_bad_row() -> None:
    (bad,) = bad_rows_of("generic-csv", b"registration_number,name,status\n1,Ann Lee\n")
    assert bad.line == 2
    assert "2 values but the header has 3 columns" in bad.reason
    assert "value missing" in bad.reason


@pytest.mark.parametrize(
    "adapter", [f for f in FORMATS.values() if isinstance(f, CsvFormat)], ids=repr
)
def test_every_csv_adapter_refuses_a_row_with_an_extra_value(adapter: CsvFormat) -> None:
    header = [aliases[0] for aliases in adapter.columns.values()]
    row = ["X1", "Ann Lee", "", next(iter(adapter.status_words))]
    row += [""] * (len(header) - len(row))
    text = ",".join(f'"{cell}"' for cell in header) + "\n" + ",".join(row) + ",\n"
    (bad,) = list(adapter.parse(open_text(io.BytesIO(text.encode()))))
    assert isinstance(bad, BadRow)
    assert bad.line == 2
    assert f"{len(header) + 1} values but the header has {len(header)} columns" in bad.reason


def test_a_quoted_value_keeps_its_commas_and_line_breaks() -> None:
    data = (
        GENERIC_HEADER
        + 'IESW200010,"Berg, Jonas",,conditions,"Supervised practice,\nweekly",2020-01-15,\n'
    ).encode()
    (row,) = rows_of("generic-csv", data)
    assert (row.registration_number, row.name) == ("IESW200010", "Berg, Jonas")
    assert row.conditions == "Supervised practice,\nweekly"


def test_format_characters_and_spaces_are_removed_from_numbers_and_names() -> None:
    data = (
        GENERIC_HEADER
        + "SW\u200b100001, \ufeffAmara\u200b Okafor\u00a0,Amara\u00adEze,registered,,,\n"
        + "\u2060sw 100002\u200e,Jonas Berg,,Registered\u200b,,,\n"
    ).encode()
    first, second = rows_of("generic-csv", data)
    assert first.registration_number == "SW100001"
    assert first.name == "Amara Okafor"
    assert first.previous_names == ("AmaraEze",)
    assert second.registration_number == "SW100002"
    assert second.status == S.REGISTERED


def test_a_number_that_is_only_format_characters_is_missing() -> None:
    (bad,) = bad_rows_of(
        "generic-csv", GENERIC_HEADER.encode() + "\u200b,Ann,,registered,,,\n".encode()
    )
    assert "the registration number is missing" in bad.reason


def test_a_duplicate_number_is_a_bad_row_naming_the_earlier_line() -> None:
    data = (
        b"registration_number,name,status\nSW1,Ann,registered\nSW2,Bo,registered\nsw 1,Ann,lapsed\n"
    )
    (bad,) = bad_rows_of("generic-csv", data)
    assert bad == BadRow(line=4, reason="registration number SW1 is already on line 2")


def test_every_later_duplicate_names_the_first_line_however_far_back() -> None:
    # The lines are kept in a temporary table, not in memory: far-back numbers must still be
    # named, and a duplicate never replaces the line of the first.
    lines = [f"SW{n},Ann,registered" for n in range(5000)]
    lines += ["sw 7,Ann,lapsed", "SW4999,Bo,registered", "SW7,Cy,registered"]
    data = ("registration_number,name,status\n" + "\n".join(lines) + "\n").encode()
    assert bad_rows_of("generic-csv", data) == [
        BadRow(line=5002, reason="registration number SW7 is already on line 9"),
        BadRow(line=5003, reason="registration number SW4999 is already on line 5001"),
        BadRow(line=5004, reason="registration number SW7 is already on line 9"),
    ]


def test_a_duplicate_is_named_after_the_rows_other_problems() -> None:
    data = b"registration_number,name,status\nSW1,Ann,registered\nSW1,,retired\n"
    (bad,) = bad_rows_of("generic-csv", data)
    assert bad.line == 3
    problems = bad.reason.split("; ")
    assert problems[0].startswith('unknown status "retired"')
    assert problems[1:] == [
        "the name is missing",
        "registration number SW1 is already on line 2",
    ]


def test_a_bad_row_still_claims_its_number_for_later_duplicates() -> None:
    data = b"registration_number,name,status\nSW1,,registered\nSW1,Ann,registered\n"
    assert bad_rows_of("generic-csv", data) == [
        BadRow(line=2, reason="the name is missing"),
        BadRow(line=3, reason="registration number SW1 is already on line 2"),
    ]


def test_a_duplicate_in_json_names_the_entry_and_the_earlier_line() -> None:
    entries = [
        {"registration_number": "SW1", "name": "Ann", "status": "registered"},
        {"registration_number": "SW2", "name": "Bo", "status": "registered"},
        {"registration_number": "sw1", "name": "Ann", "status": "lapsed"},
    ]
    text = "[\n" + ",\n".join(json.dumps(entry) for entry in entries) + "\n]\n"
    (bad,) = bad_rows_of("generic-json", text.encode())
    assert bad == BadRow(line=4, reason="entry 3: registration number SW1 is already on line 2")


def test_a_reading_left_unfinished_closes_its_table_of_numbers() -> None:
    data = b"registration_number,name,status\nSW1,Ann,registered\nSW2,Bo,registered\n"
    closed: list[FirstLines] = []

    class Watched(FirstLines):
        def close(self) -> None:
            closed.append(self)
            super().close()

    rows = FORMATS["generic-csv"].parse(open_text(io.BytesIO(data)))
    assert isinstance(rows, Generator)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(base, "FirstLines", Watched)
        next(rows)
        assert not closed
        rows.close()  # as when a reading stops at an error
    assert len(closed) == 1


def test_an_unknown_status_is_a_bad_row_naming_the_word() -> None:
    (bad,) = bad_rows_of("generic-csv", b"registration_number,name,status\n1,Ann,Retired\n")
    assert bad.reason.startswith('unknown status "Retired"')
    assert '"registered"' in bad.reason


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("1,Ann,registered,2024-02-30,", 'valid_from "2024-02-30" is not a date'),
        ("1,Ann,registered,31/01/2024,", "(yyyy-mm-dd)"),
        ("1,Ann,registered,2024-05-01,2024-04-01", "valid until (2024-04-01) is before"),
        (",Ann,registered,,", "the registration number is missing"),
        ("1,,registered,,", "the name is missing"),
        ("1,Ann,,,", "the status is missing"),
        ("X" * 41 + ",Ann,registered,,", "longer than 40 characters"),
        ("1," + "A" * 201 + ",registered,,", "longer than 200 characters"),
    ],
)
def test_a_row_breaking_a_rule_is_a_bad_row_with_the_reason(row: str, expected: str) -> None:
    header = "registration_number,name,status,valid_from,valid_until\n"
    (bad,) = bad_rows_of("generic-csv", (header + row + "\n").encode())
    assert bad.line == 2
    assert expected in bad.reason


def test_every_problem_of_a_row_is_reported_together() -> None:
    (bad,) = bad_rows_of(
        "generic-csv", b"registration_number,name,status,valid_from\n1,,gone,yesterday\n"
    )
    assert "the name is missing" in bad.reason
    assert 'unknown status "gone"' in bad.reason
    assert 'valid_from "yesterday"' in bad.reason


def test_blank_lines_are_skipped() -> None:
    rows = rows_of("generic-csv", b"registration_number,name,status\n\n1,Ann,registered\n\n")
    assert [row.line for row in rows] == [3]
