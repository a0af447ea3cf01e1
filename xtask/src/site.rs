//! `cargo xtask site`: what Trunk's post-build hook (`Trunk.toml`) runs on every build, `dist`,
//! `serve` and the end-to-end build alike, before Trunk moves its staging folder into place.
//!
//! - It writes the Content-Security-Policy `<meta>` of `index.html` (see [`crate::csp`]), hashing
//!   the inline scripts exactly as Trunk wrote them. The Spotify origins come from the staged
//!   `config.json`, or from `ENCORE_CONNECT_ORIGINS` (the end-to-end build, whose `config.json`
//!   the mock replaces with one pointing at itself on an ephemeral port).
//! - It draws the icons (`icon.svg`, `icon-192.png`, `icon-512.png`, see [`crate::icon`]).
//! - It fills in the engine worker's build (`engine-worker.js`): the names Trunk gave the app's JS
//!   glue and `.wasm`, which the worker loads too.
//! - It fills in the service worker's build (`sw.js`): the app-shell files to cache and a version
//!   that changes whenever one of them does, so a new deployment is a new worker.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail, ensure};
use sha2::{Digest, Sha256};

use crate::{csp, icon};

/// The PNG sizes the manifest lists (`public/manifest.webmanifest`): what browsers ask for to
/// offer installing the app.
const PNG_ICON_SIZES: [u32; 2] = [192, 512];

/// `index.html`'s placeholder, which must be there exactly once.
const CSP_META: &str = r#"meta[http-equiv="Content-Security-Policy"]"#;
/// The line of `public/sw.js` replaced by the real build.
const SW_BUILD_LINE: &str = "const BUILD = { version: 'unbuilt', shell: [] };";
/// The line of `public/engine-worker.js` replaced by the real build.
const ENGINE_APP_LINE: &str = "const APP = { glue: 'unbuilt', wasm: 'unbuilt' };";
/// Staged files that are not the app shell: the catalog is cached by the app under its checksum
/// (`src/catalog.rs`), the worker is fetched by the browser itself, and `404.html` is the same
/// page as `index.html`.
const NOT_SHELL: [&str; 3] = ["catalog.bin", "sw.js", "404.html"];

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The folder Trunk staged the site in (Trunk sets TRUNK_STAGING_DIR for its hooks)
    #[arg(long, env = "TRUNK_STAGING_DIR", value_name = "DIR")]
    pub staging: PathBuf,
    /// CSP sources the app may connect to besides its own origin, space-separated
    /// [default: the origins of config.json's Spotify URLs]
    #[arg(long, env = "ENCORE_CONNECT_ORIGINS", value_name = "SOURCES")]
    pub connect: Option<String>,
}

