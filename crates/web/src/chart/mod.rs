//! Server-side SVG charts: a target's trajectory (here) and the leaders'
//! dashboard's heat map and trends (`dashboard`).
//!
//! Pure and dependency-light (std, `chrono`, `rust_decimal`, and
//! `pantau_present`, which writes every figure and date a person reads on
//! them, in the page's language): the page embeds
//! the returned `<svg>` inline. It scales to the container's width through its
//! `viewBox`, uses no JavaScript, no external fonts and no `style` attributes
//! (so a strict Content-Security-Policy is fine), and every text is XML-escaped.

mod dashboard;

pub use dashboard::{HeatCell, HeatRow, Heatmap, TrendChart, TrendSeries, heatmap_svg, trend_svg};

use std::fmt::Write as _;

use chrono::{Datelike, NaiveDate};
use pantau_present::{self as present, Lang};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

/// Texts of the chart, in the page's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChartLabels<'a> {
    /// The expected line, e.g. "Rencana" / "Expected".
    pub expected: &'a str,
    /// The realisation, e.g. "Realisasi" / "Realised".
    pub realised: &'a str,
    /// The forecast, e.g. "Proyeksi" / "Forecast".
    pub forecast: &'a str,
    /// The target line, e.g. "Target".
    pub target: &'a str,
    /// The vertical line at `as_of`, e.g. "Hari ini" / "Today".
    pub today: &'a str,
    /// The language of the figures and dates, written by `pantau_present`.
    pub lang: Lang,
}

// A page uses the language it renders in, so one of the two may go unused.
#[allow(dead_code)]
impl ChartLabels<'static> {
    /// Bahasa Indonesia.
    pub const INDONESIAN: ChartLabels<'static> = ChartLabels {
        expected: "Rencana",
        realised: "Realisasi",
        forecast: "Proyeksi",
        target: "Target",
        today: "Hari ini",
        lang: Lang::Id,
    };

    /// English.
    pub const ENGLISH: ChartLabels<'static> = ChartLabels {
        expected: "Expected",
        realised: "Realised",
        forecast: "Forecast",
        target: "Target",
        today: "Today",
        lang: Lang::En,
    };
}

/// Everything needed to draw one target's trajectory.
#[derive(Debug, Clone)]
pub struct TrajectoryChart<'a> {
    /// Heading of the chart, e.g. the target's name.
    pub title: &'a str,
    /// The measure, e.g. "posyandu" (may be empty).
    pub unit_label: &'a str,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub as_of: NaiveDate,
    pub baseline: Decimal,
    pub target: Decimal,
    /// The expected line: points (date, value) in date order (start, plan points..., end).
    pub expected: Vec<(NaiveDate, Decimal)>,
    /// Realisation after each counted entry, in date order.
    pub realised: Vec<(NaiveDate, Decimal)>,
    /// Forecast from the last realised point to (end, projected), if any.
    pub projected: Option<Decimal>,
    pub labels: ChartLabels<'a>,
}

// Geometry of the viewBox, in user units.
const W: f64 = 560.0;
const H: f64 = 330.0;
const PAD: f64 = 12.0;
const TITLE_SIZE: f64 = 18.0;
const TEXT_SIZE: f64 = 14.0;
const SMALL_SIZE: f64 = 13.0;
/// Circles are drawn on the realisation up to this many points (keeps the output small).
const MAX_DOTS: usize = 40;

const C_TEXT: &str = "#1f2328";
const C_MUTED: &str = "#59636e";
const C_GRID: &str = "#eaeef2";
const C_AXIS: &str = "#8c959f";
const C_EXPECTED: &str = "#8c959f";
const C_REALISED: &str = "#1f6feb";
const C_TARGET: &str = "#9a6700";
const C_TODAY: &str = "#cf222e";

