//! The typesetter's view of the world: one template, one data file, the shipped font first and
//! the system's fonts after it (for the rare character IPAexGothic lacks, such as a simplified
//! Chinese form that slipped into a transcription), and nothing else: no files, no packages,
//! no clock.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook, FontInfo};
use typst::utils::LazyHash;
use typst::{Feature, Library, LibraryExt, World};

/// IPAexGothic (see `assets/fonts/README.md`).
static IPAEX_GOTHIC: &[u8] = include_bytes!("../../assets/fonts/ipaexg.ttf");

/// A font the typesetter may use: the shipped one (loaded), or one of the system's, read
/// only when a document needs a character the shipped font lacks.
struct Slot {
    path: Option<PathBuf>,
    index: u32,
    font: OnceLock<Option<Font>>,
}

struct Fonts {
    book: LazyHash<FontBook>,
    slots: Vec<Slot>,
}

/// Where the system's fonts are: `PDF_FONT_DIRS` (separated by `:`), or the usual places.
fn font_dirs() -> Vec<PathBuf> {
    match std::env::var("PDF_FONT_DIRS") {
        Ok(dirs) => dirs
            .split(':')
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
            .collect(),
        Err(_) => [
            "/usr/share/fonts",
            "/usr/local/share/fonts",
            "/Library/Fonts",
        ]
        .into_iter()
        .map(PathBuf::from)
        .collect(),
    }
}

/// The font files under `dir`, recursively (at most 5,000).
fn font_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if out.len() >= 5_000 {
            return;
        }
        if path.is_dir() {
            font_files(&path, out);
        } else if path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
            matches!(
                e.to_ascii_lowercase().as_str(),
                "ttf" | "otf" | "ttc" | "otc"
            )
        }) {
            out.push(path);
        }
    }
}

fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| {
        let mut book = FontBook::new();
        let mut slots = Vec::new();
        for font in Font::iter(Bytes::new(IPAEX_GOTHIC)) {
            book.push(font.info().clone());
            slots.push(Slot {
                path: None,
                index: font.index(),
                font: OnceLock::from(Some(font)),
            });
        }
        let mut files = Vec::new();
        for dir in font_dirs() {
            font_files(&dir, &mut files);
        }
        for path in files {
            let Ok(data) = std::fs::read(&path) else {
                continue;
            };
            for (index, info) in FontInfo::iter(&data).enumerate() {
                book.push(info);
                slots.push(Slot {
                    path: Some(path.clone()),
                    index: index as u32,
                    font: OnceLock::new(),
                });
            }
        }
        tracing::info!(fonts = slots.len(), "fonts for PDFs found");
        Fonts {
            book: LazyHash::new(book),
            slots,
        }
    })
}

fn library() -> &'static LazyHash<Library> {
    static LIBRARY: OnceLock<LazyHash<Library>> = OnceLock::new();
    LIBRARY.get_or_init(|| {
        // `pdf.header-cell` (row headers in tables) is behind this flag.
        let features = [Feature::A11yExtras].into_iter().collect();
        LazyHash::new(Library::builder().with_features(features).build())
    })
}

fn file_id(path: &str) -> FileId {
    let vpath = VirtualPath::new(path).expect("a fixed, valid path");
    FileId::new(RootedPath::new(VirtualRoot::Project, vpath))
}

/// A document to typeset: the template and the JSON it reads as `data.json`.
pub struct Document {
    main: Source,
    data: Bytes,
}

impl Document {
    pub fn new(template: &str, data: Vec<u8>) -> Self {
        Document {
            main: Source::new(file_id("/main.typ"), template.to_owned()),
            data: Bytes::new(data),
        }
    }
}

impl World for Document {
    fn library(&self) -> &LazyHash<Library> {
        library()
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &fonts().book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::NotSource)
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == file_id("/data.json") {
            Ok(self.data.clone())
        } else {
            Err(FileError::AccessDenied)
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        let slot = fonts().slots.get(index)?;
        slot.font
            .get_or_init(|| {
                let data = std::fs::read(slot.path.as_ref()?).ok()?;
                Font::new(Bytes::new(data), slot.index)
            })
            .clone()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        None
    }
}
