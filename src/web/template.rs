//! The handlebars files of `templates/`, compiled into the binary so it runs from any folder
//! with nothing beside it. An operator's template folder (`HEARKEN_TEMPLATE_DIR`, laid out like
//! `templates/`) replaces the built-in file of the same path, for pages and emails alike; it is
//! read once at start.
//!
//! Pages are rendered by rocket_dyn_templates, which reads its templates from a folder (and
//! takes a page's Content-Type from the file name). So at each start the page templates, built
//! in or replaced, are checked and written to `<data dir>/templates/web`, a folder only this
//! server writes, and that folder becomes its `template_dir`. Emails are compiled from the same
//! sources by the mail worker.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};
use rocket::fairing::AdHoc;
use rocket::{Build, Rocket};
use rocket_dyn_templates::Template;
use rocket_dyn_templates::handlebars::Handlebars;
use rocket_dyn_templates::handlebars::handlebars_helper;

use crate::config::{ConfigError, Settings};

/// The repository's `templates/` folder: `web/<name>.html.hbs` for pages and
/// `email/<kind>/<part>.hbs` for emails.
static BUILT_IN: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/templates");

/// A template folder that cannot be used, named by its setting.
fn refused(message: String) -> ConfigError {
    ConfigError {
        setting: "HEARKEN_TEMPLATE_DIR",
        message,
    }
}

/// The template sources under `folder` (`web` or `email`) by their path inside it, e.g.
/// `setup.html.hbs` or `invite/subject.txt.hbs`: the built-in ones, each replaced by the file
/// of the same path in `overrides` when there is one there.
pub fn sources(
    overrides: Option<&Path>,
    folder: &str,
) -> Result<BTreeMap<String, String>, ConfigError> {
    let mut sources = BTreeMap::new();
    if let Some(dir) = BUILT_IN.get_dir(folder) {
        built_in_files(dir, &mut sources);
    }
    let prefix = format!("{folder}/");
    let mut sources: BTreeMap<String, String> = sources
        .into_iter()
        .filter_map(|(path, text)| Some((path.strip_prefix(&prefix)?.to_string(), text)))
        .collect();
    let Some(root) = overrides else {
        return Ok(sources);
    };
    for (path, file) in override_files(root)? {
        let slot = path
            .strip_prefix(&prefix)
            .and_then(|inner| sources.get_mut(inner));
        let Some(slot) = slot else {
            continue;
        };
        *slot = std::fs::read_to_string(&file)
            .map_err(|e| refused(format!("cannot read {}: {e}", file.display())))?;
    }
    Ok(sources)
}

fn built_in_files(dir: &Dir<'static>, into: &mut BTreeMap<String, String>) {
    for file in dir.files() {
        if let Some(text) = file.contents_utf8() {
            into.insert(
                file.path().to_string_lossy().replace('\\', "/"),
                text.to_string(),
            );
        }
    }
    for sub in dir.dirs() {
        built_in_files(sub, into);
    }
}

/// The `.hbs` files of the override folder by their path inside it. One that replaces no
/// built-in template is refused, so a misspelt or misplaced file is not silently ignored.
fn override_files(root: &Path) -> Result<Vec<(String, PathBuf)>, ConfigError> {
    if !root.is_dir() {
        return Err(refused(format!("{} is not a folder", root.display())));
    }
    let mut found = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = std::fs::read_dir(&dir)
            .map_err(|e| refused(format!("cannot read {}: {e}", dir.display())))?;
        for entry in entries {
            let path = entry
                .map_err(|e| refused(format!("cannot read {}: {e}", dir.display())))?
                .path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            if path.extension().is_none_or(|ext| ext != "hbs") {
                continue;
            }
            let relative = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            if BUILT_IN.get_file(&relative).is_none() {
                return Err(refused(format!(
                    "{relative} replaces no built-in template (pages are web/<name>.html.hbs, \
                         emails email/<kind>/<part>.hbs)"
                )));
            }
            found.push((relative, path));
        }
    }
    Ok(found)
}

/// The page templates (`web/<name>.html.hbs`, by their path inside `web/`), built in or from
/// the override folder, every one of them compiled once to check it.
pub struct Pages {
    sources: BTreeMap<String, String>,
}

