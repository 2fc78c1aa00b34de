//! Where each page of a year goes in the static copy, and its links rewritten to point from
//! file to file (relative, so the copy works from any folder and opened from disk).

use lol_html::html_content::Element;
use lol_html::{RewriteStrSettings, element, rewrite_str};
use std::cell::RefCell;
use std::collections::{BTreeSet, HashSet};

/// The address space of one city's year: which live paths become which files.
pub struct Layout {
    /// `/kariya/2026`
    prefix: String,
    /// The page that becomes `index.html`: the booklet, or the results when only they exist.
    entry: String,
    city: String,
    year: i32,
}

impl Layout {
    pub fn new(city: &str, year: i32, entry: &str) -> Self {
        Self {
            prefix: format!("/{city}/{year}"),
            entry: entry.to_owned(),
            city: city.to_owned(),
            year,
        }
    }

    /// The file a live path is written to, or None for pages outside the copy.
    pub fn file_for(&self, path: &str) -> Option<String> {
        if path == self.entry {
            return Some("index.html".to_owned());
        }
        if path == format!("{}.json", self.prefix) {
            return Some(format!("{}-{}.json", self.city, self.year));
        }
        if path == format!("{}.csv", self.prefix) {
            return Some(format!("{}-{}.csv", self.city, self.year));
        }
        if path == format!("{}.pdf", self.prefix) {
            return Some(format!("{}-{}.pdf", self.city, self.year));
        }
        if path == "/open-data" {
            return Some("open-data.html".to_owned());
        }
        if let Some(file) = path.strip_prefix("/static/") {
            return is_plain(file).then(|| format!("static/{file}"));
        }
        let rest = path.strip_prefix(&self.prefix)?.strip_prefix('/')?;
        let rest = rest.trim_end_matches('/');
        if [".pdf", ".json", ".csv"].iter().any(|e| rest.ends_with(e)) {
            return rest.split('/').all(is_plain).then(|| rest.to_owned());
        }
        (!rest.is_empty() && rest.split('/').all(is_plain)).then(|| format!("{rest}.html"))
    }
}

/// A path segment that is safe as a file or folder name.
fn is_plain(segment: &str) -> bool {
    !segment.is_empty()
        && segment != "."
        && segment != ".."
        && segment
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// A link as written in a page: its path, and the query and fragment after it.
struct Link<'a> {
    path: &'a str,
    query: Option<&'a str>,
    fragment: &'a str,
}

/// A site-absolute link (`/kariya/2026/…`) split; None for fragments and other sites.
fn parse(href: &str) -> Option<Link<'_>> {
    if !href.starts_with('/') || href.starts_with("//") {
        return None;
    }
    let (rest, fragment) = match href.find('#') {
        Some(i) => (&href[..i], &href[i..]),
        None => (href, ""),
    };
    let (path, query) = match rest.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (rest, None),
    };
    Some(Link {
        path,
        query,
        fragment,
    })
}

impl Layout {
    /// The bundled file a link leads to (a stylesheet's fingerprint query is dropped; any
    /// other query, such as a search, leads outside).
    fn target(&self, link: &Link<'_>) -> Option<String> {
        if link.query.is_some() && !link.path.starts_with("/static/") {
            return None;
        }
        self.file_for(link.path)
    }
}

/// The internal paths a page links to that belong in the copy.
pub fn links_in(html: &str, layout: &Layout) -> Vec<String> {
    let found = RefCell::new(BTreeSet::new());
    let collect = |el: &mut Element| {
        for name in ["href", "src"] {
            if let Some(link) = el.get_attribute(name).as_deref().and_then(parse)
                && layout.target(&link).is_some()
            {
                found.borrow_mut().insert(link.path.to_owned());
            }
        }
        Ok(())
    };
    let _ = rewrite_str(
        html,
        RewriteStrSettings::new().append_element_content_handler(element!(
            "a[href], link[href], script[src], img[src]",
            collect
        )),
    );
    found.into_inner().into_iter().collect()
}

/// `html` (the page written to `from`) with every link pointing into the copy made
/// relative; links to pages outside the copy point to `base` (the city's website) or, with
/// no base, are removed (a link keeps its text, a form goes).
pub fn rewrite(
    html: &str,
    from: &str,
    layout: &Layout,
    written: &HashSet<String>,
    base: Option<&str>,
) -> String {
    let base = base.map(|b| b.trim_end_matches('/'));
    let handle = |el: &mut Element| {
        let attribute = match el.tag_name().as_str() {
            "form" => "action",
            "script" | "img" => "src",
            _ => "href",
        };
        let Some(href) = el.get_attribute(attribute) else {
            return Ok(());
        };
        let Some(link) = parse(&href) else {
            return Ok(());
        };
        match layout.target(&link).filter(|f| written.contains(f)) {
            Some(file) => {
                let value = format!("{}{}", relative(from, &file), link.fragment);
                el.set_attribute(attribute, &value)?;
            }
            None => match base {
                Some(base) => el.set_attribute(attribute, &format!("{base}{href}"))?,
                None if el.tag_name() == "a" => el.remove_and_keep_content(),
                None => el.remove(),
            },
        }
        Ok(())
    };
    rewrite_str(
        html,
        RewriteStrSettings::new().append_element_content_handler(element!(
            "a[href], link[href], script[src], img[src], form[action]",
            handle
        )),
    )
    .unwrap_or_else(|_| html.to_owned())
}

