//! Page texts in Bahasa Indonesia (the default) and English, from Fluent
//! files in `locales/`.

use fluent_bundle::FluentResource;
use fluent_bundle::concurrent::FluentBundle;
use pantau_domain::evaluation::{ComplianceState, Status};
use unic_langid::{LanguageIdentifier, langid};

/// The one `Lang` of the presentation module.
pub use pantau_present::Lang;

pub struct Catalog {
    id: FluentBundle<FluentResource>,
    en: FluentBundle<FluentResource>,
}

/// One Fluent file per feature and language, so each feature keeps its texts together.
macro_rules! locale_files {
    ($lang:literal) => {
        [
            include_str!(concat!("../locales/", $lang, "/core.ftl")),
            include_str!(concat!("../locales/", $lang, "/meetings.ftl")),
            include_str!(concat!("../locales/", $lang, "/reminders.ftl")),
            include_str!(concat!("../locales/", $lang, "/leaders.ftl")),
            include_str!(concat!("../locales/", $lang, "/reports.ftl")),
            include_str!(concat!("../locales/", $lang, "/budget.ftl")),
            include_str!(concat!("../locales/", $lang, "/admin.ftl")),
            include_str!(concat!("../locales/", $lang, "/regions.ftl")),
            include_str!(concat!("../locales/", $lang, "/public.ftl")),
            include_str!(concat!("../locales/", $lang, "/feedback.ftl")),
        ]
    };
}

const ID_FILES: [&str; 10] = locale_files!("id");
const EN_FILES: [&str; 10] = locale_files!("en");

fn bundle(lang: LanguageIdentifier, sources: &[&str]) -> FluentBundle<FluentResource> {
    let mut bundle = FluentBundle::new_concurrent(vec![lang]);
    // Plain text: the pages are HTML, where isolation marks only get in the way.
    bundle.set_use_isolating(false);
    for source in sources {
        let resource =
            FluentResource::try_new((*source).to_owned()).expect("the bundled Fluent file parses");
        bundle
            .add_resource(resource)
            .expect("no duplicate message ids");
    }
    bundle
}

impl Catalog {
    pub fn load() -> Catalog {
        Catalog {
            id: bundle(langid!("id"), &ID_FILES),
            en: bundle(langid!("en"), &EN_FILES),
        }
    }

    /// The text of `key`; the key itself when missing, so a gap shows instead of breaking a page.
    pub fn text(&self, lang: Lang, key: &str) -> String {
        let bundle = match lang {
            Lang::Id => &self.id,
            Lang::En => &self.en,
        };
        let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
            return key.to_owned();
        };
        let mut errors = Vec::new();
        bundle
            .format_pattern(pattern, None, &mut errors)
            .into_owned()
    }

    /// The text of `key` with its variables (`{ $name }` in the Fluent file).
    pub fn text_with(&self, lang: Lang, key: &str, args: &[(&str, String)]) -> String {
        let bundle = match lang {
            Lang::Id => &self.id,
            Lang::En => &self.en,
        };
        let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
            return key.to_owned();
        };
        let mut fluent_args = fluent_bundle::FluentArgs::new();
        for (name, value) in args {
            fluent_args.set(*name, value.clone());
        }
        let mut errors = Vec::new();
        bundle
            .format_pattern(pattern, Some(&fluent_args), &mut errors)
            .into_owned()
    }

    /// Every key of the Indonesian file, to check the English one has them all.
    #[cfg(test)]
    pub fn keys(source: &str) -> Vec<String> {
        source
            .lines()
            .filter_map(|l| l.split_once(" =").map(|(k, _)| k.trim().to_owned()))
            .filter(|k| !k.is_empty() && !k.starts_with('#'))
            .collect()
    }
}

/// Texts for one request, as templates call them: `{{ tr.t("key") }}`.
pub struct Tr<'a> {
    pub catalog: &'a Catalog,
    pub lang: Lang,
}

impl Tr<'_> {
    pub fn t(&self, key: &str) -> String {
        self.catalog.text(self.lang, key)
    }

    pub fn t_with(&self, key: &str, args: &[(&str, String)]) -> String {
        self.catalog.text_with(self.lang, key, args)
    }

    /// A target's or a group's status label from its code, as the
    /// presentation module writes it.
    pub fn status(&self, code: &str) -> &'static str {
        let status = Status::ALL.into_iter().find(|s| s.code() == code);
        pantau_present::status_opt(self.lang, status)
    }

    /// A follow-up's state label from its code.
    pub fn follow_up_state(&self, code: &str) -> &'static str {
        use pantau_domain::meeting::FollowUpState;
        [
            FollowUpState::Open,
            FollowUpState::Done,
            FollowUpState::Overdue,
        ]
        .into_iter()
        .find(|s| s.code() == code)
        .map_or(pantau_present::NONE, |s| {
            pantau_present::follow_up_state(self.lang, s)
        })
    }

    /// A period's reporting state label from its code.
    pub fn compliance(&self, code: &str) -> &'static str {
        const STATES: [ComplianceState; 4] = [
            ComplianceState::OnTime,
            ComplianceState::Late,
            ComplianceState::Missing,
            ComplianceState::Open,
        ];
        STATES
            .into_iter()
            .find(|s| s.code() == code)
            .map_or(pantau_present::NONE, |s| {
                pantau_present::compliance(self.lang, s)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_every_key() {
        for (file, (id_source, en_source)) in ID_FILES.iter().zip(EN_FILES).enumerate() {
            let id = Catalog::keys(id_source);
            let en = Catalog::keys(en_source);
            for key in &id {
                assert!(en.contains(key), "English file {file} lacks {key}");
            }
            for key in &en {
                assert!(id.contains(key), "Indonesian file {file} lacks {key}");
            }
        }
        assert!(!Catalog::keys(ID_FILES[0]).is_empty());
    }

    #[test]
    fn texts_differ_by_language() {
        let catalog = Catalog::load();
        assert_eq!(catalog.text(Lang::Id, "nav-dashboard"), "Dasbor");
        assert_eq!(catalog.text(Lang::En, "nav-dashboard"), "Dashboard");
        assert_eq!(catalog.text(Lang::En, "no-such-key"), "no-such-key");
    }
}
