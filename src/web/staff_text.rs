//! The staff pages' translation layer as pages and handlers use it: the `t`, `tn` and `staff_lang_code`
//! template helpers, and the [`BrowserLang`] guard for pages nobody is signed in to.
//!
//! A page's language comes from its render context: `me.language` on a signed-in member's page
//! ([`crate::auth::Me`] carries it), else `staff_lang` (the browser's choice, set by pages
//! without `me`), else English.

use rocket::request::{FromRequest, Outcome, Request};
use rocket_dyn_templates::handlebars::{
    Context, Handlebars, Helper, HelperResult, JsonRender, Output, RenderContext, RenderErrorReason,
};
use serde_json::Value;

use crate::i18n::staff::{self, StaffCatalog, staff_catalog};

/// The staff language the browser asks for (`Accept-Language`), English when it names none.
#[derive(Debug, Clone, Copy)]
pub struct BrowserLang(pub &'static str);

impl BrowserLang {
    pub fn of(req: &Request<'_>) -> BrowserLang {
        BrowserLang(staff::resolve(
            None,
            req.headers().get_one("Accept-Language"),
        ))
    }

    pub fn t(&self) -> &'static StaffCatalog {
        staff_catalog(self.0)
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for BrowserLang {
    type Error = std::convert::Infallible;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        Outcome::Success(BrowserLang::of(req))
    }
}

/// The language of the page being rendered, from its root context.
fn language_of(ctx: &Context) -> &'static str {
    let data = ctx.data();
    data.pointer("/me/language")
        .and_then(Value::as_str)
        .or_else(|| data.get("staff_lang").and_then(Value::as_str))
        .and_then(staff::supported)
        .unwrap_or("en")
}

/// The `name=value` pairs of a helper call, values rendered as text.
type NamedValues<'a> = Vec<(&'a str, String)>;

/// The key (first parameter) and the named values (`name=value`) of a `t` or `tn` call.
fn key_and_args<'a>(
    h: &'a Helper<'_>,
    name: &'static str,
) -> Result<(&'a str, NamedValues<'a>), RenderErrorReason> {
    let key = h
        .param(0)
        .and_then(|p| p.value().as_str())
        .ok_or(RenderErrorReason::ParamNotFoundForIndex(name, 0))?;
    let args = h
        .hash()
        .iter()
        .map(|(name, value)| (*name, value.value().render()))
        .collect();
    Ok((key, args))
}

fn write_escaped(r: &Handlebars<'_>, out: &mut dyn Output, text: &str) -> HelperResult {
    out.write(&r.get_escape_fn()(text))?;
    Ok(())
}

/// `{{t "key" name=value}}`: the string for `key` in the page's language, placeholders filled,
/// HTML-escaped like any `{{value}}`.
pub fn t_helper(
    h: &Helper<'_>,
    r: &Handlebars<'_>,
    ctx: &Context,
    _: &mut RenderContext<'_, '_>,
    out: &mut dyn Output,
) -> HelperResult {
    let (key, args) = key_and_args(h, "t")?;
    let args: Vec<(&str, &str)> = args.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let text = staff_catalog(language_of(ctx)).format(key, &args);
    write_escaped(r, out, &text)
}

/// `{{tn "key" count name=value}}`: the form of `key` the page's language uses for `count`,
/// with `{count}` as the number, its digits grouped.
pub fn tn_helper(
    h: &Helper<'_>,
    r: &Handlebars<'_>,
    ctx: &Context,
    _: &mut RenderContext<'_, '_>,
    out: &mut dyn Output,
) -> HelperResult {
    let (key, mut args) = key_and_args(h, "tn")?;
    let count = h
        .param(1)
        .and_then(|p| p.value().as_i64())
        .ok_or(RenderErrorReason::ParamNotFoundForIndex("tn", 1))?;
    let catalog = staff_catalog(language_of(ctx));
    args.retain(|(name, _)| *name != "count");
    args.push(("count", catalog.number(count)));
    let args: Vec<(&str, &str)> = args.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let text = catalog.plural(key, count.unsigned_abs(), &args);
    write_escaped(r, out, &text)
}

/// `{{staff_lang_code}}`: the staff page's language code, for `<html lang>` (named apart from the
/// respondent pages' own `lang` value, which a helper of that name would hide).
pub fn lang_helper(
    _: &Helper<'_>,
    _: &Handlebars<'_>,
    ctx: &Context,
    _: &mut RenderContext<'_, '_>,
    out: &mut dyn Output,
) -> HelperResult {
    out.write(language_of(ctx))?;
    Ok(())
}
