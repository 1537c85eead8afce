//! Server-side SVG charts of a unit's fiscal year: cumulative plan (anggaran
//! kas) against realised spending with the pagu, and physical against
//! financial progress. Like `chart.rs`: inline `<svg>` scaled by its `viewBox`,
//! no script, no `style` attributes, every text XML-escaped. Floats are used
//! for drawing positions only; the figures written on the page come from the
//! engine, and the axes' numbers are written by `pantau_present`.

use std::fmt::Write as _;

use pantau_present::{self as present, Lang};

const W: f64 = 560.0;
const H: f64 = 300.0;
const LEFT: f64 = 58.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 52.0;

const C_TEXT: &str = "#1f2328";
const C_MUTED: &str = "#59636e";
const C_GRID: &str = "#eaeef2";
const C_PLAN: &str = "#8c959f";
const C_ACTUAL: &str = "#1f6feb";
const C_CEILING: &str = "#9a6700";
const C_PHYSICAL: &str = "#1a7f37";

/// One line: a value per month (index 0 is January), none where there is no figure.
pub struct Series<'a> {
    pub label: &'a str,
    pub values: [Option<f64>; 12],
    pub dashed: bool,
    pub color: &'static str,
}

/// What the y axis counts, and so how its ticks are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Axis {
    /// Rupiah, written in billions ([`present::rupiah_axis`]); the title names the unit.
    RupiahBillions,
    /// Percent, whole ([`present::tick_pct`]).
    Percent,
}

impl Axis {
    fn tick(self, lang: Lang, value: f64) -> String {
        match self {
            Axis::RupiahBillions => present::rupiah_axis(lang, value),
            Axis::Percent => present::tick_pct(lang, value, 0),
        }
    }
}

/// A monthly line chart over a fiscal year.
pub struct YearChart<'a> {
    pub title: &'a str,
    /// The language of the axes' numbers.
    pub lang: Lang,
    /// Short month names, January first.
    pub months: [&'a str; 12],
    /// The y axis: 0 to `y_max`, counting `axis`.
    pub y_max: f64,
    pub axis: Axis,
    pub series: Vec<Series<'a>>,
    /// A horizontal line (the pagu), with its label.
    pub ceiling: Option<(f64, &'a str)>,
    /// The month the figures run to (1 to 12): later months are drawn faint.
    pub as_of_month: u32,
}

fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn x_of(month_index: usize) -> f64 {
    LEFT + (W - LEFT - RIGHT) * (month_index as f64 + 0.5) / 12.0
}

pub fn svg(chart: &YearChart) -> String {
    let y_max = if chart.y_max > 0.0 { chart.y_max } else { 1.0 };
    let plot_h = H - TOP - BOTTOM;
    let y_of = |v: f64| TOP + plot_h * (1.0 - (v / y_max).clamp(0.0, 1.05));
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="100%" role="img" aria-label="{}" font-family="system-ui,sans-serif">"#,
        esc(chart.title)
    );
    let _ = write!(
        out,
        r#"<text x="{LEFT}" y="18" font-size="16" font-weight="600" fill="{C_TEXT}">{}</text>"#,
        esc(chart.title)
    );
    // Grid and ticks: five steps of the axis.
    for step in 0..=4 {
        let value = y_max * step as f64 / 4.0;
        let y = y_of(value);
        let _ = write!(
            out,
            r#"<line x1="{LEFT}" y1="{y:.1}" x2="{}" y2="{y:.1}" stroke="{C_GRID}"/><text x="{}" y="{:.1}" font-size="12" text-anchor="end" fill="{C_MUTED}">{}</text>"#,
            W - RIGHT,
            LEFT - 6.0,
            y + 4.0,
            esc(&chart.axis.tick(chart.lang, value))
        );
    }
    for (i, month) in chart.months.iter().enumerate() {
        let fill = if i as u32 >= chart.as_of_month {
            C_GRID
        } else {
            C_MUTED
        };
        let _ = write!(
            out,
            r#"<text x="{:.1}" y="{:.1}" font-size="12" text-anchor="middle" fill="{fill}">{}</text>"#,
            x_of(i),
            H - BOTTOM + 16.0,
            esc(month)
        );
    }
    if let Some((value, label)) = chart.ceiling {
        let y = y_of(value);
        let _ = write!(
            out,
            r#"<line x1="{LEFT}" y1="{y:.1}" x2="{}" y2="{y:.1}" stroke="{C_CEILING}" stroke-dasharray="2 3"/><text x="{}" y="{:.1}" font-size="12" text-anchor="end" fill="{C_CEILING}">{}</text>"#,
            W - RIGHT,
            W - RIGHT,
            y - 4.0,
            esc(label)
        );
    }
    for series in &chart.series {
        let points: Vec<(f64, f64)> = series
            .values
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.map(|v| (x_of(i), y_of(v))))
            .collect();
        if points.is_empty() {
            continue;
        }
        let path: Vec<String> = points
            .iter()
            .map(|(x, y)| format!("{x:.1},{y:.1}"))
            .collect();
        let dash = if series.dashed {
            r#" stroke-dasharray="6 4""#
        } else {
            ""
        };
        let _ = write!(
            out,
            r#"<polyline points="{}" fill="none" stroke="{}" stroke-width="2.5"{dash}/>"#,
            path.join(" "),
            series.color
        );
        for (x, y) in &points {
            let _ = write!(
                out,
                r#"<circle cx="{x:.1}" cy="{y:.1}" r="3" fill="{}"/>"#,
                series.color
            );
        }
    }
    // Legend under the months.
    let mut x = LEFT;
    let y = H - 14.0;
    for series in &chart.series {
        let dash = if series.dashed {
            r#" stroke-dasharray="6 4""#
        } else {
            ""
        };
        let _ = write!(
            out,
            r#"<line x1="{x:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{}" stroke-width="2.5"{dash}/><text x="{:.1}" y="{y:.1}" font-size="12" fill="{C_TEXT}">{}</text>"#,
            y - 4.0,
            x + 22.0,
            y - 4.0,
            series.color,
            x + 26.0,
            esc(series.label)
        );
        x += 34.0 + series.label.chars().count() as f64 * 6.8;
    }
    out.push_str("</svg>");
    out
}

