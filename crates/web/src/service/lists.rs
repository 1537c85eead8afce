//! Lists people page through: the search (`q`), the order (`urut`), the page
//! (`halaman`) and the filters (`status`, `unit`, `periode`, `klaster`) read
//! from the query string, checked against what the list offers, and carried in
//! every link of the list with the figures' moment (`program`, `as_of`).
//!
//! A value the list does not know is never an error page: it is dropped with a
//! notice that says so, in the page's language. The store does the filtering
//! and paging; this module only turns the query into a request and the count
//! into "Menampilkan 21–40 dari 137" and page links.

use std::collections::HashMap;

use chrono::NaiveDate;
use pantau_domain::bundle::EntryStatus;
use pantau_domain::model::{Program, Region};
use pantau_present as present;
use pantau_store::EntryFilter;
use pantau_store::meetings::FollowUpFilter;

use crate::access::CurrentUser;
use crate::error::PageError;
use crate::i18n::{Lang, Tr};
use crate::service::figures::encode;

/// The work waiting for a user, as the menu shows it: each counted by one store query.
#[derive(Debug, Default)]
pub struct Pending {
    /// Entries waiting for review in an evaluator's clusters.
    pub queue: Option<i64>,
    /// An operator's unit's follow-ups not done yet.
    pub follow_ups: Option<i64>,
    /// An operator's unit's entries returned for correction.
    pub returned: Option<i64>,
}

/// What waits for `user`.
pub async fn pending(user: &CurrentUser) -> Result<Pending, PageError> {
    let store = user.store.as_ref();
    let region = user.region();
    let mut pending = Pending::default();
    if let Some(evaluator) = user.evaluator() {
        let filter = EntryFilter {
            clusters: Some(evaluator.clusters.to_vec()),
            status: Some(EntryStatus::Submitted),
            ..Default::default()
        };
        pending.queue = Some(store.count_entries(region, &filter).await?);
    }
    if let Some(operator) = user.operator() {
        let filter = FollowUpFilter {
            units: Some(vec![operator.unit.to_owned()]),
            done: Some(false),
            ..Default::default()
        };
        pending.follow_ups = Some(store.count_follow_ups(region, &filter).await?);
        let filter = EntryFilter {
            unit: Some(operator.unit.to_owned()),
            status: Some(EntryStatus::Returned),
            ..Default::default()
        };
        pending.returned = Some(store.count_entries(region, &filter).await?);
    }
    Ok(pending)
}

/// Rows on a page.
pub const PER_PAGE: i64 = 20;

/// Keys a list keeps in its links besides its own: the figures' moment.
const KEPT: [&str; 2] = ["program", "as_of"];

/// The longest search kept (characters).
const MAX_SEARCH: usize = 100;

/// One choice of a select.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// A filter's select, or its date field, as the list's form shows it.
pub struct FilterView {
    pub name: &'static str,
    pub label: String,
    pub choices: Vec<Choice>,
    /// A date field's value (`YYYY-MM-DD`); `None` for a select.
    pub date: Option<String>,
}

/// Where to go back to after an action on a list at `path`: the page of the
/// list it was taken on (`back`, if it is one of that list's), else the list.
pub fn back_to(path: &str, back: Option<&str>) -> String {
    match back {
        Some(back)
            if back == path
                || back
                    .strip_prefix(path)
                    .is_some_and(|rest| rest.starts_with('?') && !rest.contains(['\r', '\n'])) =>
        {
            back.to_owned()
        }
        _ => path.to_owned(),
    }
}

/// A numbered page link.
pub struct PageLink {
    pub label: String,
    pub href: String,
    pub current: bool,
}

/// What a list's template shows around its rows (`list_controls.html`, `pager.html`).
pub struct ListView {
    pub path: String,
    pub q: String,
    pub sorts: Vec<Choice>,
    pub filters: Vec<FilterView>,
    /// The kept keys, as hidden fields of the form.
    pub hidden: Vec<(String, String)>,
    pub notices: Vec<String>,
    /// "Menampilkan 21–40 dari 137", or that nothing matches.
    pub showing: String,
    pub pages: Vec<PageLink>,
    pub prev: Option<String>,
    pub next: Option<String>,
    /// A search or a filter narrows the list.
    pub filtered: bool,
    /// The list without search and filters (the moment kept).
    pub reset: String,
    /// This very page of the list, to come back to after an action.
    pub here: String,
}

