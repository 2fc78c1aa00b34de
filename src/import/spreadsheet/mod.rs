//! Reading an uploaded file into grids of cell texts: .xlsx (with calamine) or CSV (UTF-8, or
//! Shift_JIS as Japanese Excel saves it). Merged cells are filled with their top-left value,
//! as a person reading the sheet sees them; positions stay those of the file, so problems can
//! name the row and column the person sees in their spreadsheet program.

mod xlsx;

use calamine::Data;

/// Files larger than this are refused (the official tables of a whole city are ~100 KB).
pub const MAX_FILE_BYTES: usize = 5 * 1024 * 1024;
/// Rows (over all sheets) beyond this are refused.
pub const MAX_ROWS: usize = 20_000;
/// Columns read per sheet; the layouts use fewer than 15.
pub const MAX_COLUMNS: usize = 60;

/// One worksheet (or the CSV file) as text, row by row from the sheet's first row.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    pub name: String,
    /// `rows[r][c]` is the text of row r+1, column c (A = 0); merged areas repeat their value.
    pub rows: Vec<Vec<String>>,
    /// Whether each cell (row-major, `width` cells a row) is covered by a merged area other
    /// than as its top-left cell; empty when nothing is merged.
    pub merged: Vec<bool>,
    /// The width `merged` is laid out with.
    pub width: usize,
}

impl Grid {
    /// A grid without merged cells.
    pub fn new(name: String, rows: Vec<Vec<String>>) -> Self {
        Self {
            name,
            rows,
            merged: Vec::new(),
            width: 0,
        }
    }

    /// The text of a cell, "" outside the grid.
    pub fn cell(&self, row: usize, col: usize) -> &str {
        self.rows
            .get(row)
            .and_then(|r| r.get(col))
            .map(String::as_str)
            .unwrap_or("")
    }

    /// Whether the cell repeats the value of a merged area started above or to the left.
    pub fn is_merged_copy(&self, row: usize, col: usize) -> bool {
        col < self.width
            && self
                .merged
                .get(row * self.width + col)
                .copied()
                .unwrap_or(false)
    }
}

/// Why a file could not be read, as said to the person who uploaded it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error("ファイルが選択されていません。")]
    Empty,
    #[error(
        "ファイルが大きすぎます（{size}）。取り込めるのは5MBまでです。部ごとにファイルを分けてください。"
    )]
    TooLarge { size: String },
    #[error("行数が多すぎます（{rows}行）。取り込めるのは全シート合わせて{max}行までです。", max = MAX_ROWS)]
    TooManyRows { rows: usize },
    #[error(
        "マクロを含むファイル（.xlsm など）は安全のため取り込めません。マクロなしの Excel ブック（.xlsx）として保存し直してください。"
    )]
    Macro,
    #[error(
        "古い形式の Excel ファイル（.xls）は取り込めません。Excel で「Excel ブック（.xlsx）」として保存し直してください。"
    )]
    LegacyExcel,
    #[error(
        "ファイルを読み取れませんでした。壊れているか、Excel ブック（.xlsx）または CSV ではありません。"
    )]
    Corrupt,
    #[error(
        "ファイルの中身が大きすぎるか複雑すぎるため、安全のため読み取りを中止しました（展開後の大きさ、セルの文字数、結合セルの数などが上限を超えています）。不要なシートや書式を削除し、値だけを貼り付けたブックで取り込んでください。"
    )]
    TooComplex,
    #[error(
        "ファイル形式が分かりません。Excel ブック（.xlsx）または CSV（.csv）を選んでください。"
    )]
    UnknownFormat,
}

/// Reads an uploaded file by its content (the name's extension only breaks ties).
pub fn read(filename: &str, bytes: &[u8]) -> Result<Vec<Grid>, ReadError> {
    if bytes.is_empty() {
        return Err(ReadError::Empty);
    }
    if bytes.len() > MAX_FILE_BYTES {
        return Err(ReadError::TooLarge {
            size: format!("{:.1}MB", bytes.len() as f64 / (1024.0 * 1024.0)),
        });
    }
    let lower = filename.to_lowercase();
    let grids = if bytes.starts_with(b"PK\x03\x04") {
        xlsx::read(bytes)?
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        // An OLE compound file: a legacy .xls workbook (or another Office binary format).
        return Err(ReadError::LegacyExcel);
    } else if lower.ends_with(".csv") || lower.ends_with(".txt") {
        vec![read_csv(filename, bytes)?]
    } else if lower.ends_with(".xlsx") || lower.ends_with(".xlsm") {
        return Err(ReadError::Corrupt);
    } else {
        return Err(ReadError::UnknownFormat);
    };
    let rows: usize = grids.iter().map(|g| g.rows.len()).sum();
    if rows > MAX_ROWS {
        return Err(ReadError::TooManyRows { rows });
    }
    Ok(grids)
}

/// A cell as the text a person sees (numbers without a trailing ".0").
pub(super) fn cell_text(value: &Data) -> String {
    match value {
        Data::Empty => String::new(),
        Data::String(s) => crate::domain::text::clean(s).into_owned(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        other => other.to_string(),
    }
}

fn read_csv(filename: &str, bytes: &[u8]) -> Result<Grid, ReadError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => {
            let (text, _, had_errors) = encoding_rs::SHIFT_JIS.decode(bytes);
            if had_errors {
                return Err(ReadError::Corrupt);
            }
            text.into_owned()
        }
    };
    if text.contains('\0') {
        return Err(ReadError::Corrupt);
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|_| ReadError::Corrupt)?;
        rows.push(
            record
                .iter()
                .take(MAX_COLUMNS)
                .map(|c| crate::domain::text::clean(c).into_owned())
                .collect(),
        );
        if rows.len() > MAX_ROWS {
            return Err(ReadError::TooManyRows { rows: rows.len() });
        }
    }
    let name = filename
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(filename)
        .trim_end_matches(".csv")
        .to_owned();
    Ok(Grid::new(name, rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shift_jis_csv_is_read_as_japanese() {
        let (sjis, _, _) =
            encoding_rs::SHIFT_JIS.encode("部,組織目標\r\n総務部,\"改行\nあり\"\r\n");
        let grids = read("目標.csv", &sjis).unwrap();
        assert_eq!(grids[0].rows[1], vec!["総務部", "改行\nあり"]);
        assert_eq!(grids[0].name, "目標");
    }

    #[test]
    fn utf8_bom_is_dropped() {
        let grids = read("a.csv", "\u{feff}部,課等\n".as_bytes()).unwrap();
        assert_eq!(grids[0].rows[0][0], "部");
    }

    #[test]
    fn garbage_is_refused_by_content_not_name() {
        assert_eq!(read("a.xlsx", b"not a zip"), Err(ReadError::Corrupt));
        assert_eq!(read("a.xlsx", b"PK\x03\x04broken"), Err(ReadError::Corrupt));
        assert_eq!(read("a.pdf", b"%PDF-1.4"), Err(ReadError::UnknownFormat));
        assert_eq!(
            read("a.xls", &[0xD0, 0xCF, 0x11, 0xE0, 0, 0]),
            Err(ReadError::LegacyExcel)
        );
        assert_eq!(read("a.csv", b""), Err(ReadError::Empty));
    }

    #[test]
    fn too_many_csv_rows_are_refused() {
        let text = "a\n".repeat(MAX_ROWS + 1);
        assert!(matches!(
            read("a.csv", text.as_bytes()),
            Err(ReadError::TooManyRows { .. })
        ));
    }
}
