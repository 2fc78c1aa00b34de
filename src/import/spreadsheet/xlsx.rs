//! Reading an .xlsx workbook with every cap enforced before memory is spent.
//!
//! An .xlsx file is a zip archive of XML parts, and what a part claims (its size in the zip
//! directory, a sheet's `<dimension>`, the shared-string table's `uniqueCount`) is not to be
//! believed: a 7 KB file can claim a sheet of 17 billion cells, a 200 KB one can hold a 200 MB
//! string. So the archive is first measured part by part, streaming (real decompressed sizes,
//! the longest text run, shared strings and merged areas counted), and only then handed to
//! calamine, whose cells are read one by one (never as a dense range sized by the file) into a
//! grid whose rows and columns are capped as they arrive. With the caps below, any file of at
//! most [`super::MAX_FILE_BYTES`] is read in well under 100 MB or refused.

use super::{Grid, MAX_COLUMNS, MAX_ROWS, ReadError};
use calamine::{Data, Reader, Xlsx};
use std::io::{Cursor, Read};

/// Parts (files) in the archive; a workbook of 30 sheets has about 80.
const MAX_ENTRIES: usize = 2_000;
/// A worksheet's XML, decompressed (read as a stream; 20,000 rows of the layouts are ~10 MB).
const MAX_SHEET_BYTES: u64 = 32 << 20;
/// The shared-string table's XML, decompressed (calamine holds all of it in memory).
const MAX_SHARED_STRINGS_BYTES: u64 = 16 << 20;
/// Any other part (styles, workbook, relationships…), decompressed.
const MAX_OTHER_PART_BYTES: u64 = 8 << 20;
/// All parts together, decompressed: bounds the time spent reading.
const MAX_TOTAL_BYTES: u64 = 96 << 20;
/// Strings in the shared-string table, declared or real (calamine reserves what is declared).
const MAX_SHARED_STRINGS: u64 = 300_000;
/// The longest run of bytes between two markup characters: one cell's text. Excel itself
/// holds at most 32,767 characters in a cell (under 200 KB of escaped UTF-8).
const MAX_TEXT_RUN: u64 = 1 << 20;
/// Merged areas in one sheet.
const MAX_MERGES: u64 = 20_000;

/// What the streaming measurement of one part found.
#[derive(Debug, Default)]
struct PartStats {
    bytes: u64,
    longest_run: u64,
    /// `<si>` elements (shared strings).
    strings: u64,
    /// `<mergeCell>` elements.
    merges: u64,
}

/// Measures every part of the archive; refuses the file when a cap is passed.
fn check_archive(bytes: &[u8]) -> Result<(), ReadError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| ReadError::Corrupt)?;
    if archive.len() > MAX_ENTRIES {
        return Err(ReadError::TooComplex);
    }
    let mut total = 0u64;
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).map_err(|_| ReadError::Corrupt)?;
        let name = entry.name().map_err(|_| ReadError::Corrupt)?.to_lowercase();
        let is_sheet = name.contains("worksheets/");
        let is_strings = name.ends_with("sharedstrings.xml");
        let cap = if is_sheet {
            MAX_SHEET_BYTES
        } else if is_strings {
            MAX_SHARED_STRINGS_BYTES
        } else {
            MAX_OTHER_PART_BYTES
        };
        // The declared size is only a first, cheap refusal; the real size is measured below.
        if entry.size() > cap {
            return Err(ReadError::TooComplex);
        }
        let stats = measure(&mut entry, cap)?;
        total += stats.bytes;
        let too_big = stats.bytes > cap
            || total > MAX_TOTAL_BYTES
            || stats.longest_run > MAX_TEXT_RUN
            || stats.strings > MAX_SHARED_STRINGS
            || stats.merges > MAX_MERGES;
        if too_big {
            return Err(ReadError::TooComplex);
        }
        if is_strings {
            drop(entry);
            check_declared_string_count(&mut archive, index)?;
        }
    }
    Ok(())
}