/// A list's query, read and checked.
pub struct ListRequest<'a> {
    tr: &'a Tr<'a>,
    path: String,
    raw: HashMap<String, String>,
    /// The search, trimmed; `None` when empty.
    pub q: Option<String>,
    /// The order's key, one the list offers.
    pub sort: &'static str,
    sorts: Vec<(&'static str, String)>,
    page: i64,
    filters: Vec<FilterView>,
    values: Vec<(&'static str, String)>,
    pub notices: Vec<String>,
}

impl<'a> ListRequest<'a> {
    /// Read the query of the list at `path`; `sorts` are its orders, the first the default.
    pub fn new(
        tr: &'a Tr<'a>,
        path: &str,
        raw: &HashMap<String, String>,
        sorts: Vec<(&'static str, String)>,
    ) -> ListRequest<'a> {
        let mut notices = Vec::new();
        let q = raw
            .get("q")
            .map(|q| q.trim().chars().take(MAX_SEARCH).collect::<String>())
            .filter(|q| !q.is_empty());
        let sort = match raw.get("urut").map(|s| s.trim()).filter(|s| !s.is_empty()) {
            None => sorts[0].0,
            Some(asked) => match sorts.iter().find(|(key, _)| *key == asked) {
                Some((key, _)) => key,
                None => {
                    notices.push(tr.t_with(
                        "list-bad-sort",
                        &[("value", asked.to_owned()), ("default", sorts[0].1.clone())],
                    ));
                    sorts[0].0
                }
            },
        };
        let page = match raw
            .get("halaman")
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
        {
            None => 1,
            Some(asked) => match asked.parse::<i64>() {
                Ok(n) if n >= 1 => n,
                _ => {
                    notices.push(tr.t_with(
                        "list-bad-page",
                        &[
                            ("value", asked.to_owned()),
                            ("page", present::count(tr.lang, 1)),
                        ],
                    ));
                    1
                }
            },
        };
        ListRequest {
            tr,
            path: path.to_owned(),
            raw: raw.clone(),
            q,
            sort,
            sorts,
            page,
            filters: Vec::new(),
            values: Vec::new(),
            notices,
        }
    }

    /// The filter `name` with its choices `(value, label)`: the value asked if
    /// it is one of them; any other value is dropped with a notice.
    pub fn filter(
        &mut self,
        name: &'static str,
        label: String,
        choices: Vec<(String, String)>,
    ) -> Option<String> {
        let asked = self
            .raw
            .get(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty());
        let chosen = match asked {
            Some(value) if choices.iter().any(|(v, _)| *v == value) => Some(value),
            Some(value) => {
                self.notices.push(self.tr.t_with(
                    "list-bad-filter",
                    &[("value", value), ("field", label.clone())],
                ));
                None
            }
            None => None,
        };
        if let Some(value) = &chosen {
            self.values.push((name, value.clone()));
        }
        self.filters.push(FilterView {
            name,
            label,
            choices: choices
                .into_iter()
                .map(|(value, label)| Choice {
                    selected: chosen.as_deref() == Some(value.as_str()),
                    value,
                    label,
                })
                .collect(),
            date: None,
        });
        chosen
    }

    /// The date filter `name` (`YYYY-MM-DD`, as a date field sends it); any
    /// other value is dropped with a notice.
    pub fn date(&mut self, name: &'static str, label: String) -> Option<NaiveDate> {
        let asked = self
            .raw
            .get(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty());
        let chosen = match asked {
            Some(value) => match NaiveDate::parse_from_str(&value, "%Y-%m-%d") {
                Ok(date) => Some(date),
                Err(_) => {
                    self.notices.push(self.tr.t_with(
                        "list-bad-date",
                        &[("value", value), ("field", label.clone())],
                    ));
                    None
                }
            },
            None => None,
        };
        let shown = chosen.map(|d| d.format("%Y-%m-%d").to_string());
        if let Some(value) = &shown {
            self.values.push((name, value.clone()));
        }
        self.filters.push(FilterView {
            name,
            label,
            choices: Vec::new(),
            date: Some(shown.unwrap_or_default()),
        });
        chosen
    }

    /// The query string of the list's current search, filters and order, no
    /// page: for another view of the same rows (an export).
    pub fn query(&self) -> String {
        let mut pairs: Vec<(String, String)> = self.kept();
        if let Some(q) = &self.q {
            pairs.push(("q".into(), q.clone()));
        }
        for (name, value) in &self.values {
            pairs.push(((*name).into(), value.clone()));
        }
        if self.sort != self.sorts[0].0 {
            pairs.push(("urut".into(), self.sort.into()));
        }
        with_query("", &pairs)
    }

    /// The page to show of `total` rows (the last one if the page asked is
    /// beyond it, with a notice), as `(offset, limit)` for the store.
    pub fn page_of(&mut self, total: i64) -> (i64, i64) {
        let last = last_page(total);
        if self.page > last {
            self.notices.push(self.tr.t_with(
                "list-bad-page",
                &[
                    ("value", present::count(self.tr.lang, self.page)),
                    ("page", present::count(self.tr.lang, last)),
                ],
            ));
            self.page = last;
        }
        ((self.page - 1) * PER_PAGE, PER_PAGE)
    }

    /// The query string of this list with `page` (and everything else kept).
    fn link(&self, page: i64) -> String {
        let query = self.query();
        let page = if page > 1 {
            format!("{}halaman={page}", if query.is_empty() { "?" } else { "&" })
        } else {
            String::new()
        };
        format!("{}{query}{page}", self.path)
    }

    fn kept(&self) -> Vec<(String, String)> {
        KEPT.iter()
            .filter_map(|key| {
                self.raw
                    .get(*key)
                    .filter(|v| !v.is_empty())
                    .map(|v| ((*key).to_owned(), v.clone()))
            })
            .collect()
    }

    /// What the template shows around the rows of the page, `total` rows in all.
    pub fn finish(self, total: i64) -> ListView {
        let lang = self.tr.lang;
        let last = last_page(total);
        let page = self.page.min(last);
        let showing = if total == 0 {
            self.tr.t("list-none")
        } else {
            let from = (page - 1) * PER_PAGE + 1;
            let to = (page * PER_PAGE).min(total);
            self.tr.t_with(
                "list-showing",
                &[
                    ("from", present::count(lang, from)),
                    ("to", present::count(lang, to)),
                    ("total", present::count(lang, total)),
                ],
            )
        };
        let window = (page - 2).max(1)..=(page + 2).min(last);
        let mut numbers: Vec<i64> = window.collect();
        if !numbers.contains(&1) {
            numbers.insert(0, 1);
        }
        if !numbers.contains(&last) {
            numbers.push(last);
        }
        let pages = if last > 1 {
            numbers
                .into_iter()
                .map(|n| PageLink {
                    label: present::count(lang, n),
                    href: self.link(n),
                    current: n == page,
                })
                .collect()
        } else {
            Vec::new()
        };
        let prev = (page > 1).then(|| self.link(page - 1));
        let next = (page < last).then(|| self.link(page + 1));
        let filtered = self.q.is_some() || !self.values.is_empty();
        let hidden = self.kept();
        let reset = with_query(&self.path, &hidden);
        let here = self.link(page);
        ListView {
            path: self.path,
            q: self.q.unwrap_or_default(),
            sorts: self
                .sorts
                .into_iter()
                .map(|(value, label)| Choice {
                    selected: value == self.sort,
                    value: value.to_owned(),
                    label,
                })
                .collect(),
            filters: self.filters,
            hidden,
            notices: self.notices,
            showing,
            pages,
            prev,
            next,
            filtered,
            reset,
            here,
        }
    }
}

/// The units of the region (of `clusters` only, when given) as filter choices.
pub fn unit_choices(region: &Region, clusters: Option<&[String]>) -> Vec<(String, String)> {
    region
        .units
        .iter()
        .filter(|u| match clusters {
            None => true,
            Some(own) => u
                .cluster
                .is_some_and(|c| own.contains(&region.clusters[c].code)),
        })
        .map(|u| (u.code.clone(), format!("{} · {}", u.code, u.name)))
        .collect()
}

/// The clusters of the region (only `clusters`, when given) as filter choices.
pub fn cluster_choices(region: &Region, clusters: Option<&[String]>) -> Vec<(String, String)> {
    region
        .clusters
        .iter()
        .filter(|c| clusters.is_none_or(|own| own.contains(&c.code)))
        .map(|c| (c.code.clone(), format!("{} · {}", c.code, c.name)))
        .collect()
}

/// The program a list's periods belong to: the one the query names, or the first.
pub fn program_of<'r>(region: &'r Region, raw: &HashMap<String, String>) -> Option<&'r Program> {
    raw.get("program")
        .and_then(|code| region.programs.iter().find(|p| &p.code == code))
        .or_else(|| region.programs.first())
}

