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
// Room for the longest tick, "Rp 500 M".
const LEFT: f64 = 74.0;
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
    /// Rupiah, each tick with its scale: "Rp 5 M", "Rp 1,5 T" ([`present::rupiah_axis`]).
    RupiahBillions,
    /// Percent, whole ([`present::tick_pct`]).
    Percent,
}

impl Axis {
    /// A point's value in its tooltip: money as "Rp 2,50 M" / "Rp 1,20 T".
    fn tooltip(self, lang: Lang, value: f64) -> String {
        match self {
            Axis::RupiahBillions => present::rupiah_short(lang, value.round() as i64),
            Axis::Percent => present::tick_pct(lang, value, 0),
        }
    }

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

/// The axis step at or above `raw`: 1, 2 or 5 times a power of ten.
pub fn step_125(raw: f64) -> f64 {
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let mag = 10f64.powf(raw.log10().floor());
    let norm = raw / mag;
    // A little slack: 2.0000001 from float error is 2, not 5.
    let nice = if norm <= 1.0 + 1e-9 {
        1.0
    } else if norm <= 2.0 + 1e-9 {
        2.0
    } else if norm <= 5.0 + 1e-9 {
        5.0
    } else {
        10.0
    };
    nice * mag
}

/// The ticks of an axis from 0 covering `max`: at most five, at multiples of
/// a [`step_125`] step, the last at or above `max`.
pub fn axis_ticks(max: f64) -> Vec<f64> {
    let max = if max.is_finite() && max > 0.0 {
        max
    } else {
        1.0
    };
    let step = step_125(max / 4.0);
    let steps = ((max / step) - 1e-9).ceil().max(1.0) as usize;
    (0..=steps).map(|i| step * i as f64).collect()
}

/// Characters of the title a line holds at its size (about 7.5 px a character
/// at 14 px, across the chart's width).
const TITLE_LINE_CHARS: usize = 68;

/// The title in lines of at most [`TITLE_LINE_CHARS`], broken between words.
fn title_lines(title: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in title.split_whitespace() {
        match lines.last_mut() {
            Some(line) if line.chars().count() + 1 + word.chars().count() <= TITLE_LINE_CHARS => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_owned()),
        }
    }
    lines
}

