//! The `layering` stage of `cargo xtask test`: which module may import which, and how big code
//! may grow. The rules, each checked on the sources as they are:
//!
//! 1. No cycle between the top-level modules of any crate (`crate::a` in `a` naming `crate::b`,
//!    and `b`, directly or not, naming `a`).
//! 2. [`FORBIDDEN_IMPORTS`]: the app's components never import its pages; the engine's kernels
//!    never import the catalog.
//! 3. No file over [`MAX_FILE_LINES`] lines of non-test code, no function over
//!    [`MAX_FUNCTION_LINES`] lines (test code, `tests/` folders and `tests.rs`/`testing.rs`
//!    modules, is exempt).
//! 4. The engine, `crates/tracks` and `crates/spotify` have no browser dependency: the
//!    `engine-purity` stage, which reads `cargo tree` (see [`crate::test`]).
//!
//! Imports are read from the text: every `crate::name` path outside comments, `use` groups
//! (`crate::{a, b::c}`) included, and the root's `pub use module::Item` re-exports, so
//! `crate::Catalog` counts as an import of `catalog`. That is what rustfmt-formatted code looks
//! like; it is not a Rust parser.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::repo::Repo;

/// Source folders of the workspace's crates, relative to the root.
const CRATE_SOURCES: [&str; 8] = [
    "src",
    "crates/tracks/src",
    "crates/engine/src",
    "crates/spotify/src",
    "crates/cli/src",
    "crates/mock-spotify/src",
    "crates/bench/src",
    "xtask/src",
];

/// `(crate source folder, importing modules, forbidden module, the rule in words)`.
const FORBIDDEN_IMPORTS: [(&str, &[&str], &str, &str); 2] = [
    (
        "src",
        &["components"],
        "pages",
        "components never import pages",
    ),
    (
        "crates/engine/src",
        &["kmeans", "nearest", "simd", "pca", "space"],
        "catalog",
        "kernels never import the catalog",
    ),
];

pub const MAX_FILE_LINES: usize = 800;
pub const MAX_FUNCTION_LINES: usize = 100;

/// One source file: its path inside the crate's source folder and its text.
#[derive(Debug)]
struct Source {
    path: PathBuf,
    text: String,
}

pub fn run(repo: &Repo) -> Result<()> {
    let mut violations = Vec::new();
    for folder in CRATE_SOURCES {
        let dir = repo.root.join(folder);
        if !dir.is_dir() {
            continue;
        }
        let sources = read_sources(&dir, &dir)?;
        violations.extend(check_crate(folder, &sources));
    }
    if violations.is_empty() {
        println!("    every crate keeps its layers and sizes");
        return Ok(());
    }
    for violation in &violations {
        println!("    {violation}");
    }
    bail!("{} layering or size rule(s) broken", violations.len())
}

fn read_sources(root: &Path, dir: &Path) -> Result<Vec<Source>> {
    let mut sources = Vec::new();
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))?;
    let mut paths: Vec<PathBuf> = entries
        .map(|entry| entry.map(|e| e.path()))
        .collect::<std::io::Result<_>>()
        .with_context(|| format!("cannot list {}", dir.display()))?;
    paths.sort();
    for path in paths {
        if path.is_dir() {
            sources.extend(read_sources(root, &path)?);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let path = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
            sources.push(Source { path, text });
        }
    }
    Ok(sources)
}

/// Every rule broken in one crate, as sentences naming the files.
fn check_crate(folder: &str, sources: &[Source]) -> Vec<String> {
    let mut violations = Vec::new();
    let graph = import_graph(sources);
    for cycle in cycles(&graph) {
        violations.push(format!("{folder}: import cycle {}", cycle.join(" -> ")));
    }
    for (crate_folder, importers, forbidden, rule) in FORBIDDEN_IMPORTS {
        if crate_folder != folder {
            continue;
        }
        for importer in importers {
            if graph
                .get(*importer)
                .is_some_and(|to| to.contains(forbidden))
            {
                violations.push(format!("{folder}: {importer} imports {forbidden} ({rule})"));
            }
        }
    }
    for source in sources.iter().filter(|s| !is_test_file(&s.path)) {
        let code = non_test_code(&source.text);
        let path = source.path.display();
        let lines = code.lines().count();
        if lines > MAX_FILE_LINES {
            violations.push(format!(
                "{folder}/{path}: {lines} lines of code (at most {MAX_FILE_LINES})"
            ));
        }
        for (name, lines) in long_functions(code) {
            violations.push(format!(
                "{folder}/{path}: fn {name} is {lines} lines (at most {MAX_FUNCTION_LINES})"
            ));
        }
    }
    violations
}

fn is_test_file(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|name| name == "tests.rs" || name == "testing.rs")
}