/// The program's periods as filter choices, by their number.
pub fn period_choices(lang: Lang, program: &Program) -> Vec<(String, String)> {
    program
        .calendar
        .periods()
        .iter()
        .map(|p| (p.index.to_string(), present::period(lang, p)))
        .collect()
}

/// The first and last day of the program's period numbered `value`.
pub fn period_dates(program: &Program, value: &str) -> Option<(NaiveDate, NaiveDate)> {
    let index: u32 = value.parse().ok()?;
    program
        .calendar
        .periods()
        .iter()
        .find(|p| p.index == index)
        .map(|p| (p.start, p.end))
}

fn last_page(total: i64) -> i64 {
    ((total + PER_PAGE - 1) / PER_PAGE).max(1)
}

fn with_query(path: &str, pairs: &[(String, String)]) -> String {
    if pairs.is_empty() {
        return path.to_owned();
    }
    let query: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect();
    format!("{path}?{}", query.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Catalog;

    fn raw(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn links_keep_the_search_the_filters_the_order_and_the_moment() {
        let catalog = Catalog::load();
        let tr = Tr {
            catalog: &catalog,
            lang: Lang::Id,
        };
        let query = raw(&[
            ("q", "posyandu ibu"),
            ("unit", "DP3A"),
            ("urut", "lama"),
            ("program", "P1"),
            ("as_of", "2025-04-25"),
            ("halaman", "2"),
        ]);
        let sorts = vec![("baru", "Terbaru".into()), ("lama", "Terlama".into())];
        let mut list = ListRequest::new(&tr, "/verifikasi", &query, sorts);
        let unit = list.filter(
            "unit",
            "Unit".into(),
            vec![("DP3A".into(), "DP3A".into()), ("DLH".into(), "DLH".into())],
        );
        assert_eq!(unit.as_deref(), Some("DP3A"));
        assert_eq!(list.page_of(45), (20, 20));
        let view = list.finish(45);
        assert_eq!(
            view.next.as_deref(),
            Some(
                "/verifikasi?program=P1&as_of=2025-04-25&q=posyandu%20ibu&unit=DP3A&urut=lama&halaman=3"
            )
        );
        assert_eq!(view.showing, "Menampilkan 21–40 dari 45");
        assert!(view.notices.is_empty());
        assert_eq!(view.reset, "/verifikasi?program=P1&as_of=2025-04-25");
    }

    #[test]
    fn unknown_values_are_dropped_with_a_notice() {
        let catalog = Catalog::load();
        let tr = Tr {
            catalog: &catalog,
            lang: Lang::Id,
        };
        let query = raw(&[("urut", "zzz"), ("halaman", "-3"), ("unit", "NOPE")]);
        let sorts = vec![("baru", "Terbaru".into())];
        let mut list = ListRequest::new(&tr, "/audit", &query, sorts);
        assert_eq!(list.sort, "baru");
        assert_eq!(list.filter("unit", "Unit".into(), Vec::new()), None);
        assert_eq!(list.page_of(3), (0, 20));
        let view = list.finish(3);
        assert_eq!(view.notices.len(), 3, "{:?}", view.notices);
        assert!(view.notices.iter().any(|n| n.contains("NOPE")));
    }
}
