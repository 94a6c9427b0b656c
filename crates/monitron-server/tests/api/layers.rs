//! The layers of the server point one way: the HTTP API (`src/api/`) may use everything,
//! and nothing else may use the API. Only the composition root (`startup.rs`, `lib.rs`,
//! `main.rs`, `cli.rs`) wires the API to the rest.

use std::path::{Path, PathBuf};

const COMPOSITION_ROOT: &[&str] = &["startup.rs", "lib.rs", "main.rs", "cli.rs"];

fn sources(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// Every reference to the API from outside it, as `file:line: text`.
fn references_to_the_api(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    sources(src, &mut files);
    let mut found = Vec::new();
    for file in files {
        let relative = file.strip_prefix(src).unwrap();
        if relative.starts_with("api") || COMPOSITION_ROOT.contains(&relative.to_str().unwrap()) {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.trim();
            if code.contains("crate::api") || code.contains("super::api") {
                found.push(format!("{}:{}: {code}", relative.display(), n + 1));
            }
        }
    }
    found
}

#[test]
fn nothing_outside_the_api_uses_the_api() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let found = references_to_the_api(&src);
    assert!(
        found.is_empty(),
        "modules outside src/api/ must not use the API (move the shared piece below it):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_check_finds_a_reference() {
    let dir = std::env::temp_dir().join(format!("monitron-layers-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(dir.join("api")).unwrap();
    std::fs::write(dir.join("api/x.rs"), "use crate::api::y;\n").unwrap();
    std::fs::write(
        dir.join("lib.rs"),
        "pub mod api;\nuse crate::api::router;\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("engine.rs"),
        "use crate::state;\nuse crate::api::envelope::ApiError;\n",
    )
    .unwrap();
    let found = references_to_the_api(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(found, ["engine.rs:2: use crate::api::envelope::ApiError;"]);
}