/// The top-level module a source file belongs to (`None` for the crate root).
fn module_of(path: &Path) -> Option<String> {
    let first = path.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (!matches!(name, "lib" | "main")).then(|| name.to_owned())
}

/// Which top-level module imports which, root re-exports resolved to their modules.
fn import_graph(sources: &[Source]) -> BTreeMap<String, BTreeSet<String>> {
    let modules: BTreeSet<String> = sources.iter().filter_map(|s| module_of(&s.path)).collect();
    let reexports: BTreeMap<String, String> = sources
        .iter()
        .filter(|s| module_of(&s.path).is_none())
        .flat_map(|s| root_reexports(&s.text, &modules))
        .collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for source in sources {
        let Some(from) = module_of(&source.path) else {
            continue;
        };
        let targets = graph.entry(from.clone()).or_default();
        for name in crate_paths(&strip_comments(&source.text)) {
            let to = reexports.get(&name).cloned().unwrap_or(name);
            if to != from && modules.contains(&to) {
                targets.insert(to);
            }
        }
    }
    graph
}

/// The text without `//` comments (doc comments included), so prose naming a path is no import.
fn strip_comments(text: &str) -> String {
    text.lines()
        .map(|line| line.find("//").map_or(line, |at| &line[..at]))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The first segment of every `crate::` path in `code`, groups expanded.
fn crate_paths(code: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            names.extend(group_entries(group).into_iter().filter_map(first_segment));
        } else if let Some(name) = first_segment(rest) {
            names.push(name);
        }
    }
    names
}

/// The top-level entries of a `use` group whose `{` was just consumed.
fn group_entries(group: &str) -> Vec<&str> {
    let (mut depth, mut start, mut entries) = (0usize, 0, Vec::new());
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                entries.push(&group[start..i]);
                break;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                entries.push(&group[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    entries
}

fn first_segment(path: &str) -> Option<String> {
    let name: String = path
        .trim_start()
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty() && name != "self").then_some(name)
}

/// `name -> module` for the root's `pub use module::name` (and `module::{a, b}`) re-exports.
fn root_reexports(text: &str, modules: &BTreeSet<String>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for statement in strip_comments(text).split(';') {
        let Some(path) = statement.trim().strip_prefix("pub use ") else {
            continue;
        };
        let Some((module, items)) = path.split_once("::") else {
            continue;
        };
        if !modules.contains(module) {
            continue;
        }
        let items = items.trim();
        let names: Vec<&str> = match items.strip_prefix('{') {
            Some(group) => group_entries(group),
            None => vec![items],
        };
        for item in names {
            // `a::b::Item` and `Item as Alias` both export their last name.
            let exported = item.rsplit(" as ").next().unwrap_or(item);
            let exported = exported.rsplit("::").next().unwrap_or(exported).trim();
            if !exported.is_empty() {
                out.push((exported.to_owned(), module.to_owned()));
            }
        }
    }
    out
}

/// Each import cycle once, as the modules along it (first repeated at the end).
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    let mut seen: BTreeSet<BTreeSet<String>> = BTreeSet::new();
    let mut found = Vec::new();
    for start in graph.keys() {
        if let Some(path) = path_back(graph, start)
            && seen.insert(path.iter().cloned().collect())
        {
            let mut cycle = path;
            cycle.push(start.clone());
            found.push(cycle);
        }
    }
    found
}

/// The shortest path from `start` back to itself (without the final `start`), breadth first.
fn path_back(graph: &BTreeMap<String, BTreeSet<String>>, start: &str) -> Option<Vec<String>> {
    let mut parent: BTreeMap<&str, &str> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(node) = queue.pop_front() {
        for next in graph.get(node).into_iter().flatten() {
            if next == start {
                let mut path = vec![node.to_owned()];
                let mut at = node;
                while at != start {
                    at = parent[at];
                    path.push(at.to_owned());
                }
                path.reverse();
                return Some(path);
            }
            if !parent.contains_key(next.as_str()) {
                parent.insert(next, node);
                queue.push_back(next);
            }
        }
    }
    None
}

/// The file up to its `#[cfg(test)]` module (a module of tests ends a file in this codebase).
fn non_test_code(text: &str) -> &str {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if line.trim_end() == "#[cfg(test)]" {
            return &text[..offset];
        }
        offset += line.len();
    }
    text
}