/// Streams one part through a small buffer, stopping one byte past `cap`.
fn measure(entry: &mut impl Read, cap: u64) -> Result<PartStats, ReadError> {
    let mut limited = entry.take(cap + 1);
    let mut scanner = Scanner::default();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = limited.read(&mut buf).map_err(|_| ReadError::Corrupt)?;
        if n == 0 {
            break;
        }
        scanner.feed(&buf[..n]);
    }
    Ok(scanner.finish())
}

/// calamine reserves room for the `uniqueCount` the table declares, before reading it.
fn check_declared_string_count(
    archive: &mut zip::ZipArchive<Cursor<&[u8]>>,
    index: usize,
) -> Result<(), ReadError> {
    let entry = archive.by_index(index).map_err(|_| ReadError::Corrupt)?;
    let mut head = Vec::new();
    entry
        .take(8 * 1024)
        .read_to_end(&mut head)
        .map_err(|_| ReadError::Corrupt)?;
    let mut reader = quick_xml::Reader::from_reader(head.as_slice());
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(quick_xml::events::Event::Start(e)) if e.local_name().as_ref() == "sst" => {
                for attr in e.attributes().flatten() {
                    if attr.key.local_name().as_ref() != "uniqueCount" {
                        continue;
                    }
                    // calamine reserves nothing for a value it cannot parse either.
                    let declared: u64 = attr.value.trim().parse().unwrap_or(0);
                    if declared > MAX_SHARED_STRINGS {
                        return Err(ReadError::TooComplex);
                    }
                }
                return Ok(());
            }
            // The head was cut short or the table has another shape: calamine decides.
            Ok(quick_xml::events::Event::Eof) | Err(_) => return Ok(()),
            _ => buf.clear(),
        }
    }
}

/// A byte scanner over XML: total size, the longest run between markup characters, and
/// counts of the elements whose number calamine turns into memory. Element names are
/// compared without their namespace prefix.
#[derive(Default)]
struct Scanner {
    stats: PartStats,
    run: u64,
    /// Some(name so far) right after a `<`.
    name: Option<Vec<u8>>,
}

impl Scanner {
    fn feed(&mut self, chunk: &[u8]) {
        self.stats.bytes += chunk.len() as u64;
        let mut i = 0;
        while i < chunk.len() {
            if let Some(name) = self.name.as_mut() {
                let b = chunk[i];
                if b.is_ascii_whitespace() || b == b'/' || b == b'>' || name.len() >= 24 {
                    self.end_name();
                    continue; // the delimiter is looked at again below
                }
                name.push(b);
                i += 1;
                continue;
            }
            match memchr::memchr2(b'<', b'>', &chunk[i..]) {
                None => {
                    self.run += (chunk.len() - i) as u64;
                    self.stats.longest_run = self.stats.longest_run.max(self.run);
                    return;
                }
                Some(offset) => {
                    self.run += offset as u64;
                    self.stats.longest_run = self.stats.longest_run.max(self.run);
                    self.run = 0;
                    if chunk[i + offset] == b'<' {
                        self.name = Some(Vec::with_capacity(24));
                    }
                    i += offset + 1;
                }
            }
        }
    }

    fn end_name(&mut self) {
        let Some(name) = self.name.take() else {
            return;
        };
        let local = name.rsplit(|&b| b == b':').next().unwrap_or(&name);
        match local {
            b"si" => self.stats.strings += 1,
            b"mergeCell" => self.stats.merges += 1,
            _ => {}
        }
    }

    fn finish(mut self) -> PartStats {
        self.end_name();
        self.stats
    }
}

/// Reads every worksheet of a measured workbook into grids.
pub fn read(bytes: &[u8]) -> Result<Vec<Grid>, ReadError> {
    check_archive(bytes)?;
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|_| ReadError::Corrupt)?;
    // A VBA project present (readable or not) means macros: refused, whatever the file is named.
    match wb.vba_project() {
        Ok(None) => {}
        Ok(Some(_)) | Err(_) => return Err(ReadError::Macro),
    }
    let mut grids = Vec::new();
    let mut total_rows = 0;
    for name in wb.sheet_names() {
        let grid = read_sheet(&mut wb, &name, MAX_ROWS - total_rows)?;
        total_rows += grid.rows.len();
        grids.push(grid);
    }
    Ok(grids)
}

