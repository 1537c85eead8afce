//! The leaders' dashboard charts: the compliance heat map (units by weeks) and
//! the weekly trends (capaian, reporting rate). Same rules as the trajectory
//! chart: inline SVG, a `viewBox` that scales, no scripts, no style attributes.

use std::fmt::Write as _;

use pantau_present::{self as present, Lang};

use super::{esc, f1, points, text_width, truncate};

/// One cell of the heat map: how a unit reported for one week.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeatCell {
    OnTime,
    Late,
    Missing,
    /// Reported on time or late, but only a nil report (nothing to report).
    Nil,
    /// The deadline has not passed yet.
    Open,
}

impl HeatCell {
    pub const ALL: [HeatCell; 5] = [
        HeatCell::OnTime,
        HeatCell::Late,
        HeatCell::Nil,
        HeatCell::Missing,
        HeatCell::Open,
    ];

    fn fill(self) -> &'static str {
        match self {
            HeatCell::OnTime => "#1a7f37",
            HeatCell::Late => "#d4a72c",
            HeatCell::Missing => "#cf222e",
            HeatCell::Nil => "#54aeff",
            HeatCell::Open => "#eaeef2",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            HeatCell::OnTime => "on_time",
            HeatCell::Late => "late",
            HeatCell::Missing => "missing",
            HeatCell::Nil => "nil",
            HeatCell::Open => "open",
        }
    }
}

#[derive(Debug, Clone)]
pub struct HeatRow {
    pub label: String,
    pub cells: Vec<HeatCell>,
}

#[derive(Debug, Clone)]
pub struct Heatmap<'a> {
    pub title: &'a str,
    /// The language of the week numbers, written by `pantau_present`.
    pub lang: Lang,
    /// The index of each week (a column each), labelled "1", "2"...
    pub columns: Vec<u32>,
    pub rows: Vec<HeatRow>,
    /// The legend text of each state, in [`HeatCell::ALL`] order.
    pub legend: [&'a str; 5],
}

const CELL: f64 = 16.0;
const GAP: f64 = 2.0;
const LABEL_SIZE: f64 = 12.0;
const TITLE: f64 = 15.0;

/// The heat map as a self-contained `<svg>`: a row per unit, a column per week.
pub fn heatmap_svg(map: &Heatmap) -> String {
    // Long names are cut at a word where possible; the full name is the label's <title>.
    let label_chars = 24;
    let label_w = map
        .rows
        .iter()
        .map(|r| text_width(&truncate(&r.label, label_chars), LABEL_SIZE))
        .fold(40.0, f64::max)
        + 8.0;
    let columns = map.columns.len().max(1) as f64;
    let grid_w = columns * (CELL + GAP);
    let top = TITLE + 10.0 + LABEL_SIZE + 6.0;
    let grid_h = map.rows.len() as f64 * (CELL + GAP);
    let legend_y = top + grid_h + 10.0;
    let legend_w: f64 = map
        .legend
        .iter()
        .map(|text| 30.0 + text_width(text, LABEL_SIZE - 1.0))
        .sum();
    let width = (label_w + grid_w + 8.0)
        .max(legend_w)
        .max(text_width(map.title, TITLE));
    let height = legend_y + LABEL_SIZE + 10.0;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {0} {1}" width="{0}" height="{1}" role="img" aria-label="{2}" font-family="system-ui, sans-serif" class="heatmap">"#,
        f1(width),
        f1(height),
        esc(map.title)
    );
    let _ = write!(
        s,
        r##"<text x="0" y="{}" font-size="{TITLE}" font-weight="600" fill="#1f2328">{}</text>"##,
        f1(TITLE),
        esc(map.title)
    );
    // Week labels: every one when there is room, else every other.
    let step = if columns > 20.0 { 2 } else { 1 };
    for (i, &column) in map.columns.iter().enumerate().step_by(step) {
        let x = label_w + i as f64 * (CELL + GAP) + CELL / 2.0;
        let _ = write!(
            s,
            r##"<text x="{}" y="{}" font-size="{}" text-anchor="middle" fill="#59636e">{}</text>"##,
            f1(x),
            f1(top - 6.0),
            LABEL_SIZE - 2.0,
            esc(&present::count(map.lang, i64::from(column)))
        );
    }
    for (r, row) in map.rows.iter().enumerate() {
        let y = top + r as f64 * (CELL + GAP);
        let _ = write!(
            s,
            r##"<text x="0" y="{}" font-size="{LABEL_SIZE}" fill="#1f2328">{}<title>{}</title></text>"##,
            f1(y + CELL - 4.0),
            esc(&truncate(&row.label, label_chars)),
            esc(&row.label)
        );
        for (c, cell) in row.cells.iter().enumerate() {
            let x = label_w + c as f64 * (CELL + GAP);
            let _ = write!(
                s,
                r#"<rect x="{}" y="{}" width="{CELL}" height="{CELL}" rx="2" fill="{}" data-state="{}"/>"#,
                f1(x),
                f1(y),
                cell.fill(),
                cell.code()
            );
        }
    }
    let mut x = 0.0;
    for (cell, text) in HeatCell::ALL.iter().zip(map.legend) {
        let _ = write!(
            s,
            r##"<rect x="{}" y="{}" width="12" height="12" rx="2" fill="{}"/><text x="{}" y="{}" font-size="{}" fill="#1f2328">{}</text>"##,
            f1(x),
            f1(legend_y),
            cell.fill(),
            f1(x + 16.0),
            f1(legend_y + 10.5),
            LABEL_SIZE - 1.0,
            esc(text)
        );
        x += 16.0 + text_width(text, LABEL_SIZE - 1.0) + 14.0;
    }
    s.push_str("</svg>");
    s
}

