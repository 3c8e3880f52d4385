//! Campaign contact lists: a pure parser for the CSV file a supervisor uploads.
//!
//! The core never reads files; the caller hands [`parse_contacts`] the file's
//! text. The format is RFC 4180 CSV: fields are separated by commas, a field
//! in double quotes may hold commas, line breaks and doubled quotes (`""`),
//! and lines end in `\n`, `\r\n` or `\r`. A leading UTF-8 byte-order mark is
//! ignored.
//!
//! - **The header.** The first line that is not blank names the columns.
//!   Names are trimmed of surrounding whitespace; each is 1 to 80 ASCII
//!   letters, digits, `_` or `-`, and no two are the same ignoring case. One
//!   column must be named `number` (in any case): it holds the number to dial.
//!   Every other column becomes one of the contact's values, shown to the
//!   agent in the preview before the call is placed, under the column's name
//!   as the header spells it.
//! - **The rows.** Every later line is one contact. Values are trimmed of
//!   surrounding whitespace, and blank lines (a line whose fields are all
//!   empty) are skipped. A row is left out, with its line and the reason, when
//!   it has a different number of fields than the header, when any of its
//!   values is longer than 256 characters, when its number is not a valid
//!   [`DialNumber`](crate::dialnum::DialNumber), or when its number (once
//!   normalized) is already on an earlier row that was kept. The other rows
//!   are kept, in file order.
//! - **The whole file** is refused (one sentence saying why) when it is empty,
//!   when its header breaks a rule above, or when it holds more than
//!   1,000,000 contacts.
//!
//! Line numbers are the 1-based line of the file on which a row starts, so a
//! row after a quoted field that spans lines is numbered as an editor shows it.

use std::collections::{BTreeMap, BTreeSet};

use crate::dialnum::DialNumber;

/// One contact of a list: the number to dial and the other columns' values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contact {
    /// The line of the file the row starts on (1 is the header).
    pub line: u32,
    pub number: DialNumber,
    /// The values of `ContactList::columns`, in that order.
    pub values: Vec<String>,
}

/// The contacts of a list that were kept, in file order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContactList {
    /// The columns other than `number`, as the header names them (in file order).
    pub columns: Vec<String>,
    pub contacts: Vec<Contact>,
}

/// A row that was left out, and why (one sentence naming what is wrong).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    pub line: u32,
    pub message: String,
}

/// The most contacts one list holds.
const MAX_CONTACTS: usize = 1_000_000;
/// The most characters (not bytes) one value holds.
const MAX_VALUE_CHARS: usize = 256;
/// The most characters one column name holds.
const MAX_NAME_CHARS: usize = 80;
/// The name of the column holding the numbers to dial (matched ignoring case).
const NUMBER_COLUMN: &str = "number";

/// Parses a contact list. `Err` when the file as a whole cannot be used (one sentence);
/// otherwise the good rows and, for every bad row, its line and why it was left out.
pub fn parse_contacts(text: &str) -> Result<(ContactList, Vec<RowError>), String> {
    parse_with_limit(text, MAX_CONTACTS)
}