/// Renders the chart as a self-contained `<svg>` element.
pub fn trajectory_svg(chart: &TrajectoryChart) -> String {
    let labels = &chart.labels;
    let today_inside = chart.start <= chart.as_of && chart.as_of <= chart.end;
    let last_realised = chart.realised.last().copied();
    // The forecast starts at the last realised point: without one there is nothing to extend.
    let forecast = match (chart.projected, last_realised) {
        (Some(p), Some(last)) => Some((last, p)),
        _ => None,
    };

    // Vertical range: baseline, target, every point and the forecast.
    let mut values: Vec<f64> = vec![num(chart.baseline), num(chart.target)];
    values.extend(chart.expected.iter().map(|&(_, v)| num(v)));
    values.extend(chart.realised.iter().map(|&(_, v)| num(v)));
    if let Some((_, p)) = forecast {
        values.push(num(p));
    }
    let ticks = YTicks::new(&values, labels.lang);

    // Horizontal range: the programme and every point's date.
    let mut dates = vec![chart.start, chart.end];
    dates.extend(chart.expected.iter().map(|&(d, _)| d));
    dates.extend(chart.realised.iter().map(|&(d, _)| d));
    let d_lo = dates.iter().copied().min().unwrap_or(chart.start);
    let d_hi = dates.iter().copied().max().unwrap_or(chart.end);

    // Legend entries, only for what is drawn.
    let mut legend: Vec<(Series, &str)> = Vec::new();
    if chart.expected.len() >= 2 {
        legend.push((Series::Expected, labels.expected));
    }
    if !chart.realised.is_empty() {
        legend.push((Series::Realised, labels.realised));
    }
    if forecast.is_some() {
        legend.push((Series::Forecast, labels.forecast));
    }
    legend.push((Series::Target, labels.target));
    if today_inside {
        legend.push((Series::Today, labels.today));
    }
    let legend_rows = layout_legend(&legend);
    let legend_bottom = 44.0 + 20.0 * (legend_rows.len().max(1) - 1) as f64 + 6.0;

    // Plot area.
    let y_label_w = ticks
        .labels
        .iter()
        .map(|l| text_width(l, TEXT_SIZE))
        .fold(0.0, f64::max);
    let x0 = (y_label_w + PAD + 8.0).clamp(40.0, 160.0);
    let x1 = W - 18.0;
    let y0 = legend_bottom
        + if chart.unit_label.is_empty() {
            14.0
        } else {
            26.0
        };
    let y1 = H - 40.0;
    let days = (d_hi - d_lo).num_days() as f64;
    let sx = |d: NaiveDate| -> f64 {
        if days <= 0.0 {
            (x0 + x1) / 2.0
        } else {
            x0 + (d - d_lo).num_days() as f64 / days * (x1 - x0)
        }
    };
    let sy = |v: f64| -> f64 { y1 - (v - ticks.lo) / (ticks.hi - ticks.lo) * (y1 - y0) };

    let mut s = String::with_capacity(4096);
    let aria = aria_label(chart, forecast.map(|(_, p)| p));
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-label="{aria}" font-family="system-ui, sans-serif" font-size="{TEXT_SIZE}" fill="{C_TEXT}"><title>{title}</title>"#,
        w = W,
        h = H,
        aria = esc(&aria),
        title = esc(chart.title),
    );
    let _ = write!(s, r##"<rect width="{W}" height="{H}" fill="#fff"/>"##);

    // Title (shortened to fit; the full text is in <title> and aria-label).
    let max_title_chars = ((W - 2.0 * PAD) / (TITLE_SIZE * 0.6)) as usize;
    let _ = write!(
        s,
        r#"<text x="{PAD}" y="24" font-size="{TITLE_SIZE}" font-weight="600">{}</text>"#,
        esc(&truncate(chart.title, max_title_chars))
    );

    // Legend.
    for (row, items) in legend_rows.iter().enumerate() {
        let ty = 44.0 + 20.0 * row as f64;
        for &(x, idx) in items {
            let (series, text) = legend[idx];
            let ly = ty - 4.5;
            s.push_str(&series.swatch(x, ly));
            let _ = write!(
                s,
                r#"<text x="{}" y="{}">{}</text>"#,
                f1(x + 27.0),
                f1(ty),
                esc(text)
            );
        }
    }

    // Unit of measure, above the value axis.
    if !chart.unit_label.is_empty() {
        let _ = write!(
            s,
            r#"<text x="{PAD}" y="{}" font-size="{SMALL_SIZE}" fill="{C_MUTED}">{}</text>"#,
            f1(y0 - 10.0),
            esc(&truncate(chart.unit_label, 40))
        );
    }

    // Horizontal grid and value labels.
    s.push_str(&format!(r#"<g stroke="{C_GRID}">"#));
    for &t in &ticks.values {
        let y = f1(sy(t));
        let _ = write!(
            s,
            r#"<line x1="{}" x2="{}" y1="{y}" y2="{y}"/>"#,
            f1(x0),
            f1(x1)
        );
    }
    s.push_str("</g>");
    let _ = write!(
        s,
        r#"<g text-anchor="end" fill="{C_MUTED}" font-size="{TEXT_SIZE}">"#
    );
    for (t, label) in ticks.values.iter().zip(&ticks.labels) {
        let _ = write!(
            s,
            r#"<text x="{}" y="{}">{}</text>"#,
            f1(x0 - 6.0),
            f1(sy(*t) + 4.5),
            esc(label)
        );
    }
    s.push_str("</g>");
    if ticks.lo < 0.0 && ticks.hi > 0.0 {
        let y = f1(sy(0.0));
        let _ = write!(
            s,
            r#"<line x1="{}" x2="{}" y1="{y}" y2="{y}" stroke="{C_AXIS}"/>"#,
            f1(x0),
            f1(x1)
        );
    }

    // Axes and date labels.
    let _ = write!(
        s,
        r#"<path d="M{a} {b}V{c}H{d}" fill="none" stroke="{C_AXIS}"/>"#,
        a = f1(x0),
        b = f1(y0),
        c = f1(y1),
        d = f1(x1)
    );
    let date_ticks = date_ticks(d_lo, d_hi, ((x1 - x0) / 62.0).max(1.0) as usize);
    let _ = write!(
        s,
        r#"<g text-anchor="middle" fill="{C_MUTED}" font-size="{SMALL_SIZE}">"#
    );
    for t in &date_ticks {
        let x = sx(t.date);
        let label = t.label(labels.lang);
        // Centred under the tick, but kept inside the picture.
        let half = text_width(&label, SMALL_SIZE) / 2.0;
        let lx = x.min(W - 4.0 - half).max(4.0 + half);
        let _ = write!(
            s,
            r#"<line x1="{x}" x2="{x}" y1="{a}" y2="{b}" stroke="{C_AXIS}"/><text x="{lx}" y="{c}">{}</text>"#,
            esc(&label),
            x = f1(x),
            lx = f1(lx),
            a = f1(y1),
            b = f1(y1 + 4.0),
            c = f1(y1 + 17.0)
        );
        if t.with_year {
            let _ = write!(
                s,
                r#"<text x="{}" y="{}">{}</text>"#,
                f1(lx),
                f1(y1 + 31.0),
                t.date.year()
            );
        }
    }
    s.push_str("</g>");

    // Target: dashed horizontal line, labelled at its left end (where the lines start
    // from the baseline, usually away from the target).
    let ty = sy(num(chart.target));
    let _ = write!(
        s,
        r#"<line class="target" x1="{}" x2="{}" y1="{y}" y2="{y}" stroke="{C_TARGET}" stroke-width="1.5" stroke-dasharray="7 4"/>"#,
        f1(x0),
        f1(x1),
        y = f1(ty)
    );
    // Above the line unless that would leave the plot.
    let label_y = if ty - 5.0 - TEXT_SIZE < y0 {
        ty + 15.0
    } else {
        ty - 5.0
    };
    let target_text = format!(
        "{} {}",
        labels.target,
        present::number(labels.lang, Some(chart.target))
    );
    let target_box = (x0 + 6.0, x0 + 6.0 + text_width(&target_text, SMALL_SIZE));
    let _ = write!(
        s,
        r##"<text x="{}" y="{}" fill="{C_TARGET}" font-size="{SMALL_SIZE}" stroke="#fff" stroke-width="3" paint-order="stroke">{}</text>"##,
        f1(target_box.0),
        f1(label_y),
        esc(&target_text)
    );

    // Expected line.
    if chart.expected.len() >= 2 {
        let _ = write!(
            s,
            r#"<polyline class="expected" points="{}" fill="none" stroke="{C_EXPECTED}" stroke-width="2" stroke-linejoin="round"/>"#,
            points(chart.expected.iter().map(|&(d, v)| (sx(d), sy(num(v)))))
        );
    }

    // Today.
    if today_inside {
        let x = sx(chart.as_of);
        let _ = write!(
            s,
            r#"<line class="today" x1="{x}" x2="{x}" y1="{a}" y2="{b}" stroke="{C_TODAY}" stroke-width="1.2" stroke-dasharray="3 3"/>"#,
            x = f1(x),
            a = f1(y0),
            b = f1(y1)
        );
        let w = text_width(labels.today, SMALL_SIZE);
        let (lx, anchor, left) = if x + 4.0 + w > x1 {
            (x - 4.0, "end", x - 4.0 - w)
        } else {
            (x + 4.0, "start", x + 4.0)
        };
        // At the top, unless the target's label is there.
        let top = y0 + 12.0;
        let clash =
            (label_y - top).abs() < SMALL_SIZE && left < target_box.1 && left + w > target_box.0;
        let ly = if clash { y1 - 6.0 } else { top };
        let _ = write!(
            s,
            r##"<text x="{}" y="{}" text-anchor="{anchor}" fill="{C_TODAY}" font-size="{SMALL_SIZE}" stroke="#fff" stroke-width="3" paint-order="stroke">{}</text>"##,
            f1(lx),
            f1(ly),
            esc(labels.today)
        );
    }

    // Forecast: dotted from the last realised point to (end, projected).
    if let Some(((d, v), p)) = forecast {
        let (ax, ay, bx, by) = (sx(d), sy(num(v)), sx(chart.end), sy(num(p)));
        let _ = write!(
            s,
            r##"<line class="forecast" x1="{}" y1="{}" x2="{}" y2="{}" stroke="{C_REALISED}" stroke-width="2" stroke-dasharray="1 5" stroke-linecap="round"/><circle cx="{}" cy="{}" r="3.5" fill="#fff" stroke="{C_REALISED}" stroke-width="1.5"><title>{}: {}</title></circle>"##,
            f1(ax),
            f1(ay),
            f1(bx),
            f1(by),
            f1(bx),
            f1(by),
            esc(labels.forecast),
            esc(&present::number(labels.lang, Some(p)))
        );
    }

    // Realisation: solid line with dots.
    if !chart.realised.is_empty() {
        let _ = write!(
            s,
            r#"<polyline class="realised" points="{}" fill="none" stroke="{C_REALISED}" stroke-width="2.5" stroke-linejoin="round" stroke-linecap="round"/>"#,
            points(chart.realised.iter().map(|&(d, v)| (sx(d), sy(num(v)))))
        );
        let n = chart.realised.len();
        let _ = write!(
            s,
            r##"<g fill="{C_REALISED}" stroke="#fff" stroke-width="1.5">"##
        );
        for (i, &(d, v)) in chart.realised.iter().enumerate() {
            // Always the last point; the others while there are few.
            if n <= MAX_DOTS || i + 1 == n {
                let _ = write!(
                    s,
                    r#"<circle cx="{}" cy="{}" r="{}"><title>{}: {}</title></circle>"#,
                    f1(sx(d)),
                    f1(sy(num(v))),
                    if i + 1 == n { "4.5" } else { "3.5" },
                    esc(&present::date_short(labels.lang, d)),
                    esc(&present::number(labels.lang, Some(v)))
                );
            }
        }
        s.push_str("</g>");
    }

    s.push_str("</svg>");
    s
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Series {
    Expected,
    Realised,
    Forecast,
    Target,
    Today,
}

impl Series {
    /// A 22-unit wide sample of the series' stroke, starting at `x`, centred on `y`.
    fn swatch(self, x: f64, y: f64) -> String {
        let (a, b, y) = (f1(x), f1(x + 22.0), f1(y));
        let line = |color: &str, width: &str, extra: &str| {
            format!(
                r#"<line x1="{a}" x2="{b}" y1="{y}" y2="{y}" stroke="{color}" stroke-width="{width}"{extra}/>"#
            )
        };
        match self {
            Series::Expected => line(C_EXPECTED, "2", ""),
            Series::Realised => format!(
                r##"{}<circle cx="{}" cy="{y}" r="3.5" fill="{C_REALISED}" stroke="#fff" stroke-width="1.5"/>"##,
                line(C_REALISED, "2.5", ""),
                f1(x + 11.0)
            ),
            Series::Forecast => line(
                C_REALISED,
                "2",
                r#" stroke-dasharray="1 5" stroke-linecap="round""#,
            ),
            Series::Target => line(C_TARGET, "1.5", r#" stroke-dasharray="7 4""#),
            Series::Today => line(C_TODAY, "1.2", r#" stroke-dasharray="3 3""#),
        }
    }
}

/// Places legend entries in rows: each row lists (x, index into `items`).
fn layout_legend(items: &[(Series, &str)]) -> Vec<Vec<(f64, usize)>> {
    let mut rows: Vec<Vec<(f64, usize)>> = vec![Vec::new()];
    let mut x = PAD;
    for (i, &(_, text)) in items.iter().enumerate() {
        let w = 27.0 + text_width(text, TEXT_SIZE).min(W / 2.0);
        if x > PAD && x + w > W - PAD {
            rows.push(Vec::new());
            x = PAD;
        }
        if let Some(row) = rows.last_mut() {
            row.push((x, i));
        }
        x += w + 16.0;
    }
    rows
}

/// Value-axis ticks: round numbers covering all values.
struct YTicks {
    lo: f64,
    hi: f64,
    values: Vec<f64>,
    labels: Vec<String>,
}

impl YTicks {
    fn new(values: &[f64], lang: Lang) -> Self {
        let finite = values.iter().copied().filter(|v| v.is_finite());
        let mut lo = finite.clone().fold(f64::INFINITY, f64::min);
        let mut hi = finite.fold(f64::NEG_INFINITY, f64::max);
        if !lo.is_finite() || !hi.is_finite() {
            (lo, hi) = (0.0, 1.0);
        }
        // Anchor the axis at zero when the values are on one side of it and not far from it.
        if lo >= 0.0 && (lo <= hi - lo || lo == hi) {
            lo = 0.0;
        } else if hi <= 0.0 && (-hi <= hi - lo || lo == hi) {
            hi = 0.0;
        }
        // Labels have at most 2 decimals: keep the range wide enough for them.
        const MIN_SPAN: f64 = 0.04;
        if hi - lo < MIN_SPAN {
            if lo == 0.0 {
                hi = MIN_SPAN;
            } else if hi == 0.0 {
                lo = -MIN_SPAN;
            } else {
                let mid = lo / 2.0 + hi / 2.0;
                (lo, hi) = (mid - MIN_SPAN / 2.0, mid + MIN_SPAN / 2.0);
            }
        }
        // One rule for every axis: steps of 1, 2 or 5 times a power of ten.
        let step = crate::budget_chart::step_125((hi - lo) / 4.0).max(0.01);
        let k0 = (lo / step + 1e-9).floor();
        let k1 = (hi / step - 1e-9).ceil();
        let (lo, hi, values) = if k0.is_finite() && k1.is_finite() && k1 > k0 && k1 - k0 <= 12.0 {
            let values: Vec<f64> = (0..=(k1 - k0) as usize)
                .map(|i| (k0 + i as f64) * step)
                .collect();
            (k0 * step, k1 * step, values)
        } else {
            // Beyond what f64 can step through (huge values, tiny relative span).
            (lo, hi, vec![lo, hi])
        };
        let (lo, hi) = if hi > lo {
            (lo, hi)
        } else {
            (lo - 1.0, lo + 1.0)
        };
        let decimals = decimals_for(step);
        let labels = values
            .iter()
            .map(|&v| present::tick(lang, v, decimals))
            .collect();
        YTicks {
            lo,
            hi,
            values,
            labels,
        }
    }
}

/// Decimals (0 to 2) needed to print multiples of `step`.
fn decimals_for(step: f64) -> usize {
    (0..=2)
        .find(|&d| {
            let scaled = step * 10f64.powi(d as i32);
            (scaled - scaled.round()).abs() < 1e-6 * scaled.abs().max(1.0)
        })
        .unwrap_or(2)
}

struct DateTick {
    date: NaiveDate,
    /// Only the year is printed (ticks a year or more apart).
    year_only: bool,
    /// The year is printed on a second line.
    with_year: bool,
}

impl DateTick {
    fn label(&self, lang: Lang) -> String {
        if self.year_only {
            self.date.year().to_string()
        } else {
            present::date_tick(lang, self.date)
        }
    }
}

/// Ticks on the first day of months (every `k` months so that at most `max` fit),
/// or the two ends when the range holds no first of a month.
fn date_ticks(lo: NaiveDate, hi: NaiveDate, max: usize) -> Vec<DateTick> {
    let index = |d: NaiveDate| i64::from(d.year()) * 12 + i64::from(d.month0());
    let first = if lo.day() == 1 {
        index(lo)
    } else {
        index(lo) + 1
    };
    let last = index(hi);
    let mut ticks = Vec::new();
    if first <= last {
        let n = last - first + 1;
        let max = max.max(1) as i64;
        let mut k: i64 = 1;
        for candidate in [1, 2, 3, 4, 6, 12, 24, 60, 120] {
            k = candidate;
            if (n + k - 1) / k <= max {
                break;
            }
        }
        while (n + k - 1) / k > max {
            k *= 10;
        }
        let mut i = first + (k - first.rem_euclid(k)) % k;
        while i <= last {
            let date = i32::try_from(i.div_euclid(12))
                .ok()
                .and_then(|y| NaiveDate::from_ymd_opt(y, i.rem_euclid(12) as u32 + 1, 1));
            if let Some(date) = date {
                let year_only = k >= 12;
                let with_year = !year_only && (ticks.is_empty() || date.month() == 1);
                ticks.push(DateTick {
                    date,
                    year_only,
                    with_year,
                });
            }
            i += k;
        }
    }
    if ticks.is_empty() {
        ticks.push(DateTick {
            date: lo,
            year_only: false,
            with_year: true,
        });
        if hi != lo {
            ticks.push(DateTick {
                date: hi,
                year_only: false,
                with_year: hi.year() != lo.year(),
            });
        }
    }
    ticks
}

/// Short text description for screen readers.
fn aria_label(chart: &TrajectoryChart, projected: Option<Decimal>) -> String {
    let labels = &chart.labels;
    let unit = if chart.unit_label.is_empty() {
        String::new()
    } else {
        format!(" {}", chart.unit_label)
    };
    let number = |v: Decimal| present::number(labels.lang, Some(v));
    let mut a = format!(
        "{}. {} {}{unit}",
        chart.title,
        labels.target,
        number(chart.target)
    );
    if let Some(&(_, v)) = chart.realised.last() {
        let _ = write!(a, ". {} {}{unit}", labels.realised, number(v));
    }
    if let Some(p) = projected {
        let _ = write!(a, ". {} {}{unit}", labels.forecast, number(p));
    }
    a
}

fn num(v: Decimal) -> f64 {
    v.to_f64().filter(|x| x.is_finite()).unwrap_or(0.0)
}

/// A coordinate rounded to 1 decimal, without a trailing ".0".
fn f1(v: f64) -> String {
    if !v.is_finite() {
        return "0".to_string();
    }
    let r = (v * 10.0).round() / 10.0;
    let r = if r == 0.0 { 0.0 } else { r };
    if r.fract() == 0.0 {
        format!("{r:.0}")
    } else {
        format!("{r:.1}")
    }
}

fn points(it: impl Iterator<Item = (f64, f64)>) -> String {
    let mut s = String::new();
    for (x, y) in it {
        if !s.is_empty() {
            s.push(' ');
        }
        let _ = write!(s, "{},{}", f1(x), f1(y));
    }
    s
}

/// Rough width of `text` at `size` (no font metrics on the server).
fn text_width(text: &str, size: f64) -> f64 {
    text.chars().count() as f64 * size * 0.56
}

fn truncate(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        text.to_string()
    } else {
        let mut t: String = text.chars().take(max_chars.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// Escapes text for XML content and attribute values.
fn esc(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => s.push_str("&amp;"),
            '<' => s.push_str("&lt;"),
            '>' => s.push_str("&gt;"),
            '"' => s.push_str("&quot;"),
            '\'' => s.push_str("&#39;"),
            // Control characters are not allowed in XML 1.0.
            c if c.is_control() && !matches!(c, '\t' | '\n' | '\r') => s.push('\u{FFFD}'),
            c => s.push(c),
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A decimal literal, e.g. `dec!(-25.5)`.
    macro_rules! dec {
        ($v:literal) => {
            stringify!($v).parse::<Decimal>().unwrap()
        };
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn sample() -> TrajectoryChart<'static> {
        TrajectoryChart {
            title: "Posyandu aktif",
            unit_label: "posyandu",
            start: d(2025, 1, 1),
            end: d(2025, 12, 31),
            as_of: d(2025, 6, 15),
            baseline: dec!(10),
            target: dec!(40),
            expected: vec![
                (d(2025, 1, 1), dec!(10)),
                (d(2025, 6, 30), dec!(20)),
                (d(2025, 12, 31), dec!(40)),
            ],
            realised: vec![
                (d(2025, 2, 10), dec!(12)),
                (d(2025, 3, 20), dec!(14)),
                (d(2025, 5, 5), dec!(15)),
                (d(2025, 6, 10), dec!(17)),
            ],
            projected: Some(dec!(25.5)),
            labels: ChartLabels::INDONESIAN,
        }
    }

    /// The `points` attribute of the element with `class="…"`.
    fn series_points(svg: &str, class: &str) -> Option<Vec<(f64, f64)>> {
        let at = svg.find(&format!(r#"class="{class}" points=""#))?;
        let rest = &svg[at + class.len() + 17..];
        let list = &rest[..rest.find('"')?];
        Some(
            list.split(' ')
                .map(|p| {
                    let (x, y) = p.split_once(',').unwrap();
                    (x.parse().unwrap(), y.parse().unwrap())
                })
                .collect(),
        )
    }

    /// Checks balanced tags, quoting, escaping and finite numbers.
    fn check_well_formed(svg: &str) {
        assert!(svg.starts_with("<svg "), "{svg}");
        assert!(svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<svg").count(), 1);
        assert!(svg.contains(r#"viewBox="0 0 560 330""#));
        // Fixed px: the text keeps its size on any screen (the page scrolls it).
        assert!(svg.contains(r#"width="560" height="330""#));
        assert!(svg.contains(r#"role="img""#));
        assert!(svg.contains("aria-label=\""));
        assert!(svg.contains("<title>"));
        assert!(!svg.contains("<script"));
        assert!(!svg.contains("style="));
        for bad in ["NaN", "nan", "inf"] {
            assert!(!svg.contains(bad), "{bad} in {svg}");
        }
        // Tags: a stack of open elements, closed in order.
        let mut stack: Vec<&str> = Vec::new();
        let mut rest = svg;
        while let Some(open) = rest.find('<') {
            let text = &rest[..open];
            assert!(!text.contains('>'), "raw > in text: {text}");
            check_entities(text);
            let close = rest[open..].find('>').unwrap() + open;
            let tag = &rest[open + 1..close];
            assert!(!tag.contains('<'), "< inside tag {tag}");
            assert_eq!(tag.matches('"').count() % 2, 0, "unbalanced quotes: {tag}");
            check_entities(tag);
            if let Some(name) = tag.strip_prefix('/') {
                assert_eq!(stack.pop(), Some(name), "mismatched </{name}>");
            } else if !tag.ends_with('/') {
                stack.push(tag.split_whitespace().next().unwrap());
            }
            rest = &rest[close + 1..];
        }
        assert!(stack.is_empty(), "unclosed {stack:?}");
        assert!(rest.is_empty());
        // Every number in a coordinate attribute is finite.
        for attr in [" x=\"", " y=\"", " x1=\"", " y1=\"", " cx=\"", " cy=\""] {
            for part in svg.split(attr).skip(1) {
                let v = &part[..part.find('"').unwrap()];
                let v: f64 = v.parse().unwrap_or_else(|_| panic!("{attr}{v}"));
                assert!(v.is_finite() && (-1.0..=600.0).contains(&v), "{attr}{v}");
            }
        }
    }

    fn check_entities(s: &str) {
        for (i, _) in s.match_indices('&') {
            let ent = &s[i..];
            assert!(
                ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"]
                    .iter()
                    .any(|e| ent.starts_with(e)),
                "bare & in {s}"
            );
        }
    }

    /// All plotted y coordinates lie inside the plot area (between the grid's extremes).
    fn check_inside(svg: &str, chart: &TrajectoryChart) {
        let grid: Vec<f64> = svg
            .split(r#"<line x1=""#)
            .skip(1)
            .filter_map(|p| {
                let y = p.split(r#"y1=""#).nth(1)?;
                y[..y.find('"')?].parse().ok()
            })
            .collect();
        let (top, bottom) = grid
            .iter()
            .fold((f64::MAX, f64::MIN), |(a, b), &y| (a.min(y), b.max(y)));
        assert!(top < bottom, "grid {grid:?}");
        let inside = |y: f64| (top - 0.11..=bottom + 0.11).contains(&y);
        if !chart.realised.is_empty() {
            let pts = series_points(svg, "realised").unwrap();
            assert_eq!(pts.len(), chart.realised.len());
            assert!(
                pts.iter().all(|&(_, y)| inside(y)),
                "{pts:?} {top} {bottom}"
            );
        }
        if chart.expected.len() >= 2 {
            let pts = series_points(svg, "expected").unwrap();
            assert!(pts.iter().all(|&(_, y)| inside(y)));
        }
        let target_y = svg.split(r#"class="target""#).nth(1).unwrap();
        let target_y = target_y.split(r#"y1=""#).nth(1).unwrap();
        let target_y: f64 = target_y[..target_y.find('"').unwrap()].parse().unwrap();
        assert!(inside(target_y));
        if let Some(f) = svg.split(r#"class="forecast""#).nth(1) {
            for attr in [r#"y1=""#, r#"y2=""#] {
                let v = f.split(attr).nth(1).unwrap();
                let v: f64 = v[..v.find('"').unwrap()].parse().unwrap();
                assert!(inside(v), "forecast {v} outside {top}..{bottom}");
            }
        }
    }

    fn check(chart: &TrajectoryChart) -> String {
        let svg = trajectory_svg(chart);
        check_well_formed(&svg);
        check_inside(&svg, chart);
        svg
    }

    #[test]
    fn sample_chart() {
        let chart = sample();
        let svg = check(&chart);
        let pts = series_points(&svg, "realised").unwrap();
        assert_eq!(pts.len(), 4);
        assert!(pts.windows(2).all(|w| w[0].0 < w[1].0), "dates go right");
        assert!(pts.windows(2).all(|w| w[0].1 > w[1].1), "growth goes up");
        assert_eq!(series_points(&svg, "expected").unwrap().len(), 3);
        assert_eq!(
            svg.matches("<circle").count(),
            4 + 1 + 1,
            "dots, forecast, legend"
        );
        assert!(svg.contains(r#"class="forecast""#));
        assert!(svg.contains(r#"class="today""#));
        for text in [
            "Rencana",
            "Realisasi",
            "Proyeksi",
            "Target 40",
            "Hari ini",
            "posyandu",
        ] {
            assert!(svg.contains(text), "{text}");
        }
        assert!(svg.contains(">1 Mar<"));
        assert!(svg.contains(">2025<"));
        assert!(svg.contains(r#"font-family="system-ui, sans-serif""#));
        assert!(svg.len() < 6000, "small output: {} bytes\n{svg}", svg.len());
        if let Ok(path) = std::env::var("CHART_SAMPLE") {
            std::fs::write(path, &svg).unwrap();
        }
    }

    #[test]
    fn title_is_escaped() {
        let mut chart = sample();
        chart.title = r#"Rasio <guru> & "murid" 'x'"#;
        chart.unit_label = "<b>&";
        chart.labels.realised = "R&D";
        let svg = check(&chart);
        assert!(
            svg.contains("<title>Rasio &lt;guru&gt; &amp; &quot;murid&quot; &#39;x&#39;</title>")
        );
        assert!(svg.contains("aria-label=\"Rasio &lt;guru&gt; &amp; &quot;murid&quot;"));
        assert!(svg.contains("&lt;b&gt;&amp;"));
        assert!(svg.contains("R&amp;D"));
        assert!(!svg.contains("<guru>"));
        assert!(!svg.contains("<b>"));
    }

    #[test]
    fn today_line_only_inside_programme() {
        let mut chart = sample();
        for (as_of, inside) in [
            (d(2025, 1, 1), true),
            (d(2025, 12, 31), true),
            (d(2024, 12, 31), false),
            (d(2026, 1, 1), false),
        ] {
            chart.as_of = as_of;
            let svg = check(&chart);
            assert_eq!(svg.contains(r#"class="today""#), inside, "{as_of}");
            assert_eq!(svg.contains("Hari ini"), inside, "{as_of}");
        }
    }

    #[test]
    fn start_equals_end() {
        let day = d(2025, 3, 1);
        let chart = TrajectoryChart {
            start: day,
            end: day,
            as_of: day,
            expected: vec![(day, dec!(0)), (day, dec!(1))],
            realised: vec![(day, dec!(1))],
            projected: Some(dec!(1)),
            ..sample()
        };
        let svg = check(&chart);
        assert!(svg.contains(">1 Mar<"));
        assert!(svg.contains(r#"class="today""#));
    }

    #[test]
    fn no_realised_points() {
        let chart = TrajectoryChart {
            realised: vec![],
            projected: Some(dec!(30)),
            ..sample()
        };
        let svg = check(&chart);
        assert!(!svg.contains(r#"class="realised""#));
        assert!(!svg.contains(r#"class="forecast""#));
        assert!(!svg.contains("Realisasi"));
        let chart = TrajectoryChart {
            expected: vec![],
            ..chart
        };
        check(&chart);
    }

    #[test]
    fn all_values_equal() {
        for v in [dec!(0), dec!(5), dec!(-5), dec!(0.001), dec!(123456.789)] {
            let chart = TrajectoryChart {
                baseline: v,
                target: v,
                expected: vec![(d(2025, 1, 1), v), (d(2025, 12, 31), v)],
                realised: vec![(d(2025, 2, 1), v), (d(2025, 3, 1), v)],
                projected: Some(v),
                ..sample()
            };
            check(&chart);
        }
    }

    #[test]
    fn negative_values() {
        let chart = TrajectoryChart {
            baseline: dec!(-20),
            target: dec!(5),
            expected: vec![(d(2025, 1, 1), dec!(-20)), (d(2025, 12, 31), dec!(5))],
            realised: vec![(d(2025, 2, 1), dec!(-25.5)), (d(2025, 5, 1), dec!(-10))],
            projected: Some(dec!(-1)),
            ..sample()
        };
        let svg = check(&chart);
        assert!(svg.contains(">-25<") || svg.contains(">-30<"), "{svg}");
    }

    #[test]
    fn huge_and_tiny_values() {
        for (a, b) in [
            (Decimal::MIN, Decimal::MAX),
            (Decimal::ZERO, Decimal::MAX),
            (Decimal::MAX, Decimal::MAX),
            (dec!(1000000000000000), dec!(1000000000000000.01)),
            (dec!(0.0000001), dec!(0.0000002)),
        ] {
            let chart = TrajectoryChart {
                baseline: a,
                target: b,
                expected: vec![(d(2025, 1, 1), a), (d(2025, 12, 31), b)],
                realised: vec![(d(2025, 2, 1), a), (d(2025, 3, 1), b)],
                projected: Some(b),
                ..sample()
            };
            check(&chart);
        }
    }

    #[test]
    fn lower_polarity_range_includes_everything() {
        // Stunting: from 24% down to 14%, realisation went up first, forecast overshoots.
        let chart = TrajectoryChart {
            title: "Prevalensi stunting",
            unit_label: "%",
            baseline: dec!(24),
            target: dec!(14),
            expected: vec![(d(2025, 1, 1), dec!(24)), (d(2025, 12, 31), dec!(14))],
            realised: vec![(d(2025, 2, 1), dec!(26.4)), (d(2025, 5, 1), dec!(21))],
            projected: Some(dec!(9.75)),
            ..sample()
        };
        let svg = check(&chart);
        let pts = series_points(&svg, "realised").unwrap();
        assert!(pts[0].1 < pts[1].1, "lower value is lower on screen");
    }

    #[test]
    fn long_and_odd_programmes() {
        // Ten years, dates outside the programme, reversed start/end, extreme dates.
        let mut chart = sample();
        chart.end = d(2035, 1, 1);
        chart.realised.push((d(2036, 6, 1), dec!(50)));
        let svg = check(&chart);
        assert!(svg.contains(">2030<"));
        let mut chart = sample();
        std::mem::swap(&mut chart.start, &mut chart.end);
        check(&chart);
        let mut chart = sample();
        chart.start = NaiveDate::MIN;
        chart.end = NaiveDate::MAX;
        check(&chart);
        // Short programme, no first of a month inside.
        let mut chart = sample();
        chart.start = d(2025, 3, 3);
        chart.end = d(2025, 3, 20);
        chart.expected = vec![(chart.start, dec!(10)), (chart.end, dec!(40))];
        chart.realised = vec![(d(2025, 3, 5), dec!(12))];
        let svg = check(&chart);
        assert!(svg.contains(">3 Mar<") && svg.contains(">20 Mar<"));
    }

    #[test]
    fn many_points_stay_small() {
        let mut chart = sample();
        chart.realised = (0..365)
            .map(|i| (d(2025, 1, 1) + chrono::Duration::days(i), Decimal::from(i)))
            .collect();
        let svg = check(&chart);
        assert_eq!(series_points(&svg, "realised").unwrap().len(), 365);
        assert!(svg.contains("<title>31 Des 2025: 364</title>"));
        assert!(svg.len() < 12_000, "{} bytes", svg.len());
    }

    #[test]
    fn long_labels_wrap_and_truncate() {
        let mut chart = sample();
        chart.title =
            "Persentase desa yang memiliki posyandu aktif dengan kader terlatih dan sarana lengkap";
        chart.labels.expected = "Rencana capaian kumulatif sesuai dokumen perencanaan";
        chart.labels.realised = "Realisasi kumulatif yang telah diverifikasi";
        let svg = check(&chart);
        assert!(svg.contains('…'));
        assert!(svg.contains(&format!("<title>{}</title>", chart.title)));
    }

    #[test]
    fn ticks_are_round() {
        let t = YTicks::new(&[10.0, 40.0, 25.5], Lang::Id);
        assert_eq!(t.labels, ["0", "10", "20", "30", "40"]);
        for (lang, mark) in [(Lang::Id, ','), (Lang::En, '.')] {
            let t = YTicks::new(&[0.3, 0.75], lang);
            assert!(t.lo <= 0.3 && t.hi >= 0.75);
            assert!(
                t.labels
                    .iter()
                    .all(|l| l.split(mark).nth(1).is_none_or(|f| f.len() <= 2)),
                "{lang:?}: {:?}",
                t.labels
            );
            assert!(t.labels.iter().any(|l| l.contains(mark)), "{:?}", t.labels);
            let t = YTicks::new(&[-0.0001, 0.0], lang);
            assert!(
                t.labels
                    .iter()
                    .all(|l| !(l.starts_with('-') && l[1..].chars().all(|c| "0.,".contains(c)))),
                "no minus zero: {:?}",
                t.labels
            );
        }
        // Thousands are grouped as the language groups them.
        let t = YTicks::new(&[0.0, 4000.0], Lang::Id);
        assert_eq!(t.labels, ["0", "1.000", "2.000", "3.000", "4.000"]);
        let t = YTicks::new(&[0.0, 4000.0], Lang::En);
        assert_eq!(t.labels, ["0", "1,000", "2,000", "3,000", "4,000"]);
    }

    #[test]
    fn figures_and_dates_are_written_in_the_pages_language() {
        let mut chart = sample();
        chart.target = dec!(1250.5);
        chart.projected = Some(dec!(25.125));
        let svg = check(&chart);
        assert!(svg.contains(">Target 1.250,5<"), "{svg}");
        assert!(svg.contains("<title>Proyeksi: 25,13</title>"), "{svg}");
        assert!(svg.contains("<title>10 Feb 2025: 12</title>"), "{svg}");
        assert!(svg.contains(">1 Mei<"), "{svg}");
        assert!(svg.contains("Target 1.250,5 posyandu"), "aria: {svg}");

        chart.labels = ChartLabels::ENGLISH;
        let svg = check(&chart);
        assert!(svg.contains(">Target 1,250.5<"), "{svg}");
        assert!(svg.contains("<title>Forecast: 25.13</title>"), "{svg}");
        assert!(svg.contains(">1 May<"), "{svg}");
        assert!(!svg.contains("Mei"), "{svg}");
    }
}
