//! Reading an uploaded file into grids of cell texts: .xlsx (with calamine) or CSV (UTF-8, or
//! Shift_JIS as Japanese Excel saves it). Merged cells are filled with their top-left value,
//! as a person reading the sheet sees them; positions stay those of the file, so problems can
//! name the row and column the person sees in their spreadsheet program.

use calamine::{Data, Reader, Xlsx};
use std::io::Cursor;

/// Files larger than this are refused (the official tables of a whole city are ~100 KB).
pub const MAX_FILE_BYTES: usize = 5 * 1024 * 1024;
/// Rows (over all sheets) beyond this are refused.
pub const MAX_ROWS: usize = 20_000;
/// Columns read per sheet; the layouts use fewer than 15.
const MAX_COLUMNS: usize = 60;

/// One worksheet (or the CSV file) as text, row by row from the sheet's first row.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    pub name: String,
    /// `rows[r][c]` is the text of row r+1, column c (A = 0); merged areas repeat their value.
    pub rows: Vec<Vec<String>>,
    /// Cells covered by a merged area other than its top-left cell.
    pub merged: Vec<(usize, usize)>,
}

impl Grid {
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
        self.merged.contains(&(row, col))
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
        read_xlsx(bytes)?
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

fn read_xlsx(bytes: &[u8]) -> Result<Vec<Grid>, ReadError> {
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|_| ReadError::Corrupt)?;
    // A VBA project present (readable or not) means macros: refused, whatever the file is named.
    match wb.vba_project() {
        Ok(None) => {}
        Ok(Some(_)) | Err(_) => return Err(ReadError::Macro),
    }
    let names = wb.sheet_names();
    let mut grids = Vec::with_capacity(names.len());
    let mut total_rows = 0;
    for name in names {
        let range = wb.worksheet_range(&name).map_err(|_| ReadError::Corrupt)?;
        let merges = wb
            .merge_cells_by_sheet_name(&name)
            .map_err(|_| ReadError::Corrupt)?;
        let (height, width) = match range.end() {
            Some((r, c)) => (r as usize + 1, (c as usize + 1).min(MAX_COLUMNS)),
            None => (0, 0),
        };
        total_rows += height;
        // Checked per sheet before the grid is built, so a sheet claiming a million rows
        // costs nothing.
        if total_rows > MAX_ROWS {
            return Err(ReadError::TooManyRows { rows: total_rows });
        }
        let mut rows = vec![vec![String::new(); width]; height];
        for (r, c, value) in range.used_cells() {
            let (r, c) = (
                r + range.start().map_or(0, |s| s.0 as usize),
                c + range.start().map_or(0, |s| s.1 as usize),
            );
            if c < width {
                rows[r][c] = cell_text(value);
            }
        }
        let mut merged = Vec::new();
        for m in merges {
            let (r0, c0) = (m.start.0 as usize, m.start.1 as usize);
            let value = rows
                .get(r0)
                .and_then(|r| r.get(c0))
                .cloned()
                .unwrap_or_default();
            let last_row = (m.end.0 as usize).min(height.saturating_sub(1));
            let last_col = (m.end.1 as usize).min(width.saturating_sub(1));
            for (r, row) in rows.iter_mut().enumerate().take(last_row + 1).skip(r0) {
                for (c, cell) in row.iter_mut().enumerate().take(last_col + 1).skip(c0) {
                    if (r, c) != (r0, c0) {
                        *cell = value.clone();
                        merged.push((r, c));
                    }
                }
            }
        }
        grids.push(Grid { name, rows, merged });
    }
    Ok(grids)
}

/// A cell as the text a person sees (numbers without a trailing ".0").
fn cell_text(value: &Data) -> String {
    match value {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
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
        rows.push(record.iter().take(MAX_COLUMNS).map(str::to_owned).collect());
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
    Ok(Grid {
        name,
        rows,
        merged: Vec::new(),
    })
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