/// One sheet, cell by cell: a non-empty cell at or beyond `rows_left` refuses the file, cells
/// right of the read columns are left out.
fn read_sheet(
    wb: &mut Xlsx<Cursor<&[u8]>>,
    name: &str,
    rows_left: usize,
) -> Result<Grid, ReadError> {
    let mut cells: Vec<(usize, usize, String)> = Vec::new();
    let (mut height, mut width) = (0, 0);
    {
        let mut reader = match wb.worksheet_cells_reader(name) {
            Ok(reader) => reader,
            // A chart sheet or dialog sheet has no cells.
            Err(calamine::XlsxError::NotAWorksheet(_)) => {
                return Ok(Grid::new(name.to_owned(), Vec::new()));
            }
            Err(_) => return Err(ReadError::Corrupt),
        };
        while let Some(cell) = reader.next_cell().map_err(|_| ReadError::Corrupt)? {
            let text = super::cell_text(&Data::from(cell.get_value().clone()));
            if text.is_empty() {
                continue;
            }
            let (r, c) = cell.get_position();
            let (r, c) = (r as usize, c as usize);
            if r >= rows_left {
                return Err(ReadError::TooManyRows {
                    rows: MAX_ROWS - rows_left + r + 1,
                });
            }
            height = height.max(r + 1);
            if c < MAX_COLUMNS {
                width = width.max(c + 1);
                cells.push((r, c, text));
            }
        }
    }
    let mut rows = vec![vec![String::new(); width]; height];
    for (r, c, text) in cells {
        rows[r][c] = text;
    }
    let merges = wb
        .merge_cells_by_sheet_name(name)
        .map_err(|_| ReadError::Corrupt)?;
    let merged = fill_merges(&mut rows, width, &merges)?;
    let mut grid = Grid::new(name.to_owned(), rows);
    grid.merged = merged;
    grid.width = width;
    Ok(grid)
}

/// Fills each merged area with its top-left value (as a reader sees it), clamped to the grid;
/// overlapping areas that would make the work exceed twice the grid refuse the file.
fn fill_merges(
    rows: &mut [Vec<String>],
    width: usize,
    merges: &[calamine::Dimensions],
) -> Result<Vec<bool>, ReadError> {
    let height = rows.len();
    let budget = 2 * height * width + 1;
    let mut work = 0usize;
    let mut merged = if merges.is_empty() {
        Vec::new()
    } else {
        vec![false; height * width]
    };
    for m in merges {
        let (r0, c0) = (m.start.0 as usize, m.start.1 as usize);
        if r0 >= height || c0 >= width {
            continue;
        }
        let value = rows[r0][c0].clone();
        let last_row = (m.end.0 as usize).min(height - 1);
        let last_col = (m.end.1 as usize).min(width - 1);
        work += (last_row + 1 - r0) * (last_col + 1).saturating_sub(c0);
        if work > budget {
            return Err(ReadError::TooComplex);
        }
        for (r, row) in rows.iter_mut().enumerate().take(last_row + 1).skip(r0) {
            for (c, cell) in row.iter_mut().enumerate().take(last_col + 1).skip(c0) {
                if (r, c) != (r0, c0) {
                    cell.clone_from(&value);
                    merged[r * width + c] = true;
                }
            }
        }
    }
    Ok(merged)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scanner_counts_elements_across_chunk_boundaries() {
        let xml = b"<sst uniqueCount=\"2\"><si><t>ab</t></si><x:si><x:t>cde</x:t></x:si></sst><mergeCells><mergeCell ref=\"A1:B2\"/></mergeCells>";
        for split in 1..xml.len() {
            let mut scanner = Scanner::default();
            scanner.feed(&xml[..split]);
            scanner.feed(&xml[split..]);
            let stats = scanner.finish();
            assert_eq!(stats.strings, 2, "split at {split}");
            assert_eq!(stats.merges, 1, "split at {split}");
            assert_eq!(stats.longest_run, 16, "split at {split}"); // the sst tag's attributes
            assert_eq!(stats.bytes, xml.len() as u64);
        }
    }
}
