//! Names the build (`MOKUHYO_BUILD`, a hash of what pages are rendered from), and holds the
//! offline query data (`.sqlx/`) to the migrations it was prepared against.
//!
//! Queries are checked at compile time against `.sqlx/` (SQLX_OFFLINE=true in
//! `.cargo/config.toml`), which says nothing of a migration added since: a column renamed by a
//! new migration would still build. So `.sqlx/migrations.hash` records a hash of every
//! migration when the data is prepared (`tools/sqlx-prepare.sh` builds online, against a
//! database with the migrations applied, and this script writes the hash then), and an offline
//! build whose migrations hash differently fails here, saying what to run.

use std::path::Path;

/// FNV-1a, 64 bits: the same on every machine and toolchain.
fn fnv(bytes: &[u8], mut h: u64) -> u64 {
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x100_0000_01b3);
    }
    h
}

fn migrations_hash(dir: &Path) -> String {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("migrations/")
        .map(|e| e.expect("a migration").path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    let mut h = 0xcbf2_9ce4_8422_2325;
    for f in files {
        h = fnv(f.file_name().unwrap().to_string_lossy().as_bytes(), h);
        // Line endings do not change a schema.
        let text = std::fs::read_to_string(&f)
            .expect("a migration")
            .replace("\r\n", "\n");
        h = fnv(text.as_bytes(), h);
    }
    format!("{h:016x}")
}

/// Hashes every file under `dir` (names and bytes, in a fixed order) into `h`.
fn tree_hash(dir: &Path, mut h: u64) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return h;
    };
    let mut paths: Vec<_> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    paths.sort();
    for p in paths {
        h = fnv(p.file_name().unwrap().to_string_lossy().as_bytes(), h);
        if p.is_dir() {
            h = tree_hash(&p, h);
        } else if let Ok(bytes) = std::fs::read(&p) {
            h = fnv(&bytes, h);
        }
    }
    h
}

fn main() {
    // What this build renders pages from (code, templates, assets): pages a server stored in
    // the shared page store are served by servers of the same build only, so an upgrade
    // never serves a page or PDF rendered by the binary before it.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut build = fnv(env!("CARGO_PKG_VERSION").as_bytes(), 0xcbf2_9ce4_8422_2325);
    for dir in ["src", "templates", "assets"] {
        println!("cargo:rerun-if-changed={dir}");
        build = tree_hash(&root.join(dir), build);
    }
    println!("cargo:rustc-env=MOKUHYO_BUILD={build:016x}");
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-changed=.sqlx/migrations.hash");
    println!("cargo:rerun-if-env-changed=SQLX_OFFLINE");
    println!("cargo:rerun-if-env-changed=MOKUHYO_SQLX_PREPARE");
    let hash = migrations_hash(&root.join("migrations"));
    let recorded = root.join(".sqlx/migrations.hash");
    let offline = std::env::var("SQLX_OFFLINE").is_ok_and(|v| v == "true" || v == "1");
    if std::env::var("MOKUHYO_SQLX_PREPARE").is_ok_and(|v| v == "write") {
        // tools/sqlx-prepare.sh is writing .sqlx/ from a database with these migrations.
        std::fs::write(&recorded, format!("{hash}\n")).expect("write .sqlx/migrations.hash");
        return;
    }
    if !offline {
        // Checked against a live database instead: nothing to compare.
        return;
    }
    let stored = std::fs::read_to_string(&recorded).unwrap_or_default();
    if stored.trim() != hash {
        panic!(
            "\n\nThe migrations changed since the offline query data in .sqlx/ was prepared \
             (migrations hash {hash}, .sqlx/migrations.hash says {:?}).\n\
             Run tools/sqlx-prepare.sh and commit .sqlx/: the queries are then checked against \
             the new schema.\n\n",
            stored.trim()
        );
    }
}
