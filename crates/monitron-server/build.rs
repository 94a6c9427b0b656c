//! Builds the web UI (`web/`) into `web/dist` when it is missing or older than its
//! sources and Node.js is installed, so that `cargo build --release` alone yields a
//! binary that serves the UI. The folder the binary embeds is passed to the compiler as
//! `MONITRON_UI_DIR`: `web/dist` when it holds a build, otherwise `ui-fallback/`, a page
//! that says how to build the UI (a build without Node.js still succeeds).
//!
//! `MONITRON_SKIP_UI_BUILD=1` embeds whatever `web/dist` holds without building.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

/// The files and folders of `web/` whose changes make the build stale.
const SOURCES: &[&str] = &[
    "src",
    "public",
    "index.html",
    "package.json",
    "package-lock.json",
    "vite.config.ts",
    "tsconfig.json",
];

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let web = manifest.join("../../web");
    let dist = web.join("dist");
    let fallback = manifest.join("ui-fallback");
    println!("cargo:rerun-if-env-changed=MONITRON_SKIP_UI_BUILD");
    println!("cargo:rerun-if-changed={}", fallback.display());
    for source in SOURCES {
        println!("cargo:rerun-if-changed={}", web.join(source).display());
    }
    println!(
        "cargo:rerun-if-changed={}",
        dist.join("index.html").display()
    );

    let skip = std::env::var("MONITRON_SKIP_UI_BUILD").is_ok_and(|v| v == "1");
    if web.join("package.json").exists() && !skip && is_stale(&web, &dist) {
        if node_present() {
            build(&web);
        } else {
            println!(
                "cargo:warning=Node.js is not installed: the binary serves a page that says how \
                 to build the web UI (install Node.js 20+ and build again)"
            );
        }
    }
    let embedded = if dist.join("index.html").exists() {
        dist
    } else {
        fallback
    };
    let embedded = embedded.canonicalize().expect("the UI folder exists");
    println!("cargo:rustc-env=MONITRON_UI_DIR={}", embedded.display());
}

/// Whether `dist` is missing or older than any source file.
fn is_stale(web: &Path, dist: &Path) -> bool {
    let Some(built) = modified(&dist.join("index.html")) else {
        return true;
    };
    SOURCES
        .iter()
        .filter_map(|source| newest(&web.join(source)))
        .any(|changed| changed > built)
}

fn modified(path: &Path) -> Option<SystemTime> {
    path.metadata().and_then(|m| m.modified()).ok()
}

/// The newest modification time of a file or of anything under a folder.
fn newest(path: &Path) -> Option<SystemTime> {
    let meta = path.metadata().ok()?;
    if !meta.is_dir() {
        return meta.modified().ok();
    }
    std::fs::read_dir(path)
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|entry| newest(&entry.path()))
        .max()
}

fn node_present() -> bool {
    ["node", "npm"].iter().all(|tool| {
        Command::new(tool)
            .arg("--version")
            .output()
            .is_ok_and(|out| out.status.success())
    })
}

/// `npm ci` when the installed packages do not match the lock file, then `vite build`.
fn build(web: &Path) {
    let installed = modified(&web.join("node_modules/.package-lock.json"));
    let locked = modified(&web.join("package-lock.json"));
    if installed.is_none() || locked > installed {
        run(web, &["ci", "--no-audit", "--no-fund"]);
    }
    run(web, &["exec", "--no", "--", "vite", "build"]);
}

fn run(web: &Path, args: &[&str]) {
    let status = Command::new("npm")
        .args(args)
        .current_dir(web)
        .status()
        .unwrap_or_else(|err| panic!("could not run npm {}: {err}", args.join(" ")));
    assert!(
        status.success(),
        "npm {} failed in {} ({status}); fix the web UI build, or set MONITRON_SKIP_UI_BUILD=1 \
         to embed web/dist as it is",
        args.join(" "),
        web.display()
    );
}
