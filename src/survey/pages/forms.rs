//! The survey page's forms as posted, and as shown again with what was typed when the server
//! refuses them.

use rocket::form::FromForm;
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::error::{Error, Result};
use crate::i18n::staff::StaffCatalog;
use crate::survey::audience::Audience;
use crate::survey::incentive::{CouponMode, Incentive, IncentiveInput};
use crate::survey::{Kind, Question, Scale};

/// The fields of the add and edit question forms, as posted and as shown again.
#[derive(FromForm, Serialize, Clone, Default)]
pub(super) struct QuestionForm {
    #[serde(skip)]
    pub csrf: String,
    /// The id of the question an edit is about (empty when adding).
    #[field(default = String::new())]
    pub question: String,
    #[field(default = String::new())]
    pub kind: String,
    #[field(default = String::new())]
    pub prompt: String,
    #[field(default = String::new())]
    pub help: String,
    pub required: bool,
    /// Options, one per line; the brands (ours first) of a competitor comparison.
    #[field(default = String::new())]
    pub options: String,
    /// The attributes of a competitor comparison, one per line.
    #[field(default = String::new())]
    pub attributes: String,
    #[field(default = String::new())]
    pub scale_min: String,
    #[field(default = String::new())]
    pub scale_max: String,
    #[field(default = String::new())]
    pub scale_min_label: String,
    #[field(default = String::new())]
    pub scale_max_label: String,
    /// Respondents see this question at the top of a new page.
    pub page_break: bool,
    /// The heading of that page (optional; giving one starts the page too).
    #[field(default = String::new())]
    pub page_title: String,
}

impl QuestionForm {
    /// The form for a new question: an open question, as the survey advice prefers.
    pub(super) fn blank() -> Self {
        QuestionForm {
            kind: "long_text".into(),
            scale_min: "1".into(),
            scale_max: "5".into(),
            ..Default::default()
        }
    }

    /// The form filled with a stored question.
    pub(super) fn of(q: &Question) -> Self {
        let mut form = QuestionForm {
            question: q.id.clone(),
            kind: q.kind.name().into(),
            prompt: q.prompt.clone(),
            help: q.help.clone().unwrap_or_default(),
            required: q.required,
            page_break: q.page_break,
            page_title: q.page_title.clone().unwrap_or_default(),
            ..QuestionForm::blank()
        };
        match &q.kind {
            Kind::Rating { scale } => form.fill_scale(scale),
            Kind::Competitor {
                brands,
                attributes,
                scale,
            } => {
                form.options = brands.join("\n");
                form.attributes = attributes.join("\n");
                form.fill_scale(scale);
            }
            kind => form.options = kind.options().join("\n"),
        }
        form
    }

    fn fill_scale(&mut self, scale: &Scale) {
        self.scale_min = scale.min.to_string();
        self.scale_max = scale.max.to_string();
        self.scale_min_label = scale.min_label.clone().unwrap_or_default();
        self.scale_max_label = scale.max_label.clone().unwrap_or_default();
    }
}

/// The fields of the survey texts form, as posted and as shown again.
#[derive(FromForm, Serialize, Clone, Default)]
pub(super) struct DetailsForm {
    #[serde(skip)]
    pub csrf: String,
    #[field(default = String::new())]
    pub title: String,
    #[field(default = String::new())]
    pub intro: String,
    #[field(default = String::new())]
    pub thank_you: String,
    pub language: Option<String>,
    pub anonymous: bool,
    pub audience: Option<String>,
    pub focus_group_opt_in: bool,
}

crate::csrf_protected!(QuestionForm, DetailsForm, RewardForm);

/// The reward form's fields, as posted and as shown again. Dates are typed as dates (and the
/// draw's time in UTC) and become the API's RFC 3339 values, so the page and the API check one
/// incentive the same way.
#[derive(FromForm, Serialize, Clone, Default)]
pub(super) struct RewardForm {
    #[serde(skip)]
    pub csrf: String,
    /// `none`, `generate`, `pool` or `lottery`.
    #[field(default = String::from("none"))]
    pub kind: String,
    #[field(default = String::new())]
    pub value: String,
    #[field(default = String::new())]
    pub prefix: String,
    /// The last day a coupon is valid (YYYY-MM-DD).
    #[field(default = String::new())]
    pub expires_on: String,
    #[field(default = String::new())]
    pub low_stock_at: String,
    #[field(default = String::new())]
    pub prize: String,
    #[field(default = String::new())]
    pub winners: String,
    /// When the draw runs, in UTC (YYYY-MM-DDTHH:MM, as a datetime-local field sends it).
    #[field(default = String::new())]
    pub draw_at: String,
    #[field(default = String::new())]
    pub rules: String,
    #[field(default = String::new())]
    pub beacon: String,
}

