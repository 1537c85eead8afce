//! Page texts in Bahasa Indonesia (the default) and English, from Fluent
//! files in `locales/`.

use fluent_bundle::FluentResource;
use fluent_bundle::concurrent::FluentBundle;
use unic_langid::{LanguageIdentifier, langid};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Id,
    En,
}

impl Lang {
    pub fn parse(code: &str) -> Option<Lang> {
        match code {
            "id" => Some(Lang::Id),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Id => "id",
            Lang::En => "en",
        }
    }
}

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
        ]
    };
}

const ID_FILES: [&str; 6] = locale_files!("id");
const EN_FILES: [&str; 6] = locale_files!("en");

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

    pub fn status(&self, code: &str) -> String {
        self.t(&format!("status-{}", code.replace('_', "-")))
    }

    pub fn compliance(&self, code: &str) -> String {
        self.t(&format!("compliance-{}", code.replace('_', "-")))
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
        assert_eq!(catalog.text(Lang::Id, "status-on-track"), "Sesuai jalur");
        assert_eq!(catalog.text(Lang::En, "status-on-track"), "On track");
        assert_eq!(catalog.text(Lang::En, "no-such-key"), "no-such-key");
    }
}
