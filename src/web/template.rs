//! Page templates: the handlebars files of `templates/` compiled into the binary, so it runs
//! from any folder with nothing beside it, and the `Template` responder that renders one page.
//! An operator's template folder (`HEARKEN_TEMPLATE_DIR`, laid out like `templates/`) replaces
//! the built-in file of the same path, for pages and emails alike; it is read once at start.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use handlebars::{Context, Handlebars};
use include_dir::{Dir, include_dir};
use rocket::Request;
use rocket::http::{ContentType, Status};
use rocket::response::{self, Responder};
use serde::Serialize;

use crate::config::ConfigError;

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

/// The compiled page templates, kept in Rocket's state.
pub struct Pages {
    registry: Handlebars<'static>,
}

impl Pages {
    /// Compiles the page templates (`web/<name>.html.hbs`, named `<name>`), built in or from
    /// the override folder. Every template is also a partial of the others, as `layout` is.
    pub fn load(overrides: Option<&Path>) -> Result<Self, ConfigError> {
        let mut registry = Handlebars::new();
        for (path, source) in sources(overrides, "web")? {
            let Some(name) = path.strip_suffix(".html.hbs") else {
                continue;
            };
            registry
                .register_template_string(name, source)
                .map_err(|e| refused(format!("web/{path}: {e}")))?;
        }
        Ok(Self { registry })
    }

    fn render(&self, name: &str, context: &Context) -> Result<String, String> {
        self.registry
            .render_with_context(name, context)
            .map_err(|e| e.to_string())
    }
}

/// One HTML page: a template name and the values it shows.
pub struct Template {
    name: &'static str,
    context: Result<serde_json::Value, serde_json::Error>,
}

impl Template {
    pub fn render(name: &'static str, context: impl Serialize) -> Self {
        Self {
            name,
            context: serde_json::to_value(context),
        }
    }
}

impl<'r> Responder<'r, 'static> for Template {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        let Some(pages) = req.rocket().state::<Pages>() else {
            log::error!("page {}: the templates are not loaded", self.name);
            return Err(Status::InternalServerError);
        };
        let html = self
            .context
            .map_err(|e| e.to_string())
            .and_then(|value| pages.render(self.name, &Context::from(value)));
        match html {
            Ok(html) => (ContentType::HTML, html).respond_to(req),
            Err(e) => {
                log::error!("page {} cannot be rendered: {e}", self.name);
                Err(Status::InternalServerError)
            }
        }
    }
}

/// The values a page shows, as `context! { title, count: rows.len() }`: each name with its
/// value, or a variable of that name. They become a map without being copied.
macro_rules! context {
    ($($key:ident $(: $value:expr)?),* $(,)?) => {{
        #[allow(non_camel_case_types)]
        struct Values<$($key: ::serde::Serialize),*> {
            $($key: $key),*
        }

        #[allow(non_camel_case_types)]
        impl<$($key: ::serde::Serialize),*> ::serde::Serialize for Values<$($key),*> {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                use ::serde::ser::SerializeMap;
                let mut map = serializer.serialize_map(None)?;
                $(map.serialize_entry(stringify!($key), &self.$key)?;)*
                map.end()
            }
        }

        Values { $($key $(: $value)?),* }
    }};
}

pub(crate) use context;