/// One line of the trend chart: a value in percent per week, `None` where there is none.
#[derive(Debug, Clone)]
pub struct TrendSeries {
    pub name: String,
    pub values: Vec<Option<f64>>,
}

#[derive(Debug, Clone)]
pub struct TrendChart<'a> {
    pub title: &'a str,
    /// The language of the axes, written by `pantau_present`.
    pub lang: Lang,
    /// The index of each week, labelled "M1" / "W1".
    pub columns: Vec<u32>,
    pub series: Vec<TrendSeries>,
}

const TREND_COLOURS: [&str; 3] = ["#1f6feb", "#1a7f37", "#9a6700"];
const TW: f64 = 720.0;
const TH: f64 = 260.0;

/// Percent lines over the weeks, on a 0-100 scale (wider if a value leaves it).
pub fn trend_svg(chart: &TrendChart) -> String {
    let values: Vec<f64> = chart
        .series
        .iter()
        .flat_map(|s| s.values.iter().flatten().copied())
        .collect();
    // The scale runs between round ticks (1-2-5 steps, as every axis).
    let (lo, hi) = (
        values.iter().copied().fold(0.0, f64::min),
        values.iter().copied().fold(100.0, f64::max),
    );
    let step = crate::budget_chart::step_125((hi - lo) / 4.0);
    let (lo, hi) = ((lo / step).floor() * step, (hi / step).ceil() * step);
    let ticks: Vec<f64> = (0..=((hi - lo) / step).round() as usize)
        .map(|k| lo + step * k as f64)
        .collect();
    let (left, right, top, bottom) = (40.0, TW - 10.0, TITLE + 30.0, TH - 28.0);
    let n = chart.columns.len().max(1);
    let x_of = |i: usize| {
        if n == 1 {
            (left + right) / 2.0
        } else {
            left + (right - left) * i as f64 / (n - 1) as f64
        }
    };
    let y_of = |v: f64| bottom - (bottom - top) * (v - lo) / (hi - lo).max(1.0);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {TW} {TH}" width="{TW}" height="{TH}" role="img" aria-label="{}" font-family="system-ui, sans-serif" class="trend">"#,
        esc(chart.title)
    );
    let _ = write!(
        s,
        r##"<text x="0" y="{}" font-size="{TITLE}" font-weight="600" fill="#1f2328">{}</text>"##,
        f1(TITLE),
        esc(chart.title)
    );
    for tick in ticks {
        let y = y_of(tick);
        let _ = write!(
            s,
            r##"<line x1="{left}" x2="{right}" y1="{0}" y2="{0}" stroke="#eaeef2"/><text x="{1}" y="{2}" font-size="11" text-anchor="end" fill="#59636e">{3}</text>"##,
            f1(y),
            f1(left - 4.0),
            f1(y + 4.0),
            esc(&present::tick_pct(
                chart.lang,
                tick,
                if tick.fract() == 0.0 { 0 } else { 1 }
            ))
        );
    }
    let step = n.div_ceil(16).max(1);
    for (i, &column) in chart.columns.iter().enumerate().step_by(step) {
        let _ = write!(
            s,
            r##"<text x="{}" y="{}" font-size="11" text-anchor="middle" fill="#59636e">{}</text>"##,
            f1(x_of(i)),
            f1(bottom + 16.0),
            esc(&present::period_tick(chart.lang, column))
        );
    }
    let mut legend_x = 0.0;
    for (k, series) in chart.series.iter().enumerate() {
        let colour = TREND_COLOURS[k % TREND_COLOURS.len()];
        // A gap in the data breaks the line rather than bridging it.
        let mut run: Vec<(f64, f64)> = Vec::new();
        let mut runs = Vec::new();
        for (i, value) in series.values.iter().enumerate() {
            match value {
                Some(v) => run.push((x_of(i), y_of(*v))),
                None => runs.push(std::mem::take(&mut run)),
            }
        }
        runs.push(run);
        for run in runs.iter().filter(|r| !r.is_empty()) {
            let _ = write!(
                s,
                r#"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="2.5"/>"#,
                points(run.iter().copied())
            );
            for (x, y) in run {
                let _ = write!(
                    s,
                    r#"<circle cx="{}" cy="{}" r="3" fill="{colour}"/>"#,
                    f1(*x),
                    f1(*y)
                );
            }
        }
        let _ = write!(
            s,
            r##"<rect x="{}" y="{}" width="14" height="4" fill="{colour}"/><text x="{}" y="{}" font-size="12" fill="#1f2328">{}</text>"##,
            f1(legend_x),
            f1(TITLE + 12.0),
            f1(legend_x + 18.0),
            f1(TITLE + 17.0),
            esc(&series.name)
        );
        legend_x += 18.0 + text_width(&series.name, 12.0) + 16.0;
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn heatmap() -> Heatmap<'static> {
        Heatmap {
            title: "Kepatuhan <lapor>",
            lang: Lang::Id,
            columns: (1..=3).collect(),
            rows: vec![
                HeatRow {
                    label: "DP3A".into(),
                    cells: vec![HeatCell::OnTime, HeatCell::Late, HeatCell::Open],
                },
                HeatRow {
                    label: "DLH & Co".into(),
                    cells: vec![HeatCell::Missing, HeatCell::Nil, HeatCell::Open],
                },
            ],
            legend: ["Tepat", "Terlambat", "Nihil", "Tidak lapor", "Belum"],
        }
    }

    #[test]
    fn the_heat_map_has_a_cell_per_unit_and_week_and_escapes_its_texts() {
        let svg = heatmap_svg(&heatmap());
        assert_eq!(svg.matches("data-state=").count(), 6);
        assert_eq!(svg.matches(r#"data-state="open""#).count(), 2);
        assert_eq!(svg.matches(r#"data-state="nil""#).count(), 1);
        assert!(svg.contains("Kepatuhan &lt;lapor&gt;"));
        assert!(svg.contains("DLH &amp; Co"));
        assert!(!svg.contains("style="));
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
    }

    #[test]
    fn a_long_unit_name_is_cut_on_the_map_and_whole_in_its_title() {
        let mut map = heatmap();
        let name = "DISKOMINFOSTANDI Dinas Komunikasi, Informatika, Statistik dan Persandian";
        map.rows[0].label = name.into();
        let svg = heatmap_svg(&map);
        assert!(
            svg.contains(&format!("<title>{}</title>", esc(name))),
            "{svg}"
        );
        // Fixed px, never scaled by the page's chart rule; a legend for every colour.
        assert!(svg.contains(r#"class="heatmap""#) && !svg.contains("100%"));
        for word in ["Tepat", "Terlambat", "Nihil", "Tidak lapor", "Belum"] {
            assert!(svg.contains(&format!(">{word}<")), "{word} in {svg}");
        }
    }

    #[test]
    fn a_gap_breaks_the_trend_line() {
        let chart = TrendChart {
            title: "Tren",
            lang: Lang::Id,
            columns: (1..=4).collect(),
            series: vec![
                TrendSeries {
                    name: "Capaian".into(),
                    values: vec![Some(10.0), Some(20.0), None, Some(40.0)],
                },
                TrendSeries {
                    name: "Pelaporan".into(),
                    values: vec![Some(100.0), Some(50.0), Some(75.0), Some(80.0)],
                },
            ],
        };
        let svg = trend_svg(&chart);
        assert_eq!(svg.matches("<polyline").count(), 3);
        assert_eq!(svg.matches("<circle").count(), 7);
        // The scale stays 0-100 when every value is inside it.
        assert!(svg.contains(">0%<") && svg.contains(">50%<") && svg.contains(">100%<"));
        assert!(svg.contains(">M1<") && svg.contains(">M4<"), "{svg}");
    }

    #[test]
    fn values_beyond_the_scale_widen_it() {
        let chart = TrendChart {
            title: "Tren",
            lang: Lang::Id,
            columns: vec![1, 2],
            series: vec![TrendSeries {
                name: "Capaian".into(),
                values: vec![Some(-12.5), Some(130.0)],
            }],
        };
        let svg = trend_svg(&chart);
        // -12.5..130 widens to round ticks: -50, 0, 50, 100, 150.
        for tick in [">-50%<", ">0%<", ">50%<", ">100%<", ">150%<"] {
            assert!(svg.contains(tick), "{tick} in {svg}");
        }
        let small = trend_svg(&TrendChart {
            series: vec![TrendSeries {
                name: "Capaian".into(),
                values: vec![Some(0.0), Some(102.5)],
            }],
            ..chart.clone()
        });
        // 0..102.5 steps by 50 up to 150, never an odd tick such as 102.5.
        assert!(
            small.contains(">150%<") && !small.contains(">102"),
            "{small}"
        );
        let svg = trend_svg(&TrendChart {
            lang: Lang::En,
            ..chart
        });
        assert!(svg.contains(">-50%<"), "{svg}");
        assert!(svg.contains(">W1<") && !svg.contains(">M1<"), "{svg}");
    }

    #[test]
    fn heat_map_weeks_are_numbered_in_the_pages_language() {
        let mut map = heatmap();
        map.columns = vec![9, 1000];
        let svg = heatmap_svg(&map);
        assert!(svg.contains(">9<") && svg.contains(">1.000<"), "{svg}");
        map.lang = Lang::En;
        let svg = heatmap_svg(&map);
        assert!(svg.contains(">1,000<"), "{svg}");
    }
}