/// The chart at a fixed size in px (`width`/`height` set, so its text stays
/// at its font size on any screen; the page scrolls it sideways when narrow).
pub fn svg(chart: &YearChart) -> String {
    let ticks = axis_ticks(chart.y_max);
    let y_max = ticks.last().copied().unwrap_or(1.0);
    let lines = title_lines(chart.title);
    let extra = 18.0 * (lines.len().max(1) - 1) as f64;
    let top = TOP + extra;
    let h = H + extra;
    let plot_h = h - top - BOTTOM;
    let y_of = |v: f64| top + plot_h * (1.0 - (v / y_max).clamp(0.0, 1.05));
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {h}" width="{W}" height="{h}" role="img" aria-label="{0}" font-family="system-ui,sans-serif" class="budget-chart"><title>{0}</title>"#,
        esc(chart.title)
    );
    for (i, line) in lines.iter().enumerate() {
        let _ = write!(
            out,
            r#"<text x="{RIGHT}" y="{}" font-size="14" font-weight="600" fill="{C_TEXT}">{}</text>"#,
            18.0 + 18.0 * i as f64,
            esc(line)
        );
    }
    // Grid and ticks at round values.
    for &value in &ticks {
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
            h - BOTTOM + 16.0,
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
        for (i, v) in series.values.iter().enumerate() {
            let Some(v) = v else { continue };
            let _ = write!(
                out,
                r#"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{}"><title>{}, {}: {}</title></circle>"#,
                x_of(i),
                y_of(*v),
                series.color,
                esc(series.label),
                esc(chart.months[i]),
                esc(&chart.axis.tooltip(chart.lang, *v))
            );
        }
    }
    // Legend under the months.
    let mut x = LEFT;
    let y = h - 14.0;
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
    use proptest::prelude::*;

    fn is_125(step: f64) -> bool {
        let mag = 10f64.powf(step.log10().floor());
        let norm = step / mag;
        [1.0, 2.0, 5.0, 10.0]
            .iter()
            .any(|n| (norm - n).abs() < 1e-6)
    }

    proptest! {
        #[test]
        fn steps_are_one_two_five(raw in 1e-6f64..1e15) {
            let step = step_125(raw);
            prop_assert!(step >= raw * (1.0 - 1e-9));
            prop_assert!(step < raw * 5.0 + 1e-9);
            prop_assert!(is_125(step), "{step} from {raw}");
        }

        #[test]
        fn ticks_cover_the_maximum_in_at_most_five(max in 1e-3f64..1e15) {
            let ticks = axis_ticks(max);
            prop_assert!(ticks.len() >= 2 && ticks.len() <= 5, "{ticks:?}");
            prop_assert_eq!(ticks[0], 0.0);
            prop_assert!(*ticks.last().unwrap() >= max * (1.0 - 1e-9));
            let step = ticks[1];
            prop_assert!(is_125(step));
            // The axis wastes less than a step above the maximum.
            prop_assert!(*ticks.last().unwrap() - max < step + 1e-9 * max);
        }
    }

    #[test]
    fn the_odd_axis_of_685_becomes_round() {
        assert_eq!(axis_ticks(685.0), vec![0.0, 200.0, 400.0, 600.0, 800.0]);
        assert_eq!(axis_ticks(100.0), vec![0.0, 50.0, 100.0]);
    }

    #[test]
    fn text_has_fixed_sizes_and_a_long_title_wraps() {
        let title = "Realisasi anggaran kumulatif Dinas Pemberdayaan Perempuan, Perlindungan Anak, Pengendalian Penduduk dan Keluarga Berencana (Rp miliar)";
        let svg = svg(&YearChart {
            title,
            lang: Lang::Id,
            months: [
                "Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des",
            ],
            y_max: 685.0,
            axis: Axis::Percent,
            series: vec![Series {
                label: "Realisasi",
                values: [
                    Some(10.0),
                    Some(20.0),
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                ],
                dashed: false,
                color: ACTUAL,
            }],
            ceiling: None,
            as_of_month: 2,
        });
        // Fixed px: the page never scales the text.
        assert!(svg.contains(&format!(r#"width="{W}""#)), "{svg}");
        assert!(!svg.contains("100%\""));
        for size in svg.split("font-size=\"").skip(1) {
            let size: f64 = size.split('"').next().unwrap().parse().unwrap();
            assert!((12.0..=14.0).contains(&size), "{size}");
        }
        // The whole title: in <title>, and on two lines, not cut.
        assert!(svg.contains(&format!("<title>{title}</title>")));
        assert!(svg.contains(">Realisasi anggaran kumulatif"));
        assert!(svg.contains("miliar)</text>"), "{svg}");
        // Every point says what it is.
        assert!(svg.contains("<title>Realisasi, Feb: 20%</title>"), "{svg}");
        // The legend names the series.
        assert!(svg.contains(">Realisasi</text>"));
    }

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
        // Round 1-2-5 steps: 0, 50, 100.
        assert!(svg.contains(">0%<") && svg.contains(">50%<") && svg.contains(">100%<"));
    }

    #[test]
    fn amounts_are_ticked_in_rupiah_with_their_scale_in_the_pages_language() {
        let chart = |lang| YearChart {
            title: "Serapan",
            lang,
            months: ["J", "F", "M", "A", "M", "J", "J", "A", "S", "O", "N", "D"],
            // Ticks at 0, 5 and 10 billion (1-2-5 steps).
            y_max: 10e9,
            axis: Axis::RupiahBillions,
            series: Vec::new(),
            ceiling: None,
            as_of_month: 12,
        };
        let id = svg(&chart(Lang::Id));
        for tick in [">Rp 0<", ">Rp 5 M<", ">Rp 10 M<"] {
            assert!(id.contains(tick), "{tick} in {id}");
        }
        let en = svg(&chart(Lang::En));
        assert!(
            en.contains(">Rp 5 bn<") && en.contains(">Rp 10 bn<"),
            "{en}"
        );
        assert!(!en.contains(" M<"), "{en}");
    }
}