/// [`parse_contacts`] with the most contacts as a parameter (so tests can reach it).
fn parse_with_limit(
    text: &str,
    max_contacts: usize,
) -> Result<(ContactList, Vec<RowError>), String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut lines = LineCounter::new(text);
    let mut record = csv::ByteRecord::new();
    let mut header: Option<Header> = None;
    let mut list = ContactList::default();
    let mut errors = Vec::new();
    let mut seen: BTreeMap<DialNumber, u32> = BTreeMap::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(format!("the file cannot be read as CSV: {e}")),
        }
        let fields: Vec<String> = record
            .iter()
            .map(|f| String::from_utf8_lossy(f).trim().to_string())
            .collect();
        if fields.iter().all(String::is_empty) {
            continue;
        }
        let Some(head) = &header else {
            let head = read_header(&fields)?;
            list.columns = head.columns.clone();
            header = Some(head);
            continue;
        };
        // csv's own `Position::line()` counts from before the blank lines it skips
        // (and misses `\r\n`), so the line is counted here from the record's byte.
        let line = lines.line_at(record.position().map_or(0, csv::Position::byte));
        match read_row(line, fields, head, &seen) {
            Ok(contact) => {
                if list.contacts.len() >= max_contacts {
                    let most = grouped(max_contacts);
                    return Err(format!(
                        "the file holds more than {most} contacts; a list holds at most {most}, so split it into smaller lists"
                    ));
                }
                seen.insert(contact.number.clone(), contact.line);
                list.contacts.push(contact);
            }
            Err(message) => errors.push(RowError { line, message }),
        }
    }
    if header.is_none() {
        return Err(
            "the file is empty; the first line must name the columns, one of them \"number\""
                .to_string(),
        );
    }
    Ok((list, errors))
}

/// What the header says.
struct Header {
    /// How many fields every row has.
    width: usize,
    /// Which field holds the number.
    number_at: usize,
    /// The names of the other fields, in order.
    columns: Vec<String>,
    /// The names of all fields, in order (to name a column in a message).
    names: Vec<String>,
}

/// Checks the header's names (already trimmed).
fn read_header(fields: &[String]) -> Result<Header, String> {
    let mut lowered = BTreeSet::new();
    let mut number_at = None;
    let mut columns = Vec::new();
    for (i, name) in fields.iter().enumerate() {
        let valid = (1..=MAX_NAME_CHARS).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !valid {
            return Err(format!(
                "column {} of the header ({}) is not a valid name: use 1 to {MAX_NAME_CHARS} letters, digits, _ or -",
                i + 1,
                quoted(name),
            ));
        }
        if !lowered.insert(name.to_ascii_lowercase()) {
            return Err(format!("column \"{name}\" appears twice in the header"));
        }
        if name.eq_ignore_ascii_case(NUMBER_COLUMN) {
            number_at = Some(i);
        } else {
            columns.push(name.clone());
        }
    }
    let Some(number_at) = number_at else {
        return Err(
            "the header has no \"number\" column; name the column holding the numbers to dial \"number\""
                .to_string(),
        );
    };
    Ok(Header {
        width: fields.len(),
        number_at,
        columns,
        names: fields.to_vec(),
    })
}

/// Checks one row (fields already trimmed) and makes it a contact.
fn read_row(
    line: u32,
    fields: Vec<String>,
    header: &Header,
    seen: &BTreeMap<DialNumber, u32>,
) -> Result<Contact, String> {
    if fields.len() != header.width {
        return Err(format!(
            "line {line} has {}; the header has {}",
            count(fields.len(), "field", "fields"),
            header.width
        ));
    }
    for (name, value) in header.names.iter().zip(&fields) {
        let chars = value.chars().count();
        if chars > MAX_VALUE_CHARS {
            return Err(format!(
                "line {line}: the \"{name}\" value has {chars} characters; a value holds at most {MAX_VALUE_CHARS} characters"
            ));
        }
    }
    let mut raw = String::new();
    let mut values = Vec::with_capacity(header.columns.len());
    for (i, value) in fields.into_iter().enumerate() {
        if i == header.number_at {
            raw = value;
        } else {
            values.push(value);
        }
    }
    if raw.is_empty() {
        return Err(format!("line {line} has no number to dial"));
    }
    let number = DialNumber::parse(&raw)
        .map_err(|e| format!("line {line}: {} is not a dial number: {e}", quoted(&raw)))?;
    if let Some(first) = seen.get(&number) {
        return Err(format!("line {line}: {number} is already on line {first}"));
    }
    Ok(Contact {
        line,
        number,
        values,
    })
}

