//! The HTML page of a load report, self-contained: inline SVG plots drawn
//! with plotters (its SVG backend only: no font or image libraries), the
//! tables of [`crate::load`], no script.
//!
//! - The latency percentile spectrum: latency against percentile on a
//!   "nines" axis (x = log10(1 / (1 - p))), one line per operation, so the
//!   tail is as wide as the body.
//! - Throughput over time: requests per second per interval, and errors.

use maud::{html, Markup, PreEscaped, DOCTYPE};
use plotters::prelude::*;

use crate::load::{LoadReport, OperationReport};

/// The plot size, pixels.
const SIZE: (u32, u32) = (760, 380);

/// x of a percentile on the nines axis (100 maps to the last point drawn: 99.9999).
fn nines(percentile: f64) -> f64 {
    let q = (percentile / 100.0).min(0.999_999);
    -(1.0 - q).log10()
}

fn percentile_label(x: f64) -> String {
    let p = 100.0 * (1.0 - 10f64.powf(-x));
    let text = format!("{p:.4}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text}%")
}

/// The spectrum plot of `ops` (operations and steps with a spectrum).
pub fn spectrum_svg(ops: &[&OperationReport]) -> String {
    let mut svg = String::new();
    let lines: Vec<(&str, Vec<(f64, f64)>)> = ops
        .iter()
        .filter(|o| !o.spectrum.is_empty())
        .map(|o| (o.name.as_str(), o.spectrum.iter().map(|p| (nines(p.percentile), p.latency_us as f64 / 1000.0)).collect()))
        .collect();
    let xmax = lines.iter().flat_map(|(_, l)| l.iter().map(|p| p.0)).fold(2.0f64, f64::max);
    let ymax = lines.iter().flat_map(|(_, l)| l.iter().map(|p| p.1)).fold(0.001f64, f64::max) * 1.1;
    let draw = || -> Option<()> {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        let _ = root.fill(&WHITE);
        let mut chart = ChartBuilder::on(&root)
            .caption("Latency by percentile", ("sans-serif", 16))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(0f64..xmax.ceil(), 0f64..ymax)
            .ok()?;
        let _ = chart
            .configure_mesh()
            .x_desc("percentile")
            .y_desc("latency (ms)")
            .x_labels(xmax.ceil() as usize + 1)
            .x_label_formatter(&|x| percentile_label(*x))
            .draw();
        for (i, (name, points)) in lines.into_iter().enumerate() {
            let color = Palette99::pick(i).to_rgba();
            if let Ok(series) = chart.draw_series(LineSeries::new(points, color.stroke_width(2))) {
                series.label(name.to_owned()).legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2)));
            }
        }
        let _ = chart.configure_series_labels().position(SeriesLabelPosition::UpperLeft).background_style(WHITE.mix(0.8)).border_style(BLACK).draw();
        root.present().ok()
    };
    // A plot that cannot be drawn leaves what was drawn (an empty string at worst).
    let _ = draw();
    svg
}

/// The throughput-over-time plot.
pub fn throughput_svg(report: &LoadReport) -> String {
    let mut svg = String::new();
    let ok: Vec<(f64, f64)> = report.throughput.iter().map(|p| (p.t_s, p.rps)).collect();
    let width = report.throughput.windows(2).next().map(|w| w[1].t_s - w[0].t_s).filter(|w| *w > 0.0).unwrap_or(1.0);
    let errors: Vec<(f64, f64)> = report.throughput.iter().map(|p| (p.t_s, p.errors as f64 / width)).collect();
    let xmax = report.throughput.last().map(|p| p.t_s + width).unwrap_or(1.0);
    let ymax = ok.iter().map(|p| p.1).fold(1.0f64, f64::max) * 1.1;
    let draw = || -> Option<()> {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        let _ = root.fill(&WHITE);
        let mut chart = ChartBuilder::on(&root)
            .caption("Throughput over time", ("sans-serif", 16))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(0f64..xmax, 0f64..ymax)
            .ok()?;
        let _ = chart.configure_mesh().x_desc("seconds after the warm-up").y_desc("requests per second").draw();
        let blue = BLUE.stroke_width(2);
        if let Ok(s) = chart.draw_series(LineSeries::new(ok, blue)) {
            s.label("requests/s").legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], blue));
        }
        let red = RED.stroke_width(2);
        if let Ok(s) = chart.draw_series(LineSeries::new(errors, red)) {
            s.label("errors/s").legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], red));
        }
        let _ = chart.configure_series_labels().position(SeriesLabelPosition::LowerRight).background_style(WHITE.mix(0.8)).border_style(BLACK).draw();
        root.present().ok()
    };
    // A plot that cannot be drawn leaves what was drawn (an empty string at worst).
    let _ = draw();
    svg
}

fn ms(us: u64) -> String {
    format!("{:.3}", us as f64 / 1000.0)
}

