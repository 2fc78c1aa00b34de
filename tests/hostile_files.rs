//! Hostile workbooks, built here, are refused with a message — and reading them costs at most
//! 100 MB above what the process held before. The allocator of this test binary counts every
//! byte, so the peak is measured, not guessed; the cases run one after another in one test so
//! no other test's memory is counted.

use mokuhyo::import::spreadsheet::{MAX_ROWS, ReadError, read};
use peak_alloc::PeakAlloc;
use std::io::{Cursor, Read, Write};

#[global_allocator]
static ALLOCATOR: PeakAlloc = PeakAlloc;

const BUDGET_MB: f32 = 100.0;

/// A hostile file: what it is, its bytes, and which refusal is right for it.
type Case = (&'static str, Vec<u8>, fn(&ReadError) -> bool);

/// A workbook written by rust_xlsxwriter with the given cells.
fn workbook(cells: &[(u32, u16, &str)]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let sheet = wb.add_worksheet();
    for &(r, c, text) in cells {
        sheet.write_string(r, c, text).unwrap();
    }
    wb.save_to_buffer().unwrap()
}

/// The same archive with some parts replaced (or added) by the given bytes.
fn with_parts(xlsx: &[u8], parts: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(Cursor::new(xlsx)).unwrap();
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(9));
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        if parts.iter().any(|(n, _)| *n == name) {
            continue;
        }
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        out.start_file(name, options).unwrap();
        out.write_all(&data).unwrap();
    }
    for (name, data) in parts {
        out.start_file(*name, options).unwrap();
        out.write_all(data).unwrap();
    }
    out.finish().unwrap().into_inner()
}

fn sheet_xml(body: &str, tail: &str) -> Vec<u8> {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
         <worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">\
         <sheetData>{body}</sheetData>{tail}</worksheet>"
    )
    .into_bytes()
}

/// Reads the file and returns the result and the peak memory above the start, in MB.
fn read_measured(bytes: &[u8]) -> (Result<usize, ReadError>, f32) {
    ALLOCATOR.reset_peak_usage();
    let before = ALLOCATOR.current_usage_as_mb();
    let result = read("hostile.xlsx", bytes).map(|grids| grids.len());
    (result, ALLOCATOR.peak_usage_as_mb() - before)
}