/// Finds the line a record starts on from its byte offset, moving forward only.
struct LineCounter<'a> {
    bytes: &'a [u8],
    /// The offset counted up to.
    at: usize,
    /// The line `at` is on.
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> Self {
        LineCounter {
            bytes: text.as_bytes(),
            at: 0,
            line: 1,
        }
    }

    /// The line of the record csv places at `byte`: csv places a record before the
    /// line ends it skips, so those are skipped here too. `\r\n`, `\n` and a lone
    /// `\r` each end a line.
    fn line_at(&mut self, byte: u64) -> u32 {
        let mut start = usize::try_from(byte)
            .unwrap_or(usize::MAX)
            .min(self.bytes.len());
        while matches!(self.bytes.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        if start > self.at {
            let ends = self
                .bytes
                .get(self.at..start)
                .unwrap_or(&[])
                .iter()
                .enumerate()
                .filter(|&(i, &b)| {
                    b == b'\n' || (b == b'\r' && self.bytes.get(self.at + i + 1) != Some(&b'\n'))
                })
                .count();
            self.line = self.line.saturating_add(ends as u64);
            self.at = start;
        }
        u32::try_from(self.line).unwrap_or(u32::MAX)
    }
}

/// `text` in double quotes, with control characters escaped and cut at 80 characters.
fn quoted(text: &str) -> String {
    const SHOWN: usize = 80;
    if text.chars().count() > SHOWN {
        let mut cut: String = text.chars().take(SHOWN).collect();
        cut.push('…');
        format!("{cut:?}")
    } else {
        format!("{text:?}")
    }
}