impl Pages {
    pub fn load(overrides: Option<&Path>) -> Result<Self, ConfigError> {
        let sources = sources(overrides, "web")?;
        let mut registry = Handlebars::new();
        for (path, source) in &sources {
            registry
                .register_template_string(path, source)
                .map_err(|e| refused(format!("web/{path}: {e}")))?;
        }
        Ok(Self { sources })
    }

    /// Makes `dir` hold exactly these templates: each file is replaced whole (written beside
    /// and renamed), and a file no longer among them, left by an earlier version, is removed.
    fn write(&self, dir: &Path) -> io::Result<()> {
        if let Some(parent) = dir.parent() {
            private_folder(parent)?;
        }
        private_folder(dir)?;
        for (path, source) in &self.sources {
            let target = dir.join(path);
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent)?;
            }
            let mut partial = target.clone().into_os_string();
            partial.push(format!(".partial-{}", std::process::id()));
            std::fs::write(&partial, source)?;
            std::fs::rename(&partial, &target)?;
        }
        remove_others(dir, dir, &self.sources)
    }
}

/// Only the server's own user may change the pages it serves, also in a folder made before.
fn private_folder(dir: &Path) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

fn remove_others(root: &Path, dir: &Path, keep: &BTreeMap<String, String>) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            remove_others(root, &path, keep)?;
            // Kept when something it holds is still a template.
            let _ = std::fs::remove_dir(&path);
            continue;
        }
        let relative = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        if !keep.contains_key(&relative) {
            std::fs::remove_file(&path)?;
        }
    }
    Ok(())
}

/// The folder rocket_dyn_templates reads the pages from.
pub fn pages_folder(settings: &Settings) -> PathBuf {
    let dir = settings.data_dir.join("templates").join("web");
    std::path::absolute(&dir).unwrap_or(dir)
}

/// Checks the page templates and writes them to [`pages_folder`], which it returns. Called at
/// start, after the settings are read and the data directory is created.
pub fn prepare(settings: &Settings) -> Result<PathBuf, ConfigError> {
    let pages = Pages::load(settings.template_dir.as_deref())?;
    let dir = pages_folder(settings);
    pages.write(&dir).map_err(|e| ConfigError {
        setting: "HEARKEN_DATA_DIR",
        message: format!("cannot write the page templates to {}: {e}", dir.display()),
    })?;
    Ok(dir)
}

use super::wording::counted;
pub use super::wording::grouped;

// `{{grouped n}}` in a page.
handlebars_helper!(grouped_helper: |n: i64| grouped(n));

// `{{counted n "question" "questions"}}` in a page: "1 question", "2 questions".
handlebars_helper!(counted_helper: |n: i64, one: str, other: str| counted(n, one, other));

/// Attaches the fairing that loads the pages from `dir`, as [`prepare`] left them.
///
/// rocket_dyn_templates finds its folder under `template_dir`, the key `HEARKEN_TEMPLATE_DIR`
/// (the operator's folder, already read into the settings) sets too. So the key names the pages
/// folder only while that fairing starts; the configuration is put back right after it, and a
/// server built again from this one's configuration reads the same settings.
pub fn attach(rocket: Rocket<Build>, dir: &Path) -> Rocket<Build> {
    let configured = rocket.figment().clone();
    let for_templates = configured.clone().merge(("template_dir", dir));
    rocket
        .configure(for_templates)
        .attach(Template::custom(|engines| {
            engines
                .handlebars
                .register_helper("grouped", Box::new(grouped_helper));
            engines
                .handlebars
                .register_helper("counted", Box::new(counted_helper));
            engines
                .handlebars
                .register_helper("t", Box::new(super::staff_text::t_helper));
            engines
                .handlebars
                .register_helper("tn", Box::new(super::staff_text::tn_helper));
            engines
                .handlebars
                .register_helper("staff_lang_code", Box::new(super::staff_text::lang_helper));
        }))
        .attach(AdHoc::on_ignite(
            "Hearken configuration after templates",
            |rocket| async move { rocket.configure(configured) },
        ))
}