pub fn run(args: &Args) -> Result<()> {
    let staging = &args.staging;
    let connect = match &args.connect {
        Some(sources) => sources.split_whitespace().map(str::to_owned).collect(),
        None => config_origins(&staging.join("config.json"))?,
    };
    let index = staging.join("index.html");
    let html = read(&index)?;
    let html = with_policy(&html, &connect)?;
    write(&index, html.as_bytes())?;

    write(&staging.join("icon.svg"), icon::svg().as_bytes())?;
    for size in PNG_ICON_SIZES {
        write(&staging.join(format!("icon-{size}.png")), &icon::png(size)?)?;
    }

    // Before the shell's version, which hashes the engine worker's bytes too.
    let engine_worker = staging.join("engine-worker.js");
    let script = with_app(&read(&engine_worker)?, &shell_files(staging)?)?;
    write(&engine_worker, script.as_bytes())?;

    let worker = staging.join("sw.js");
    let script = read(&worker)?;
    let shell = shell_files(staging)?;
    let script = with_build(&script, &shell, &version(staging, &shell)?)?;
    write(&worker, script.as_bytes())?;
    println!(
        "    index.html: Content-Security-Policy written; icons drawn; engine-worker.js: the app's files; sw.js: {} shell files",
        shell.len()
    );
    Ok(())
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

/// The origins of `spotify_accounts_url` and `spotify_api_url` in the deployed `config.json`.
fn config_origins(path: &Path) -> Result<Vec<String>> {
    let config: serde_json::Value = serde_json::from_str(&read(path)?)
        .with_context(|| format!("{} is not JSON", path.display()))?;
    ["spotify_accounts_url", "spotify_api_url"]
        .iter()
        .map(|field| {
            let url = config[field]
                .as_str()
                .with_context(|| format!("{} has no {field}", path.display()))?;
            csp::origin_of(url).with_context(|| format!("{} field {field}", path.display()))
        })
        .collect()
}

/// `html` with the CSP `<meta>`'s content set to the policy for its inline scripts.
fn with_policy(html: &str, connect: &[String]) -> Result<String> {
    let inline_scripts = inline_scripts(html)?;
    let policy = csp::policy(&csp::Inputs {
        inline_scripts: &inline_scripts,
        connect,
    });
    let mut metas = 0;
    let rewritten = lol_html::rewrite_str(
        html,
        lol_html::RewriteStrSettings {
            element_content_handlers: vec![lol_html::element!(CSP_META, |meta| {
                metas += 1;
                meta.set_attribute("content", &policy)?;
                Ok(())
            })],
            ..lol_html::RewriteStrSettings::new()
        },
    )
    .context("cannot rewrite index.html")?;
    ensure!(
        metas == 1,
        "index.html must have exactly one <{CSP_META}> for the policy, found {metas}"
    );
    Ok(rewritten)
}

/// The text of every `<script>` without `src`, exactly as written (what the browser hashes).
fn inline_scripts(html: &str) -> Result<Vec<String>> {
    let mut scripts: Vec<String> = Vec::new();
    let mut open = false;
    lol_html::rewrite_str(
        html,
        lol_html::RewriteStrSettings {
            element_content_handlers: vec![lol_html::text!("script:not([src])", |chunk| {
                if !open {
                    scripts.push(String::new());
                    open = true;
                }
                if let Some(script) = scripts.last_mut() {
                    script.push_str(chunk.as_str());
                }
                open = !chunk.last_in_text_node();
                Ok(())
            })],
            ..lol_html::RewriteStrSettings::new()
        },
    )
    .context("cannot read the scripts of index.html")?;
    Ok(scripts)
}

/// The shell: every staged file but those in [`NOT_SHELL`], as sorted URL paths relative to the
/// site (`index.html`, `encore-app-HASH_bg.wasm`, …).
fn shell_files(staging: &Path) -> Result<Vec<String>> {
    let mut files = Vec::new();
    let mut folders = vec![staging.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let entries = std::fs::read_dir(&folder)
            .with_context(|| format!("cannot list {}", folder.display()))?;
        for entry in entries {
            let path = entry
                .with_context(|| format!("cannot list {}", folder.display()))?
                .path();
            if path.is_dir() {
                folders.push(path);
                continue;
            }
            let relative = path
                .strip_prefix(staging)
                .context("a staged file outside the staging folder")?;
            let url = relative
                .components()
                .map(|part| part.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            if !NOT_SHELL.contains(&url.as_str()) {
                files.push(url);
            }
        }
    }
    files.sort();
    if !files.iter().any(|file| file == "index.html") {
        bail!("{} has no index.html", staging.display());
    }
    Ok(files)
}

/// Sixteen hex digits of a SHA-256 over every shell file's name and bytes.
fn version(staging: &Path, shell: &[String]) -> Result<String> {
    let mut hasher = Sha256::new();
    for file in shell {
        let bytes = std::fs::read(staging.join(file))
            .with_context(|| format!("cannot read {file} in {}", staging.display()))?;
        hasher.update((file.len() as u64).to_le_bytes());
        hasher.update(file.as_bytes());
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(&bytes);
    }
    let digest = hasher.finalize();
    Ok(digest[..8].iter().map(|b| format!("{b:02x}")).collect())
}

/// The engine worker's `script` with its placeholder naming the app's JS glue and `.wasm` (the one
/// top-level `encore-app-*.js` and `*_bg.wasm` of the `shell`) replaced by the real names.
fn with_app(script: &str, shell: &[String]) -> Result<String> {
    ensure!(
        script.matches(ENGINE_APP_LINE).count() == 1,
        "engine-worker.js must contain the line `{ENGINE_APP_LINE}` exactly once"
    );
    let only = |wanted: &dyn Fn(&str) -> bool, what: &str| -> Result<String> {
        let found: Vec<&String> = shell.iter().filter(|f| wanted(f)).collect();
        match found[..] {
            [file] => Ok(format!("./{file}")),
            _ => bail!("the site must hold exactly one {what}, found {found:?}"),
        }
    };
    let glue = only(
        &|f| f.starts_with("encore-app-") && f.ends_with(".js") && !f.contains('/'),
        "encore-app-*.js",
    )?;
    let wasm = only(
        &|f| f.ends_with("_bg.wasm") && !f.contains('/'),
        "*_bg.wasm",
    )?;
    let app = format!("const APP = {{ glue: '{glue}', wasm: '{wasm}' }};");
    Ok(script.replacen(ENGINE_APP_LINE, &app, 1))
}

/// `script` (the worker) with its placeholder build line replaced by the real one.
fn with_build(script: &str, shell: &[String], version: &str) -> Result<String> {
    ensure!(
        script.matches(SW_BUILD_LINE).count() == 1,
        "sw.js must contain the line `{SW_BUILD_LINE}` exactly once"
    );
    let shell = serde_json::to_string(shell).context("cannot write the shell list")?;
    let build = format!("const BUILD = {{ version: '{version}', shell: {shell} }};");
    Ok(script.replacen(SW_BUILD_LINE, &build, 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRUNK_PAGE: &str = r#"<!doctype html><html><head>
<meta charset="utf-8" />
<meta http-equiv="Content-Security-Policy" content="" />
<link rel="modulepreload" href="/encore-app-1.js" crossorigin="anonymous" integrity="sha384-x">
<script type="module">
import init, * as bindings from '/encore-app-1.js';
const wasm = await init({ module_or_path: '/encore-app-1_bg.wasm' });
</script>
<script src="/elsewhere.js"></script>
</head><body></body></html>"#;

    #[test]
    fn the_policy_hashes_the_inline_loader_and_lands_in_the_meta() {
        let loader = "\nimport init, * as bindings from '/encore-app-1.js';\n\
                      const wasm = await init({ module_or_path: '/encore-app-1_bg.wasm' });\n";
        assert_eq!(inline_scripts(TRUNK_PAGE).unwrap(), [loader]);

        let connect = ["http://127.0.0.1:*".to_owned()];
        let html = with_policy(TRUNK_PAGE, &connect).unwrap();
        let expected = csp::policy(&csp::Inputs {
            inline_scripts: &[loader.to_owned()],
            connect: &connect,
        });
        assert!(
            html.contains(&format!(
                r#"<meta http-equiv="Content-Security-Policy" content="{expected}" />"#
            )),
            "{html}"
        );
        assert!(expected.contains(&csp::sha256_source(loader)));
        assert!(expected.contains("connect-src 'self' http://127.0.0.1:*;"));
    }

    #[test]
    fn a_page_without_its_csp_meta_is_refused() {
        let bare = TRUNK_PAGE.replace(
            r#"<meta http-equiv="Content-Security-Policy" content="" />"#,
            "",
        );
        let err = with_policy(&bare, &[]).unwrap_err();
        assert!(format!("{err:#}").contains("found 0"), "{err:#}");
    }

    #[test]
    fn the_worker_gets_the_shell_and_a_version_that_follows_its_bytes() {
        let dir = std::env::temp_dir().join(format!("xtask-site-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("snippets/x")).unwrap();
        for (file, text) in [
            ("index.html", "<html>"),
            ("encore-app-1.js", "js"),
            ("catalog.bin", "catalog"),
            ("sw.js", SW_BUILD_LINE),
            ("snippets/x/inline0.js", "snippet"),
        ] {
            std::fs::write(dir.join(file), text).unwrap();
        }
        let shell = shell_files(&dir).unwrap();
        assert_eq!(
            shell,
            ["encore-app-1.js", "index.html", "snippets/x/inline0.js"]
        );
        let first = version(&dir, &shell).unwrap();
        assert_eq!(first.len(), 16);
        std::fs::write(dir.join("catalog.bin"), "another catalog").unwrap();
        assert_eq!(
            version(&dir, &shell).unwrap(),
            first,
            "the catalog is not the shell"
        );
        std::fs::write(dir.join("encore-app-1.js"), "new js").unwrap();
        let second = version(&dir, &shell).unwrap();
        assert_ne!(second, first, "a changed shell file is a new version");

        let script = format!("// worker\n{SW_BUILD_LINE}\nself.x = 1;\n");
        assert_eq!(
            with_build(&script, &shell, &second).unwrap(),
            format!(
                "// worker\nconst BUILD = {{ version: '{second}', shell: \
                 [\"encore-app-1.js\",\"index.html\",\"snippets/x/inline0.js\"] }};\nself.x = 1;\n"
            )
        );
        assert!(with_build("// no build line", &shell, &second).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_engine_worker_gets_the_apps_glue_and_wasm() {
        let shell = [
            "encore-app-1.js",
            "encore-app-1_bg.wasm",
            "engine-worker.js",
            "index.html",
            "snippets/x/inline0.js",
        ]
        .map(str::to_owned);
        let script = format!("// engine\n{ENGINE_APP_LINE}\nawait import(APP.glue);\n");
        assert_eq!(
            with_app(&script, &shell).unwrap(),
            "// engine\nconst APP = { glue: './encore-app-1.js', wasm: './encore-app-1_bg.wasm' };\n\
             await import(APP.glue);\n"
        );
        assert!(with_app("// no line", &shell).is_err());
        let err = with_app(&script, &shell[2..]).unwrap_err();
        assert!(format!("{err:#}").contains("encore-app-*.js"), "{err:#}");
    }

    #[test]
    fn spotify_origins_come_from_the_deployed_config() {
        let dir = std::env::temp_dir().join(format!("xtask-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let config = dir.join("config.json");
        std::fs::write(
            &config,
            r#"{"spotify_accounts_url": "https://accounts.spotify.com", "spotify_api_url": "https://api.spotify.com/v1", "client_id": ""}"#,
        )
        .unwrap();
        assert_eq!(
            config_origins(&config).unwrap(),
            ["https://accounts.spotify.com", "https://api.spotify.com"]
        );
        std::fs::write(
            &config,
            r#"{"spotify_accounts_url": "https://accounts.spotify.com"}"#,
        )
        .unwrap();
        let err = config_origins(&config).unwrap_err();
        assert!(format!("{err:#}").contains("no spotify_api_url"), "{err:#}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
