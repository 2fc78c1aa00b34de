//! The import template: an empty 取込 sheet with the column headers, a 記入例 sheet, a 説明
//! sheet documenting each column and an 一覧 sheet with the year's departments and pillars.

use super::{formats, page_setup};
use rust_xlsxwriter::{Workbook, XlsxError};

/// What the import template lists for reference: the year's departments with their sections,
/// and the pillars.
pub struct TemplateInfo {
    pub year_label: String,
    pub departments: Vec<(String, Vec<String>)>,
    pub pillars: Vec<(i32, String)>,
}

/// The template's columns: header, what goes in, an example.
pub const TEMPLATE_COLUMNS: &[(&str, &str, &str)] = &[
    (
        "部",
        "部の名前（「一覧」シートのとおり）。空欄なら上の行と同じ部。",
        "総務部",
    ),
    (
        "柱",
        "組織目標が属する柱の番号。複数なら「1,5」。空欄なら上の行と同じ組織目標の柱。",
        "1",
    ),
    (
        "組織目標",
        "部長が定める組織目標。同じ組織目標の取組を続けて書くときは、空欄・同じ文・セル結合のどれでもかまいません。",
        "市民サービスの向上",
    ),
    (
        "番号",
        "取組の番号（①、1 など）。省略可。並び順で番号が付きます。",
        "①",
    ),
    (
        "取組内容",
        "課長が定める取組内容。先頭の「①」などは番号として扱います。",
        "窓口の待ち時間を短縮する",
    ),
    (
        "課等",
        "担当する課等。複数なら改行か「、」で区切ります。",
        "市民課",
    ),
    (
        "目標達成基準",
        "1行に1つ（先頭の「・」は省略可）、または1行に1つずつ行を分けて書きます（取組内容は空欄）。",
        "・平均待ち時間 15分以下",
    ),
    (
        "実績値",
        "年度末の実績値。目標達成基準と同じ順に1行ずつ。数値の基準には数値（全角可、単位可）。ない基準は「－」、対象外は「対象外：理由」。",
        "12分",
    ),
    (
        "実績",
        "取組の実績。1行に1項目。",
        "・呼出システムを導入した",
    ),
    ("成果", "取組の成果。1行に1段落。", "待ち時間が短くなった。"),
    (
        "達成状況",
        "取組の達成状況：達成／一部達成／未達成／着手／未着手。実績値から判定される状況と違うときは、部長の評価として記録されます。",
        "達成",
    ),
    (
        "組織目標の達成状況",
        "組織目標の達成状況（同じ5つの言葉）。",
        "達成",
    ),
];

/// The import template: an empty 取込 sheet with the column headers, a 記入例 sheet, a 説明
/// sheet documenting each column, and an 一覧 sheet with the year's departments, sections and
/// pillars (sheets named 記入例/説明/一覧… are never imported).
pub fn template_workbook(info: &TemplateInfo) -> Result<Vec<u8>, XlsxError> {
    let f = formats();
    let mut wb = Workbook::new();
    let widths = [
        12.0, 6.0, 30.0, 6.0, 36.0, 14.0, 36.0, 12.0, 30.0, 30.0, 10.0, 10.0,
    ];
    for (name, example) in [("取込", false), ("記入例", true)] {
        let ws = wb.add_worksheet();
        ws.set_name(name)?;
        page_setup(ws, &widths, 0)?;
        for (c, (h, _, _)) in TEMPLATE_COLUMNS.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, *h, &f.header)?;
        }
        ws.set_freeze_panes(1, 0)?;
        if example {
            for (c, (_, _, e)) in TEMPLATE_COLUMNS.iter().enumerate() {
                ws.write_string_with_format(1, c as u16, *e, &f.cell)?;
            }
        }
    }
    let ws = wb.add_worksheet();
    ws.set_name("説明")?;
    ws.set_column_width(0, 18.0)?;
    ws.set_column_width(1, 90.0)?;
    ws.write_string_with_format(
        0,
        0,
        format!("{} 組織目標・実績 取り込み用ひな形", info.year_label),
        &f.title,
    )?;
    let notes = [
        "「取込」シート（または同じ列見出しのシート）に1行1取組で書きます。列の順番は変えてもかまいません。",
        "目標だけを取り込むときは、実績値・実績・成果・達成状況の列を空欄のままにします（空欄の実績は変更されません）。",
        "ファイルに含まれる部の組織目標は、ファイルの内容に置き換わります。ファイルにない部は変わりません。",
        "書き出した Excel（公表用の表の形）も、そのまま取り込めます。",
        "中間報告は「上半期の取組状況」「進捗状況」「下期に向けた課題・対応」の列で取り込めます（中間報告のExcel出力と同じ列）。",
        "取り込む前に確認画面で、追加・変更・削除の件数と問題の箇所（シート・行・列）が表示されます。",
        "ファイルは .xlsx または CSV（UTF-8 / Shift_JIS）、5MB・20,000行までです。マクロ付きのファイルは取り込めません。",
    ];
    for (i, n) in notes.iter().enumerate() {
        ws.write_string(1 + i as u32, 0, format!("・{n}"))?;
    }
    let top = notes.len() as u32 + 2;
    ws.write_string_with_format(top, 0, "列", &f.header)?;
    ws.write_string_with_format(top, 1, "書き方", &f.header)?;
    for (i, (h, d, _)) in TEMPLATE_COLUMNS.iter().enumerate() {
        ws.write_string_with_format(top + 1 + i as u32, 0, *h, &f.goal)?;
        ws.write_string_with_format(top + 1 + i as u32, 1, *d, &f.cell)?;
    }
    let ws = wb.add_worksheet();
    ws.set_name("一覧")?;
    ws.set_column_width(0, 16.0)?;
    ws.set_column_width(1, 60.0)?;
    ws.write_string_with_format(0, 0, "部", &f.header)?;
    ws.write_string_with_format(0, 1, "課等", &f.header)?;
    let mut row = 1;
    for (d, sections) in &info.departments {
        ws.write_string_with_format(row, 0, d, &f.cell)?;
        ws.write_string_with_format(row, 1, sections.join("、"), &f.cell)?;
        row += 1;
    }
    row += 1;
    ws.write_string_with_format(row, 0, "柱", &f.header)?;
    ws.write_string_with_format(row, 1, "柱の名前", &f.header)?;
    for (n, title) in &info.pillars {
        row += 1;
        ws.write_number_with_format(row, 0, *n as f64, &f.cell)?;
        ws.write_string_with_format(row, 1, title, &f.cell)?;
    }
    wb.save_to_buffer()
}
