//! A simple server-side SVG bar chart of achievement, for the PDF reports.
//! Drawn here rather than borrowed from the web crate, which depends on this
//! one; the PDF engine takes any SVG its caller hands over.

use pantau_present::Lang;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Horizontal bars, one per (label, achievement %); a dashed line at 100 %;
/// each bar's value written in Indonesian.
pub fn achievement_bars(title: &str, items: &[(String, Option<Decimal>)]) -> String {
    achievement_bars_in(Lang::Id, title, items)
}

/// [`achievement_bars`] with each bar's value written as
/// [`pantau_present::pct`] writes it in `lang`.
pub fn achievement_bars_in(lang: Lang, title: &str, items: &[(String, Option<Decimal>)]) -> String {
    // Room on the left for the longest label (about 7 points an upper-case character).
    let longest = items
        .iter()
        .map(|(l, _)| l.chars().count())
        .max()
        .unwrap_or(0);
    let left = (longest as f64 * 7.2 + 10.0).max(90.0);
    let (width, row, top) = (520.0, 18.0, 26.0);
    let max = items
        .iter()
        .filter_map(|(_, v)| v.and_then(|v| v.to_f64()))
        .fold(100.0_f64, f64::max);
    let scale = (width - left - 60.0) / max;
    let height = top + row * items.len() as f64 + 10.0;
    let mut svg = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="Libertinus Serif" font-size="11">"##
    );
    svg.push_str(&format!(
        r##"<text x="0" y="14" font-size="12" font-weight="bold">{}</text>"##,
        escape(title)
    ));
    for (i, (label, value)) in items.iter().enumerate() {
        let y = top + row * i as f64;
        svg.push_str(&format!(
            r##"<text x="{}" y="{}" text-anchor="end">{}</text>"##,
            left - 6.0,
            y + 12.0,
            escape(label)
        ));
        if let Some(v) = value.and_then(|v| v.to_f64()) {
            let shown = pantau_present::pct(lang, *value);
            let w = (v * scale).max(0.5);
            let colour = match v {
                v if v >= 91.0 => "#2e7d32",
                v if v >= 76.0 => "#66bb6a",
                v if v >= 66.0 => "#f9a825",
                v if v >= 51.0 => "#ef6c00",
                _ => "#c62828",
            };
            svg.push_str(&format!(
                r##"<rect x="{left}" y="{}" width="{w:.1}" height="{}" fill="{colour}"/><text x="{:.1}" y="{}">{}</text>"##,
                y + 2.0,
                row - 5.0,
                left + w + 4.0,
                y + 12.0,
                escape(&shown)
            ));
        } else {
            svg.push_str(&format!(
                r##"<text x="{}" y="{}" fill="#777">{}</text>"##,
                left + 4.0,
                y + 12.0,
                pantau_present::NONE
            ));
        }
    }
    let x100 = left + 100.0 * scale;
    svg.push_str(&format!(
        r##"<line x1="{x100:.1}" y1="{}" x2="{x100:.1}" y2="{}" stroke="#333" stroke-dasharray="3,3"/></svg>"##,
        top - 4.0,
        height - 6.0
    ));
    svg
}