/// The relative address of file `to` from file `from` (both relative to the copy's root).
pub fn relative(from: &str, to: &str) -> String {
    let from_dirs: Vec<&str> = from.split('/').collect();
    let from_dirs = &from_dirs[..from_dirs.len() - 1];
    let to_parts: Vec<&str> = to.split('/').collect();
    let common = from_dirs
        .iter()
        .zip(&to_parts)
        .take_while(|(a, b)| a == b)
        .count()
        .min(to_parts.len() - 1);
    let mut out = "../".repeat(from_dirs.len() - common);
    out.push_str(&to_parts[common..].join("/"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout() -> Layout {
        Layout::new("kariya", 2026, "/kariya/2026")
    }

    #[test]
    fn live_paths_map_to_files_and_outside_paths_to_none() {
        let l = layout();
        assert_eq!(l.file_for("/kariya/2026").as_deref(), Some("index.html"));
        assert_eq!(
            l.file_for("/kariya/2026/departments/somu/versions/2")
                .as_deref(),
            Some("departments/somu/versions/2.html")
        );
        assert_eq!(
            l.file_for("/kariya/2026/results").as_deref(),
            Some("results.html")
        );
        assert_eq!(
            l.file_for("/kariya/2026.json").as_deref(),
            Some("kariya-2026.json")
        );
        assert_eq!(
            l.file_for("/static/style.css").as_deref(),
            Some("static/style.css")
        );
        for outside in [
            "/kariya",
            "/kariya/2025",
            "/kariya/search",
            "/",
            "/kariya/20260",
            "/kariya/2026/../x",
            "/static/../x",
        ] {
            assert_eq!(l.file_for(outside), None, "{outside}");
        }
    }

    #[test]
    fn relative_links_climb_out_of_their_folder() {
        assert_eq!(
            relative("index.html", "departments/somu.html"),
            "departments/somu.html"
        );
        assert_eq!(
            relative("departments/somu.html", "index.html"),
            "../index.html"
        );
        assert_eq!(
            relative("departments/somu/versions/1.html", "static/style.css"),
            "../../../static/style.css"
        );
        assert_eq!(
            relative("departments/somu.html", "departments/kikaku.html"),
            "kikaku.html"
        );
        assert_eq!(
            relative("results/a.html", "results.html"),
            "../results.html"
        );
    }

    #[test]
    fn links_inside_become_relative_and_outside_ones_go_to_the_base_or_away() {
        let html = r##"<link rel="stylesheet" href="/static/style.css?v=abc"><a href="/kariya">刈谷市</a> <a href="/kariya/2026/departments/somu#g1">総務部</a> <a href="#top">上へ</a> <a href="https://creativecommons.org/">CC</a><form action="/kariya/search"><input name="q"></form>"##;
        let written: HashSet<String> = ["static/style.css", "departments/somu.html"]
            .into_iter()
            .map(String::from)
            .collect();
        let l = layout();

        let plain = rewrite(html, "departments/kikaku.html", &l, &written, None);
        let based = rewrite(
            html,
            "index.html",
            &l,
            &written,
            Some("https://www.city.kariya.lg.jp/mokuhyo/"),
        );

        assert!(plain.contains(r#"href="../static/style.css""#), "{plain}");
        assert!(plain.contains(r##"href="somu.html#g1""##));
        assert!(plain.contains("刈谷市") && !plain.contains(r#"href="/kariya""#));
        assert!(
            !plain.contains("<form"),
            "no search without the city's site"
        );
        assert!(
            plain.contains(r##"href="#top""##) && plain.contains("https://creativecommons.org/")
        );
        assert!(
            based.contains(r#"href="https://www.city.kariya.lg.jp/mokuhyo/kariya""#),
            "{based}"
        );
        assert!(based.contains(r#"action="https://www.city.kariya.lg.jp/mokuhyo/kariya/search""#));
        assert!(based.contains(r#"href="departments/somu.html#g1""#));
        assert_eq!(
            links_in(html, &l),
            vec!["/kariya/2026/departments/somu", "/static/style.css"]
        );
    }
}