pub const PLAN: &str = C_PLAN;
pub const ACTUAL: &str = C_ACTUAL;
pub const PHYSICAL: &str = C_PHYSICAL;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_the_given_months_only_and_escapes_texts() {
        let mut values = [None; 12];
        values[0] = Some(10.0);
        values[1] = Some(30.0);
        let chart = YearChart {
            title: "Serapan <DP3A> & rencana",
            lang: Lang::Id,
            months: ["J", "F", "M", "A", "M", "J", "J", "A", "S", "O", "N", "D"],
            y_max: 100.0,
            axis: Axis::Percent,
            series: vec![Series {
                label: "Realisasi",
                values,
                dashed: false,
                color: ACTUAL,
            }],
            ceiling: Some((100.0, "Pagu")),
            as_of_month: 2,
        };
        let svg = svg(&chart);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("Serapan &lt;DP3A&gt; &amp; rencana"));
        assert_eq!(svg.matches("<circle").count(), 2);
        assert!(!svg.contains("style="));
        assert!(!svg.contains("<script"));
        assert!(svg.contains(">0%<") && svg.contains(">25%<") && svg.contains(">100%<"));
    }

    #[test]
    fn amounts_are_ticked_in_billions_in_the_pages_language() {
        let chart = |lang| YearChart {
            title: "Serapan",
            lang,
            months: ["J", "F", "M", "A", "M", "J", "J", "A", "S", "O", "N", "D"],
            // Ticks at 0, 2.5, 5, 7.5 and 10 billion.
            y_max: 10e9,
            axis: Axis::RupiahBillions,
            series: Vec::new(),
            ceiling: None,
            as_of_month: 12,
        };
        let id = svg(&chart(Lang::Id));
        for tick in [">0<", ">2,5<", ">5,0<", ">7,5<", ">10<"] {
            assert!(id.contains(tick), "{tick} in {id}");
        }
        let en = svg(&chart(Lang::En));
        assert!(en.contains(">2.5<") && en.contains(">10<"), "{en}");
        assert!(!en.contains(">2,5<"), "{en}");
    }
}