/// "1 field", "3 fields".
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `n` with thousands separated by commas: 1000000 is "1,000,000".
fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn dn(text: &str) -> DialNumber {
        DialNumber::parse(text).unwrap()
    }

    fn contact(line: u32, number: &str, values: &[&str]) -> Contact {
        Contact {
            line,
            number: dn(number),
            values: values.iter().map(|v| v.to_string()).collect(),
        }
    }

    fn row_error(line: u32, message: &str) -> RowError {
        RowError {
            line,
            message: message.to_string(),
        }
    }

    fn parse_ok(text: &str) -> (ContactList, Vec<RowError>) {
        parse_contacts(text).unwrap_or_else(|e| panic!("{text:?} was refused: {e}"))
    }

    #[test]
    fn reads_a_good_file() {
        let (list, errors) = parse_ok(
            "number,name,company\n\
             +1 (555) 123-0001,Ada Lovelace,Analytical\n\
             +15551230002,Grace Hopper,Navy\n\
             1001,Front desk,\n",
        );
        assert_eq!(errors, vec![]);
        assert_eq!(list.columns, vec!["name", "company"]);
        assert_eq!(
            list.contacts,
            vec![
                contact(2, "+15551230001", &["Ada Lovelace", "Analytical"]),
                contact(3, "+15551230002", &["Grace Hopper", "Navy"]),
                contact(4, "1001", &["Front desk", ""]),
            ]
        );
    }

    #[test]
    fn reads_a_file_without_a_final_line_end() {
        let (list, errors) = parse_ok("number\n1001\n1002");
        assert_eq!(errors, vec![]);
        assert_eq!(list.columns, Vec::<String>::new());
        assert_eq!(
            list.contacts,
            vec![contact(2, "1001", &[]), contact(3, "1002", &[])]
        );
    }

    #[test]
    fn the_number_column_may_be_anywhere_in_any_case_and_names_and_values_are_trimmed() {
        let (list, errors) = parse_ok(" Name , NUMBER ,note-1\n  Ada  , 1001 ,  first call \n");
        assert_eq!(errors, vec![]);
        assert_eq!(list.columns, vec!["Name", "note-1"]);
        assert_eq!(
            list.contacts,
            vec![contact(2, "1001", &["Ada", "first call"])]
        );
    }

    #[test]
    fn quoted_fields_hold_commas_quotes_and_line_breaks() {
        let text = "number,name,note\n\
                    1001,\"Lovelace, Ada\",\"said \"\"hi\"\"\"\n\
                    1002,Grace,\"line one\nline two\nline three\"\n\
                    1003,\"Multi\nline, name\",plain\n\
                    1004,Last,\n";
        let (list, errors) = parse_ok(text);
        assert_eq!(errors, vec![]);
        assert_eq!(
            list.contacts,
            vec![
                contact(2, "1001", &["Lovelace, Ada", "said \"hi\""]),
                contact(3, "1002", &["Grace", "line one\nline two\nline three"]),
                contact(6, "1003", &["Multi\nline, name", "plain"]),
                contact(8, "1004", &["Last", ""]),
            ]
        );
    }

    #[test]
    fn a_bad_row_after_a_multi_line_field_has_the_right_line() {
        let text = "number,note\n1001,\"a\nb\nc\"\n12,x\n";
        let (list, errors) = parse_ok(text);
        assert_eq!(list.contacts, vec![contact(2, "1001", &["a\nb\nc"])]);
        assert_eq!(
            errors,
            vec![row_error(
                5,
                "line 5: \"12\" is not a dial number: \"12\" holds 2 digit(s) once stripped; a dial number needs at least 3"
            )]
        );
    }

    #[test]
    fn a_leading_bom_is_ignored() {
        let (list, errors) = parse_ok("\u{feff}number,name\n1001,Ada\n");
        assert_eq!(errors, vec![]);
        assert_eq!(list.columns, vec!["name"]);
        assert_eq!(list.contacts, vec![contact(2, "1001", &["Ada"])]);
    }

    #[test]
    fn blank_lines_are_skipped_and_counted() {
        let text = "\n\nnumber,name\n\n1001,Ada\n   \n , \n\n1002,Grace\n\n";
        let (list, errors) = parse_ok(text);
        assert_eq!(errors, vec![]);
        assert_eq!(
            list.contacts,
            vec![contact(5, "1001", &["Ada"]), contact(9, "1002", &["Grace"])]
        );
    }

    #[test]
    fn every_kind_of_line_end_counts_one_line() {
        for (text, lines) in [
            ("number\r\n1001\r\n\r\n1002\r\n", [2, 4]),
            ("number\r1001\r\r1002\r", [2, 4]),
            ("number\n1001\r\n\r1002", [2, 4]),
            ("number\r\n\"1001\r\n\"\r\n1002\r\n", [2, 4]),
        ] {
            let (list, errors) = parse_ok(text);
            assert_eq!(errors, vec![], "{text:?}");
            let got: Vec<u32> = list.contacts.iter().map(|c| c.line).collect();
            assert_eq!(got, lines, "{text:?}");
        }
    }

    #[test]
    fn refuses_files_that_cannot_be_used() {
        let empty =
            "the file is empty; the first line must name the columns, one of them \"number\"";
        let no_number = "the header has no \"number\" column; name the column holding the numbers to dial \"number\"";
        let long = "a".repeat(81);
        let long_error = format!(
            "column 2 of the header (\"{}…\") is not a valid name: use 1 to 80 letters, digits, _ or -",
            "a".repeat(80)
        );
        let long_header = format!("number,{long}\n");
        for (text, error) in [
            ("", empty.to_string()),
            ("\u{feff}", empty.to_string()),
            ("\n\n\r\n", empty.to_string()),
            ("  \n,,\n \t , \n", empty.to_string()),
            ("name,phone\n1001,Ada\n", no_number.to_string()),
            ("numbers\n1001\n", no_number.to_string()),
            (
                "name,number,a b\n",
                "column 3 of the header (\"a b\") is not a valid name: use 1 to 80 letters, digits, _ or -".to_string(),
            ),
            (
                "number,\n",
                "column 2 of the header (\"\") is not a valid name: use 1 to 80 letters, digits, _ or -".to_string(),
            ),
            (
                "número,number\n",
                "column 1 of the header (\"número\") is not a valid name: use 1 to 80 letters, digits, _ or -".to_string(),
            ),
            (
                "number,\"a\nb\"\n",
                "column 2 of the header (\"a\\nb\") is not a valid name: use 1 to 80 letters, digits, _ or -".to_string(),
            ),
            (long_header.as_str(), long_error),
            (
                "number,name,Name\n",
                "column \"Name\" appears twice in the header".to_string(),
            ),
            (
                "Number,name,NUMBER\n",
                "column \"NUMBER\" appears twice in the header".to_string(),
            ),
        ] {
            assert_eq!(parse_contacts(text), Err(error), "{text:?}");
        }
    }

    #[test]
    fn a_header_name_of_80_characters_is_valid() {
        let name = "x".repeat(80);
        let (list, _) = parse_ok(&format!("number,{name},a_b-9\n"));
        assert_eq!(list.columns, vec![name.as_str(), "a_b-9"]);
    }

    #[test]
    fn a_header_alone_is_an_empty_list() {
        assert_eq!(
            parse_contacts("number,name\n"),
            Ok((
                ContactList {
                    columns: vec!["name".to_string()],
                    contacts: vec![]
                },
                vec![]
            ))
        );
    }

    #[test]
    fn leaves_out_bad_rows_with_their_line_and_reason() {
        let long = "v".repeat(257);
        let cases: Vec<(String, RowError)> = vec![
            (
                "1001,a,b,c\n".to_string(),
                row_error(2, "line 2 has 4 fields; the header has 3"),
            ),
            (
                "1001,a\n".to_string(),
                row_error(2, "line 2 has 2 fields; the header has 3"),
            ),
            (
                "1001\n".to_string(),
                row_error(2, "line 2 has 1 field; the header has 3"),
            ),
            (
                "12,a,b\n".to_string(),
                row_error(
                    2,
                    "line 2: \"12\" is not a dial number: \"12\" holds 2 digit(s) once stripped; a dial number needs at least 3",
                ),
            ),
            (
                "12+34,a,b\n".to_string(),
                row_error(
                    2,
                    "line 2: \"12+34\" is not a dial number: \"12+34\" has a + that does not lead the number",
                ),
            ),
            (
                "+1201553244,a,b\n".to_string(),
                row_error(
                    2,
                    "line 2: \"+1201553244\" is not a dial number: \"+1201553244\" is a +1 number with 10 digits; the US form is +1, a 3-digit area code and 7 digits",
                ),
            ),
            (
                " ,a,b\n".to_string(),
                row_error(2, "line 2 has no number to dial"),
            ),
            (
                format!("1001,{long},b\n"),
                row_error(
                    2,
                    "line 2: the \"name\" value has 257 characters; a value holds at most 256 characters",
                ),
            ),
            (
                format!("1001,a,\"{long}\"\n"),
                row_error(
                    2,
                    "line 2: the \"note\" value has 257 characters; a value holds at most 256 characters",
                ),
            ),
            (
                format!("{},a,b\n", "1".repeat(257)),
                row_error(
                    2,
                    "line 2: the \"number\" value has 257 characters; a value holds at most 256 characters",
                ),
            ),
        ];
        for (row, error) in cases {
            let text = format!("number,name,note\n{row}");
            let (list, errors) = parse_ok(&text);
            assert_eq!(list.contacts, vec![], "{row:?}");
            assert_eq!(errors, vec![error], "{row:?}");
        }
    }

    #[test]
    fn values_are_limited_in_characters_not_bytes() {
        let at_most = "é".repeat(256);
        let (list, errors) = parse_ok(&format!("number,name\n1001,{at_most}\n"));
        assert_eq!(errors, vec![]);
        assert_eq!(list.contacts, vec![contact(2, "1001", &[&at_most])]);

        let over = "é".repeat(257);
        let (list, errors) = parse_ok(&format!("number,name\n1001,{over}\n"));
        assert_eq!(list.contacts, vec![]);
        assert_eq!(
            errors,
            vec![row_error(
                2,
                "line 2: the \"name\" value has 257 characters; a value holds at most 256 characters"
            )]
        );
    }

    #[test]
    fn a_value_is_measured_once_trimmed() {
        let text = format!("number,name\n1001,  {}  \n", "v".repeat(256));
        let (list, errors) = parse_ok(&text);
        assert_eq!(errors, vec![]);
        assert_eq!(list.contacts.len(), 1);
    }

    #[test]
    fn a_number_already_kept_is_left_out() {
        let text = "number,name\n\
                    +1 555 123 0001,Ada\n\
                    1001,Front desk\n\
                    +15551230002,Grace\n\
                    (555) 123-0001,Not the same number\n\
                    +15551230001,Ada again\n\
                    +1-555-123-0002,Grace again\n";
        let (list, errors) = parse_ok(text);
        assert_eq!(
            list.contacts,
            vec![
                contact(2, "+15551230001", &["Ada"]),
                contact(3, "1001", &["Front desk"]),
                contact(4, "+15551230002", &["Grace"]),
                contact(5, "5551230001", &["Not the same number"]),
            ]
        );
        assert_eq!(
            errors,
            vec![
                row_error(6, "line 6: +15551230001 is already on line 2"),
                row_error(7, "line 7: +15551230002 is already on line 4"),
            ]
        );
    }

    #[test]
    fn a_number_on_a_row_left_out_is_not_taken() {
        let text = "number,name\n1001,Ada,extra\n1001,Ada\n";
        let (list, errors) = parse_ok(text);
        assert_eq!(list.contacts, vec![contact(3, "1001", &["Ada"])]);
        assert_eq!(
            errors,
            vec![row_error(2, "line 2 has 3 fields; the header has 2")]
        );
    }

    #[test]
    fn keeps_the_good_rows_around_the_bad_ones() {
        let text = "number,name,note\n\
                    1001,Ada,first\n\
                    12,Bad,number\n\
                    1002,Grace,\"two\nlines\"\n\
                    1003,Short\n\
                    \n\
                    1001,Ada,again\n\
                    1004,Alan,last\n";
        let (list, errors) = parse_ok(text);
        assert_eq!(
            list.contacts,
            vec![
                contact(2, "1001", &["Ada", "first"]),
                contact(4, "1002", &["Grace", "two\nlines"]),
                contact(9, "1004", &["Alan", "last"]),
            ]
        );
        let lines: Vec<u32> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![3, 6, 8]);
        assert_eq!(errors[1].message, "line 6 has 2 fields; the header has 3");
        assert_eq!(errors[2].message, "line 8: 1001 is already on line 2");
    }

    #[test]
    fn refuses_a_list_over_the_limit() {
        let text = "number\n1001\n1002\n12\n1003\n";
        let (list, errors) = parse_with_limit(text, 3).unwrap();
        assert_eq!(list.contacts.len(), 3);
        assert_eq!(errors.len(), 1);
        assert_eq!(
            parse_with_limit(&format!("{text}1004\n"), 3),
            Err(
                "the file holds more than 3 contacts; a list holds at most 3, so split it into smaller lists"
                    .to_string()
            )
        );
    }

    #[test]
    fn the_limit_is_a_million_contacts() {
        assert_eq!(MAX_CONTACTS, 1_000_000);
        let mut text = String::from("number\n");
        for i in 0..=MAX_CONTACTS {
            text.push_str(&format!("{}\n", 10_000_000 + i));
        }
        assert_eq!(
            parse_contacts(&text),
            Err("the file holds more than 1,000,000 contacts; a list holds at most 1,000,000, so split it into smaller lists".to_string())
        );
    }

    #[test]
    fn groups_thousands() {
        for (n, text) in [
            (0, "0"),
            (3, "3"),
            (999, "999"),
            (1000, "1,000"),
            (123_456, "123,456"),
            (1_000_000, "1,000,000"),
        ] {
            assert_eq!(grouped(n), text);
        }
    }

    /// Checks what holds for every list the parser returns.
    fn check_invariants(list: &ContactList, errors: &[RowError]) -> Result<(), TestCaseError> {
        let mut numbers = BTreeSet::new();
        let mut last_line = 1;
        for c in &list.contacts {
            let reparsed = DialNumber::parse(c.number.as_str());
            prop_assert_eq!(reparsed.as_ref(), Ok(&c.number));
            prop_assert_eq!(c.values.len(), list.columns.len());
            for v in &c.values {
                prop_assert!(v.chars().count() <= MAX_VALUE_CHARS);
                prop_assert_eq!(v.trim(), v.as_str());
            }
            prop_assert!(
                c.line > last_line,
                "lines rise: {} after {}",
                c.line,
                last_line
            );
            last_line = c.line;
            prop_assert!(numbers.insert(c.number.clone()), "{} twice", c.number);
        }
        for e in errors {
            prop_assert!(e.line >= 2);
            prop_assert!(!e.message.is_empty());
            prop_assert!(list.contacts.iter().all(|c| c.line != e.line));
        }
        Ok(())
    }

    /// How many lines `text` ends: `\r\n`, `\n` and a lone `\r` each end one.
    fn line_ends(text: &str) -> u32 {
        let ends =
            text.matches('\n').count() + text.matches('\r').count() - text.matches("\r\n").count();
        u32::try_from(ends).unwrap_or(u32::MAX)
    }

    proptest! {
        /// Any text: no panic, and what is kept is well formed.
        #[test]
        fn never_panics_on_any_text(text in "\\PC{0,400}") {
            if let Ok((list, errors)) = parse_contacts(&text) {
                check_invariants(&list, &errors)?;
            }
        }

        /// CSV-like text under a valid header: no panic, and what is kept is well formed.
        #[test]
        fn never_panics_on_csv_like_text(
            header in prop::sample::select(vec!["number", "number,name", "name,Number,note", "\u{feff}a,number"]),
            body in "[0-9+ ,\"\r\n#*:a-zé\u{feff}]{0,300}",
        ) {
            let text = format!("{header}\n{body}");
            let (list, errors) = parse_contacts(&text)
                .map_err(|e| TestCaseError::fail(format!("refused: {e}")))?;
            check_invariants(&list, &errors)?;
        }

        /// A list written by a CSV writer reads back: every row kept, with its values
        /// and the line it starts on.
        #[test]
        fn reads_back_what_a_csv_writer_wrote(
            rows in prop::collection::btree_map(
                1_000_000u32..10_000_000,
                ("[a-zA-Z0-9 ,\"\n\r]{0,20}", "[a-z,\"\n]{0,10}"),
                0..30,
            ),
        ) {
            let mut writer = csv::Writer::from_writer(Vec::new());
            writer.write_record(["name", "number", "note"]).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let mut expected = Vec::new();
            let mut line = 2u32;
            for (n, (name, note)) in &rows {
                let number = format!("+1 555 {n}");
                writer.write_record([name.as_str(), number.as_str(), note.as_str()])
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                expected.push(Contact {
                    line,
                    number: dn(&format!("+1555{n}")),
                    values: vec![name.trim().to_string(), note.trim().to_string()],
                });
                line += 1 + line_ends(name) + line_ends(note);
            }
            let bytes = writer.into_inner().map_err(|e| TestCaseError::fail(e.to_string()))?;
            let text = String::from_utf8(bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let (list, errors) = parse_contacts(&text)
                .map_err(|e| TestCaseError::fail(format!("refused: {e}")))?;
            prop_assert_eq!(errors, vec![]);
            prop_assert_eq!(list.columns, vec!["name".to_string(), "note".to_string()]);
            prop_assert_eq!(list.contacts, expected);
        }
    }
}