/// `(name, lines)` of every function longer than [`MAX_FUNCTION_LINES`]: from its `fn` line to
/// the closing brace at the same indentation.
fn long_functions(code: &str) -> Vec<(String, usize)> {
    let lines: Vec<&str> = code.lines().collect();
    let mut long = Vec::new();
    for (start, line) in lines.iter().enumerate() {
        let Some(name) = function_name(line) else {
            continue;
        };
        let indent = &line[..line.len() - line.trim_start().len()];
        let closing = format!("{indent}}}");
        let end = lines[start..]
            .iter()
            .position(|l| l.trim_end() == closing || l.trim_end().ends_with(';') && l == line)
            .map(|offset| start + offset);
        if let Some(end) = end {
            let length = end - start + 1;
            if length > MAX_FUNCTION_LINES {
                long.push((name, length));
            }
        }
    }
    long
}

/// The name of the function `line` starts, if it does.
fn function_name(line: &str) -> Option<String> {
    let mut words = line.split_whitespace().peekable();
    while let Some(word) = words.next() {
        if word == "fn" {
            return words.next().and_then(first_segment);
        }
        let qualifier = word.starts_with("pub")
            || matches!(word, "const" | "async" | "unsafe" | "extern" | "default")
            || word.starts_with('"');
        if !qualifier {
            return None;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(path: &str, text: &str) -> Source {
        Source {
            path: PathBuf::from(path),
            text: text.to_owned(),
        }
    }

    #[test]
    fn imports_are_read_from_paths_groups_and_root_reexports() {
        let sources = [
            source(
                "lib.rs",
                "pub mod a;\npub use a::{Alpha, deep::Beta as B};\n",
            ),
            source("a.rs", "use crate::b::Thing;\n// crate::c in a comment\n"),
            source(
                "b/mod.rs",
                "use crate::{\n    c::{X, Y},\n    Alpha,\n};\nfn f() { crate::d::g(); }\n",
            ),
            source("c.rs", "use super::x; use my_crate::a;"),
            source("d.rs", "use crate::{self, Feature};"),
        ];
        let graph = import_graph(&sources);
        let edges = |m: &str| graph[m].iter().cloned().collect::<Vec<_>>();
        assert_eq!(edges("a"), ["b"]);
        assert_eq!(edges("b"), ["a", "c", "d"], "Alpha is a's");
        assert!(edges("c").is_empty());
        assert!(edges("d").is_empty(), "root items are no module");
    }

    #[test]
    fn cycles_are_found_once_with_their_path() {
        let graph: BTreeMap<String, BTreeSet<String>> = [
            ("a", vec!["b"]),
            ("b", vec!["c"]),
            ("c", vec!["a", "d"]),
            ("d", vec![]),
            ("e", vec!["d"]),
        ]
        .into_iter()
        .map(|(m, to)| (m.to_owned(), to.into_iter().map(str::to_owned).collect()))
        .collect();
        assert_eq!(cycles(&graph), [["a", "b", "c", "a"]]);
        let mut acyclic = graph.clone();
        acyclic.get_mut("c").unwrap().remove("a");
        assert!(cycles(&acyclic).is_empty());
    }

    #[test]
    fn forbidden_imports_and_cycles_are_reported() {
        let sources = [
            source("components/card.rs", "use crate::pages::recommend::Shown;"),
            source("pages/mod.rs", "use crate::components::card;"),
        ];
        let violations = check_crate("src", &sources);
        assert_eq!(
            violations,
            [
                "src: import cycle components -> pages -> components",
                "src: components imports pages (components never import pages)",
            ]
        );
        assert!(check_crate("crates/engine/src", &sources[1..]).is_empty());
    }

    #[test]
    fn long_functions_and_files_are_measured_without_their_tests() {
        let body = "    let x = 1;\n".repeat(98);
        let text = format!(
            "pub(crate) fn short() {{\n{body}}}\n\nfn long() -> u8 {{\n{body}    x\n}}\n\
             fn declared();\n#[cfg(test)]\nmod tests {{\n    fn huge() {{\n{body}{body}}}\n}}\n"
        );
        let code = non_test_code(&text);
        assert_eq!(long_functions(code), [("long".to_owned(), 101)]);
        assert!(!code.contains("huge"));
        let sources = [
            source("big.rs", &"const A: u8 = 0;\n".repeat(801)),
            source("tests.rs", &"const A: u8 = 0;\n".repeat(900)),
        ];
        assert_eq!(
            check_crate("crates/x/src", &sources),
            ["crates/x/src/big.rs: 801 lines of code (at most 800)"]
        );
    }

    #[test]
    fn function_lines_are_recognised() {
        for (line, name) in [
            ("pub fn a(x: u8) {", Some("a")),
            ("    pub(super) const fn b<T>() -> T {", Some("b")),
            ("pub async fn c() {", Some("c")),
            ("let f = |x| x; // fn d", None),
            ("    // fn e()", None),
            ("impl Foo {", None),
        ] {
            assert_eq!(function_name(line).as_deref(), name, "{line}");
        }
    }
}