fn row(name: Markup, o: &OperationReport) -> Markup {
    let l = &o.latency_us;
    html! {
        tr {
            td { (name) } td.n { (o.requests) } td.n { (o.errors) } td.n { (format!("{:.1}", o.throughput_rps)) }
            td.n { (ms(l.p50)) } td.n { (ms(l.p90)) } td.n { (ms(l.p99)) } td.n { (ms(l.p999)) } td.n { (ms(l.p9999)) } td.n { (ms(l.max)) }
        }
    }
}

/// The whole page.
pub fn load_html(r: &LoadReport) -> String {
    let mut all: Vec<&OperationReport> = Vec::new();
    for o in &r.operations {
        all.push(o);
        all.extend(o.steps.iter());
    }
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { "wsman-harness load report" }
                style { (PreEscaped("body{font-family:sans-serif;margin:2em;max-width:60em}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.25em .5em}td.n{text-align:right}.bad{color:#b00;font-weight:bold}figure{margin:1em 0}")) }
            }
            body {
                h1 { "Load report" }
                p { (r.tool) @if let Some(e) = &r.endpoint { " — " code { (e) } @if r.embedded { " (embedded reference server)" } } }
                @if let Some(s) = &r.schedule {
                    p { "Schedule: " (s.kind) " loop, " (s.connections) " connections"
                        @if let Some(x) = s.rate { ", " (x) " req/s" }
                        @if let Some(n) = s.requests { ", " (n) " requests" }
                        @if let Some(d) = s.duration_s { ", " (d) " s" }
                        ", warm-up " (s.warmup_s) " s"
                        @if let Some(x) = &s.shard { ", shard " (x) }
                        @if s.corrected_for_coordinated_omission { " (latency from each request's intended start)" } }
                }
                @for m in &r.merged_from { p { "Merged: " code { (m) } } }
                p { strong { (r.total.requests) " requests, " (r.total.errors) " errors, " (format!("{:.3}", r.total.duration_s)) " s, " (format!("{:.1}", r.total.throughput_rps)) " req/s" } }
                table {
                    tr { th { "Operation" } th { "Requests" } th { "Errors" } th { "req/s" } th { "p50 ms" } th { "p90 ms" } th { "p99 ms" } th { "p99.9 ms" } th { "p99.99 ms" } th { "max ms" } }
                    @for o in &r.operations {
                        (row(html! { code { (o.name) } }, o))
                        @for s in &o.steps { (row(html! { "↳ " code { (s.name) } }, s)) }
                    }
                }
                @if !r.errors_by_class.is_empty() {
                    h2 { "Errors" }
                    table { tr { th { "Class" } th { "Count" } } @for (k, v) in &r.errors_by_class { tr { td { code { (k) } } td.n { (v) } } } }
                }
                @if let Some(s) = &r.slo {
                    h2 { "SLO: " @if s.passed { "held" } @else { span.bad { "broken" } } }
                    table { tr { th { "Objective" } th { "Measured" } th { "Held" } }
                        @for o in &s.objectives { tr { td { code { (o.objective) } } td.n { (o.measured) } td { @if o.held { "yes" } @else { span.bad { "no" } } } } } }
                }
                @if let Some(k) = &r.knee {
                    h2 { "Knee: " @match (k.rate, k.unbroken) { (Some(x), false) => { (format!("{x:.1}")) " req/s" }, (Some(x), true) => { "above " (format!("{x:.1}")) " req/s" }, (None, _) => { "none" } } }
                    p { (k.stepping) }
                    table { tr { th { "Rate" } th { "Held" } th { "req/s" } th { "p99 ms" } th { "Errors" } }
                        @for s in &k.steps { tr { td.n { (format!("{:.1}", s.rate)) } td { @if s.held { "yes" } @else { "no" } } td.n { (format!("{:.1}", s.throughput_rps)) } td.n { (ms(s.latency_us.p99)) } td.n { (s.errors) } } } }
                }
                figure { (PreEscaped(spectrum_svg(&all))) }
                @if !r.throughput.is_empty() { figure { (PreEscaped(throughput_svg(r))) } }
                @if let Some(s) = &r.server {
                    h2 { "Embedded server" }
                    p { "CPU " (format!("{:.3}", s.cpu_s)) " s (" (format!("{:.1}", s.cpu_percent)) " % of one core); RSS "
                        (format!("{:.1}", s.rss_start_bytes as f64 / 1e6)) " MB at start, " (format!("{:.1}", s.rss_peak_bytes as f64 / 1e6)) " MB peak, "
                        (format!("{:.1}", s.rss_end_bytes as f64 / 1e6)) " MB at end" }
                }
                @if let Some(g) = &r.generator {
                    p { "Generator CPU " (format!("{:.3}", g.cpu_s)) " s: " (format!("{:.0}", g.requests_per_cpu_s)) " requests per CPU-second" }
                }
            }
        }
    };
    page.into_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nines_axis() {
        assert!((nines(90.0) - 1.0).abs() < 1e-9);
        assert!((nines(99.9) - 3.0).abs() < 1e-9);
        assert_eq!(percentile_label(2.0), "99%");
        assert_eq!(percentile_label(0.0), "0%");
    }
}