#[test]
fn hostile_workbooks_are_refused_within_the_memory_budget() {
    let base = workbook(&[(0, 0, "組織目標")]);
    let mut cases: Vec<Case> = Vec::new();

    // A1 and XFD1048576: a dense range would be 17 billion cells.
    cases.push((
        "A1 and the last cell of the sheet",
        workbook(&[(0, 0, "a"), (1_048_575, 16_383, "b")]),
        |e| matches!(e, ReadError::TooManyRows { .. }),
    ));
    // One string of 200 MB in the shared-string table (~200 KB compressed).
    let huge = format!(
        "<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" count=\"1\" uniqueCount=\"1\"><si><t>{}</t></si></sst>",
        "A".repeat(200 << 20)
    );
    cases.push((
        "a 200 MB shared string",
        with_parts(&base, &[("xl/sharedStrings.xml", huge.into_bytes())]),
        |e| *e == ReadError::TooComplex,
    ));
    // A shared-string table that declares four billion strings.
    cases.push((
        "a declared uniqueCount of four billion",
        with_parts(
            &base,
            &[(
                "xl/sharedStrings.xml",
                b"<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" count=\"1\" uniqueCount=\"4000000000\"><si><t>a</t></si></sst>".to_vec(),
            )],
        ),
        |e| *e == ReadError::TooComplex,
    ));
    // A sheet that claims the whole grid in its dimension, with one cell far out.
    cases.push((
        "a declared dimension of the whole sheet",
        with_parts(
            &base,
            &[(
                "xl/worksheets/sheet1.xml",
                String::from_utf8(sheet_xml(
                    "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>a</t></is></c></row>\
                     <row r=\"1000\"><c r=\"XFD1000\" t=\"inlineStr\"><is><t>b</t></is></c></row>",
                    "",
                ))
                .unwrap()
                .replacen(
                    "<sheetData>",
                    "<dimension ref=\"A1:XFD1048576\"/><sheetData>",
                    1,
                )
                .into_bytes(),
            )],
        ),
        |_| true, // read (the far cell is outside the read columns) or refused: either is fine
    ));
    // 50 MB of sheet XML (empty rows) from a few KB.
    let rows: String = (1..=1_048_576)
        .map(|r| format!("<row r=\"{r}\" ht=\"15\" customHeight=\"1\"></row>"))
        .collect();
    cases.push((
        "a sheet of 50 MB of XML",
        with_parts(&base, &[("xl/worksheets/sheet1.xml", sheet_xml(&rows, ""))]),
        |e| *e == ReadError::TooComplex,
    ));
    // 30,000 merged areas.
    let merges: String = (1..=30_000)
        .map(|r| format!("<mergeCell ref=\"A{r}:B{r}\"/>"))
        .collect();
    cases.push((
        "30,000 merged areas",
        with_parts(
            &base,
            &[(
                "xl/worksheets/sheet1.xml",
                sheet_xml(
                    "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>a</t></is></c></row>",
                    &format!("<mergeCells count=\"30000\">{merges}</mergeCells>"),
                ),
            )],
        ),
        |e| *e == ReadError::TooComplex,
    ));
    // Thousands of merged areas over the whole grid: each would refill every cell.
    let last = MAX_ROWS - 1;
    let overlapping: String = (0..5_000)
        .map(|_| format!("<mergeCell ref=\"A1:BH{last}\"/>"))
        .collect();
    cases.push((
        "5,000 merged areas over the whole grid",
        with_parts(
            &base,
            &[(
                "xl/worksheets/sheet1.xml",
                sheet_xml(
                    &format!(
                        "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>a</t></is></c></row>\
                         <row r=\"{last}\"><c r=\"BH{last}\" t=\"inlineStr\"><is><t>b</t></is></c></row>"
                    ),
                    &format!("<mergeCells>{overlapping}</mergeCells>"),
                ),
            )],
        ),
        |e| *e == ReadError::TooComplex,
    ));
    // One cell of 2 MB of text (Excel holds at most 32,767 characters in a cell).
    cases.push((
        "a cell of 2 MB",
        with_parts(
            &base,
            &[(
                "xl/worksheets/sheet1.xml",
                sheet_xml(
                    &format!(
                        "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>{}</t></is></c></row>",
                        "あ".repeat(700_000)
                    ),
                    "",
                ),
            )],
        ),
        |e| *e == ReadError::TooComplex,
    ));
    // 3,000 parts in the archive.
    let many: Vec<(String, Vec<u8>)> = (0..3_000)
        .map(|i| (format!("xl/media/pad{i}.bin"), vec![0u8; 4]))
        .collect();
    let many_refs: Vec<(&str, Vec<u8>)> =
        many.iter().map(|(n, d)| (n.as_str(), d.clone())).collect();
    cases.push(("3,000 parts", with_parts(&base, &many_refs), |e| {
        *e == ReadError::TooComplex
    }));

    for (what, bytes, expected) in &cases {
        assert!(
            bytes.len() <= mokuhyo::import::spreadsheet::MAX_FILE_BYTES,
            "{what}: the file itself is small ({} bytes)",
            bytes.len()
        );
        let (result, peak_mb) = read_measured(bytes);
        println!(
            "{what}: {} bytes → {result:?}, peak {peak_mb:.1} MB",
            bytes.len()
        );
        if let Err(e) = &result {
            assert!(expected(e), "{what}: unexpected refusal {e:?}");
            assert!(!e.to_string().is_empty());
        } else {
            assert!(expected(&ReadError::Corrupt), "{what} should be refused");
        }
        assert!(
            peak_mb < BUDGET_MB,
            "{what}: reading took {peak_mb:.1} MB above the start"
        );
    }

    // And an ordinary workbook is still read, cells and merged areas as before.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let sheet = wb.add_worksheet().set_name("企画財政部").unwrap();
    sheet
        .merge_range(1, 0, 3, 0, "組織目標A", &rust_xlsxwriter::Format::new())
        .unwrap();
    sheet.write_string(1, 1, "取組①").unwrap();
    sheet.write_number(2, 1, 1200.0).unwrap();
    let grids = read("ok.xlsx", &wb.save_to_buffer().unwrap()).unwrap();
    assert_eq!(grids[0].name, "企画財政部");
    assert_eq!(grids[0].cell(2, 0), "組織目標A");
    assert!(grids[0].is_merged_copy(2, 0) && !grids[0].is_merged_copy(1, 0));
    assert_eq!(grids[0].cell(2, 1), "1200");
}
