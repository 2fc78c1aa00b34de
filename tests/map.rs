//! The README's map of the code names every folder and file of `src/`: a folder by its own row
//! (`src/db/goal_tree/`), a file by its path in the first column or by its name in backticks
//! in its folder's row.

use std::collections::BTreeMap;
use std::path::Path;

/// The map's rows: the paths of the first column, and the whole row.
fn map_rows(readme: &str) -> Vec<(Vec<String>, String)> {
    let start = readme.find("## Map of the code").expect("README has a map");
    let section = &readme[start..];
    let end = section[3..].find("\n## ").map_or(section.len(), |e| e + 3);
    section[..end]
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            let first = l.split(" | ").next().unwrap_or_default();
            let paths = first
                .split('`')
                .skip(1)
                .step_by(2)
                .map(str::to_owned)
                .collect();
            (paths, l.to_owned())
        })
        .collect()
}

fn walk(dir: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(&path, out);
        } else {
            out.push(path.to_string_lossy().replace('\\', "/"));
        }
    }
}

/// The files of `root` the map does not name.
fn unnamed(readme: &str, root: &Path) -> Vec<String> {
    let rows = map_rows(readme);
    let mut folders: BTreeMap<String, &str> = BTreeMap::new();
    for (paths, row) in &rows {
        for p in paths.iter().filter(|p| p.ends_with('/')) {
            folders.insert(p.clone(), row);
        }
    }
    let mut files = Vec::new();
    walk(root, &mut files);
    let base = root.parent().unwrap().to_string_lossy().replace('\\', "/");
    let mut missing = Vec::new();
    for file in files {
        let rel = file
            .trim_start_matches(&base)
            .trim_start_matches('/')
            .to_owned();
        let (folder, name) = rel.rsplit_once('/').unwrap();
        if rows.iter().any(|(paths, _)| paths.contains(&rel)) {
            continue;
        }
        match folders.get(&format!("{folder}/")) {
            None => missing.push(format!("{folder}/ (no row)")),
            Some(row) if !row.contains(&format!("`{name}`")) => missing.push(rel),
            Some(_) => {}
        }
    }
    missing.sort();
    missing.dedup();
    missing
}

#[test]
fn the_readme_map_names_every_source_folder_and_file() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let missing = unnamed(&readme, &root.join("src"));
    assert!(missing.is_empty(), "not in the README's map: {missing:#?}");
}

#[test]
fn a_file_left_out_of_the_map_is_found() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let without = readme.replace("(`batch.rs`)", "");
    assert_eq!(
        unnamed(&without, &root.join("src")),
        vec!["src/db/goal_tree/batch.rs".to_owned()]
    );
    let without_row = readme
        .lines()
        .filter(|l| !l.starts_with("| `src/db/plans/`"))
        .collect::<Vec<_>>()
        .join("\n");
    assert_eq!(
        unnamed(&without_row, &root.join("src")),
        vec!["src/db/plans/ (no row)".to_owned()]
    );
}