impl RewardForm {
    /// The form filled with a survey's incentive.
    pub(super) fn of(incentive: &Incentive) -> Self {
        match incentive {
            Incentive::None => RewardForm {
                kind: "none".into(),
                winners: "1".into(),
                ..Default::default()
            },
            Incentive::Coupon { coupon } => RewardForm {
                kind: match coupon.mode {
                    CouponMode::Generate => "generate".into(),
                    CouponMode::Pool => "pool".into(),
                },
                value: coupon.value.clone(),
                prefix: coupon.prefix.clone().unwrap_or_default(),
                expires_on: coupon
                    .expires_at
                    .map(|at| at.format("%Y-%m-%d").to_string())
                    .unwrap_or_default(),
                low_stock_at: coupon
                    .low_stock_at
                    .map(|n| n.to_string())
                    .unwrap_or_default(),
                winners: "1".into(),
                ..Default::default()
            },
            Incentive::Lottery { lottery } => RewardForm {
                kind: "lottery".into(),
                prize: lottery.prize.clone(),
                winners: lottery.winners.to_string(),
                draw_at: lottery.draw_at.format("%Y-%m-%dT%H:%M").to_string(),
                rules: lottery.rules.clone(),
                beacon: lottery.beacon.clone().unwrap_or_default(),
                ..Default::default()
            },
        }
    }

    /// The incentive as the API would take it; a field that cannot be read is named (its
    /// message a staff-catalogue key, as these checks are the page's own).
    pub(super) fn input(&self) -> Result<IncentiveInput> {
        let text = |value: &str| value.trim().replace("\r\n", "\n");
        let mut object = Map::new();
        let kind = self.kind.trim();
        match kind {
            "none" => {}
            "generate" | "pool" => {
                let mut coupon = Map::new();
                coupon.insert("mode".into(), json!(kind));
                coupon.insert("value".into(), json!(text(&self.value)));
                if !self.prefix.trim().is_empty() {
                    coupon.insert("prefix".into(), json!(self.prefix.trim()));
                }
                if !self.expires_on.trim().is_empty() {
                    let day = chrono::NaiveDate::parse_from_str(self.expires_on.trim(), "%Y-%m-%d")
                        .map_err(|_| Error::invalid("expires_on", "reward.error.date"))?;
                    let end = day.and_hms_opt(23, 59, 59).unwrap_or_default().and_utc();
                    coupon.insert("expires_at".into(), json!(end.to_rfc3339()));
                }
                if kind == "pool" && !self.low_stock_at.trim().is_empty() {
                    let n: u32 =
                        self.low_stock_at.trim().parse().map_err(|_| {
                            Error::invalid("low_stock_at", "reward.error.low_stock")
                        })?;
                    coupon.insert("low_stock_at".into(), json!(n));
                }
                object.insert("coupon".into(), Value::Object(coupon));
            }
            "lottery" => {
                let winners: u32 = self
                    .winners
                    .trim()
                    .parse()
                    .map_err(|_| Error::invalid("winners", "reward.error.winners"))?;
                let at =
                    chrono::NaiveDateTime::parse_from_str(self.draw_at.trim(), "%Y-%m-%dT%H:%M")
                        .map_err(|_| Error::invalid("draw_at", "reward.error.draw_at"))?;
                let mut lottery = Map::new();
                lottery.insert("prize".into(), json!(text(&self.prize)));
                lottery.insert("winners".into(), json!(winners));
                lottery.insert("draw_at".into(), json!(at.and_utc().to_rfc3339()));
                lottery.insert("rules".into(), json!(text(&self.rules)));
                if !self.beacon.trim().is_empty() {
                    lottery.insert("beacon".into(), json!(text(&self.beacon)));
                }
                object.insert("lottery".into(), Value::Object(lottery));
            }
            _ => return Err(Error::invalid("kind", "reward.error.kind")),
        }
        let kind = if kind == "generate" || kind == "pool" {
            "coupon"
        } else {
            kind
        };
        object.insert("kind".into(), json!(kind));
        serde_json::from_value(Value::Object(object))
            .map_err(|e| Error::invalid("incentive", e.to_string()))
    }
}

/// The audience chosen in a form; an unknown value is refused naming the field.
pub(super) fn audience_of(chosen: Option<&str>) -> crate::error::Result<Option<Audience>> {
    match chosen.map(str::trim).filter(|a| !a.is_empty()) {
        None => Ok(None),
        Some(text) => Audience::parse(text).map(Some).ok_or_else(|| {
            crate::error::Error::invalid("audience", "must be customers, employees or suppliers")
        }),
    }
}

/// The staff-catalogue key of what the staff pages call an audience.
pub(super) fn audience_key(audience: Audience) -> &'static str {
    match audience {
        Audience::Customers => "audience.customers",
        Audience::Employees => "audience.employees",
        Audience::Suppliers => "audience.suppliers",
    }
}

/// The audiences for a select, named in the member's language, with `chosen` selected.
pub(super) fn audiences(t: &StaffCatalog, chosen: Audience) -> Vec<serde_json::Value> {
    Audience::ALL
        .into_iter()
        .map(|a| {
            serde_json::json!({"code": a.as_str(), "name": t.get(audience_key(a)), "selected": a == chosen})
        })
        .collect()
}

#[derive(Serialize)]
pub(super) struct LanguageOption {
    code: &'static str,
    name: String,
    selected: bool,
}

/// The survey languages for a select, with `current` selected.
pub(super) fn languages(current: &str) -> Vec<LanguageOption> {
    crate::i18n::LANGUAGES
        .iter()
        .map(|&code| LanguageOption {
            code,
            name: crate::i18n::catalog(code).get("language_name").to_string(),
            selected: code == current,
        })
        .collect()
}

/// The lines of a textarea's text, for templates to join with `&#10;`. Handlebars indents
/// every line of a partial included on an indented line (the layout includes each page so), so a
/// literal line break inside a textarea would come back from the browser with spaces added.
pub(super) fn text_lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_string).collect()
}
