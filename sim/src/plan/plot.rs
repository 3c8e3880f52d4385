//! The staffing chart of `switchboard plan`: service level and abandonment
//! against the agent count, as a self-contained SVG document.
//!
//! Each simulated figure is drawn as a line with points and a vertical bar
//! for its 95% confidence interval; the analytic reference (Erlang A or C),
//! where the run has one, as dashed lines of the same colours; the target, if
//! any, as a horizontal line, and the recommended staffing as a vertical one
//! with its service-level point ringed. The legend sits in a column right of
//! the plot, so it never covers data.
//!
//! Rendering uses plotters' SVG backend with its naive font metrics: text is
//! emitted as `<text>` elements and laid out by the viewer, so no font files
//! or system libraries are needed. The output depends only on the input: the
//! same result renders to the same bytes.

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{LevelResult, PlanResult};

const WIDTH: u32 = 800;
const HEIGHT: u32 = 500;
/// The width of the legend column, right of the plot.
const LEGEND_WIDTH: u32 = 215;
const TITLE: &str = "Service level and abandonment by staffing";
const FONT: &str = "sans-serif";

const SERVICE_LEVEL_COLOR: RGBColor = RGBColor(31, 119, 180);
const ABANDONMENT_COLOR: RGBColor = RGBColor(214, 39, 40);
const TARGET_COLOR: RGBColor = RGBColor(44, 160, 44);
const RECOMMENDED_COLOR: RGBColor = RGBColor(90, 90, 90);
const GRID_COLOR: RGBColor = RGBColor(235, 235, 235);

/// Renders service level and abandonment against agents, with 95% confidence intervals, as an SVG document.
///
/// Percentages are the result's fractions times 100; `target.percent` is
/// already a percentage. Fails on a result without staffing levels, or if
/// plotters reports a drawing error.
pub fn svg(result: &super::PlanResult) -> Result<String, String> {
    if result.levels.is_empty() {
        return Err("the plan has no staffing levels to plot".to_owned());
    }
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (WIDTH, HEIGHT)).into_drawing_area();
        draw(&root, result).map_err(|e| format!("cannot draw the staffing chart: {e}"))?;
        root.present()
            .map_err(|e| format!("cannot finish the staffing chart: {e}"))?;
    }
    Ok(buf)
}

type DrawResult = Result<(), Box<dyn std::error::Error>>;

/// One line of the legend: a sample of the series' line and marker, and text.
struct LegendEntry {
    label: String,
    color: RGBColor,
    dashed: bool,
    marker: bool,
}

fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, result: &PlanResult) -> DrawResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let body = root.titled(TITLE, (FONT, 24).into_font().color(&BLACK))?;
    let (plot_area, legend_area) = body.split_horizontally(WIDTH - LEGEND_WIDTH);

    // Levels in agent order, so the lines run left to right.
    let mut levels: Vec<&LevelResult> = result.levels.iter().collect();
    levels.sort_by_key(|level| level.agents);
    let first = i64::from(levels[0].agents);
    let last = i64::from(levels[levels.len() - 1].agents);
    let pad = ((last - first) / 20).max(1);
    let (x_min, x_max) = (first - pad, last + pad);
    let x_labels = usize::try_from(x_max - x_min + 1).unwrap_or(12).min(12);
    // Smaller markers when many levels crowd the axis.
    let (radius, cap) = match levels.len() {
        0..=12 => (4, 8),
        13..=25 => (3, 6),
        _ => (2, 4),
    };

    let mut chart = ChartBuilder::on(&plot_area)
        .margin_left(10)
        .margin_right(15)
        .margin_top(5)
        .margin_bottom(10)
        .x_label_area_size(45)
        .y_label_area_size(55)
        .build_cartesian_2d(x_min..x_max, 0f64..100f64)?;
    chart
        .configure_mesh()
        .x_desc("agents")
        .y_desc("% of offered calls")
        .x_labels(x_labels)
        .y_labels(11)
        .x_label_formatter(&|x| if *x < 0 { String::new() } else { x.to_string() })
        .y_label_formatter(&|y| format!("{y:.0}"))
        .label_style((FONT, 15))
        .axis_desc_style((FONT, 17))
        .light_line_style(TRANSPARENT)
        .bold_line_style(GRID_COLOR)
        .draw()?;

    let mut legend = Vec::new();

    // The target, under everything else.
    if let Some(target) = result.target {
        let y = target.percent;
        if y.is_finite() {
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(x_min, y), (x_max, y)],
                TARGET_COLOR.stroke_width(2),
            )))?;
        }
        legend.push(LegendEntry {
            label: format!(
                "target {}% in {} s",
                short(target.percent),
                short(target.seconds)
            ),
            color: TARGET_COLOR,
            dashed: false,
            marker: false,
        });
    }
    if let Some(recommended) = result.recommended {
        let x = i64::from(recommended);
        chart.draw_series(std::iter::once(DashedPathElement::new(
            vec![(x, 0.0), (x, 100.0)],
            6,
            4,
            RECOMMENDED_COLOR.stroke_width(2),
        )))?;
        legend.push(LegendEntry {
            label: format!("recommended: {recommended} agents"),
            color: RECOMMENDED_COLOR,
            dashed: true,
            marker: false,
        });
    }

    // The analytic reference, dashed, under the simulated figures.
    let analytic: Vec<_> = levels
        .iter()
        .filter_map(|level| level.analytic.map(|a| (i64::from(level.agents), a)))
        .collect();
    if !analytic.is_empty() {
        let model = analytic_name(analytic.iter().map(|(_, a)| a.model));
        let series = |figure: fn(&super::Analytic) -> f64| -> Vec<(i64, f64)> {
            analytic
                .iter()
                .map(|(x, a)| (*x, percent(figure(a))))
                .filter(|(_, y)| y.is_finite())
                .collect()
        };
        for (name, color, points) in [
            (
                "service level",
                SERVICE_LEVEL_COLOR,
                series(|a| a.service_level),
            ),
            ("abandonment", ABANDONMENT_COLOR, series(|a| a.abandonment)),
        ] {
            chart.draw_series(DashedLineSeries::new(points, 7, 5, color.stroke_width(2)))?;
            legend.push(LegendEntry {
                label: format!("{model} {name}"),
                color,
                dashed: true,
                marker: false,
            });
        }
    }

    // The simulated figures, with their confidence intervals.
    let simulated = [
        (
            format!("service level ({} s)", short(result.threshold_s)),
            SERVICE_LEVEL_COLOR,
            levels
                .iter()
                .map(|level| (level.agents, level.overall.service_level))
                .collect::<Vec<_>>(),
        ),
        (
            "abandonment".to_owned(),
            ABANDONMENT_COLOR,
            levels
                .iter()
                .map(|level| (level.agents, level.overall.abandonment))
                .collect(),
        ),
    ];
    for (label, color, estimates) in simulated {
        let points: Vec<(i64, f64, f64)> = estimates
            .iter()
            .map(|(agents, estimate)| {
                (
                    i64::from(*agents),
                    percent(estimate.mean),
                    percent(estimate.half_width).abs(),
                )
            })
            .filter(|(_, y, h)| y.is_finite() && h.is_finite())
            .collect();
        chart.draw_series(points.iter().filter(|(_, _, h)| *h > 0.0).map(|(x, y, h)| {
            ErrorBar::new_vertical(
                *x,
                (y - h).clamp(0.0, 100.0),
                *y,
                (y + h).clamp(0.0, 100.0),
                color.stroke_width(1),
                cap,
            )
        }))?;
        chart.draw_series(LineSeries::new(
            points.iter().map(|(x, y, _)| (*x, *y)),
            color.stroke_width(2),
        ))?;
        chart.draw_series(
            points
                .iter()
                .map(|(x, y, _)| Circle::new((*x, *y), radius, color.filled())),
        )?;
        legend.push(LegendEntry {
            label,
            color,
            dashed: false,
            marker: true,
        });
    }

    // Ring the service level at the recommended staffing.
    if let Some(recommended) = result.recommended
        && let Some(level) = levels.iter().find(|level| level.agents == recommended)
    {
        let y = percent(level.overall.service_level.mean);
        if y.is_finite() {
            chart.draw_series(std::iter::once(Circle::new(
                (i64::from(recommended), y),
                8,
                RECOMMENDED_COLOR.stroke_width(2),
            )))?;
        }
    }

    // Simulated figures first, then the references.
    legend.rotate_right(2);
    draw_legend(&legend_area, &legend, result.replications)?;
    Ok(())
}

fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[LegendEntry],
    replications: u32,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    const SAMPLE: i32 = 28;
    const ROW: i32 = 24;
    let text = (FONT, 15)
        .into_font()
        .color(&BLACK)
        .pos(Pos::new(HPos::Left, VPos::Center));
    let (x0, mut y) = (4, 20);
    for entry in entries {
        let ends = vec![(x0, y), (x0 + SAMPLE, y)];
        if entry.dashed {
            area.draw(&DashedPathElement::new(
                ends,
                7,
                4,
                entry.color.stroke_width(2),
            ))?;
        } else {
            area.draw(&PathElement::new(ends, entry.color.stroke_width(2)))?;
        }
        if entry.marker {
            area.draw(&Circle::new((x0 + SAMPLE / 2, y), 4, entry.color.filled()))?;
        }
        area.draw(&Text::new(
            entry.label.clone(),
            (x0 + SAMPLE + 8, y),
            text.clone(),
        ))?;
        y += ROW;
    }
    let note = (FONT, 13)
        .into_font()
        .color(&RECOMMENDED_COLOR)
        .pos(Pos::new(HPos::Left, VPos::Center));
    let replications = match replications {
        1 => "1 replication".to_owned(),
        n => format!("{n} replications"),
    };
    for line in ["bars: 95% confidence intervals", &replications] {
        y += ROW * 3 / 4;
        area.draw(&Text::new(line.to_owned(), (x0, y), note.clone()))?;
    }
    Ok(())
}

/// The analytic model's name for the legend: "Erlang A", "Erlang C", or
/// "Erlang A/C" when the levels mix them.
fn analytic_name<'a>(mut models: impl Iterator<Item = &'a str>) -> &'static str {
    let name = |model: &str| match model {
        "erlang_a" => "Erlang A",
        "erlang_c" => "Erlang C",
        _ => "Erlang A/C",
    };
    let first = models.next().map_or("Erlang A/C", name);
    if models.all(|model| name(model) == first) {
        first
    } else {
        "Erlang A/C"
    }
}

/// A fraction as a percentage.
fn percent(fraction: f64) -> f64 {
    fraction * 100.0
}

/// A number for a label: at most one decimal, none when whole.
fn short(value: f64) -> String {
    format!("{}", (value * 10.0).round() / 10.0)
}

#[cfg(test)]
mod tests {
    use super::super::{Analytic, Estimate, Metrics, Target};
    use super::*;

    fn estimate(mean: f64, half_width: f64) -> Estimate {
        Estimate { mean, half_width }
    }

    fn level(agents: u32, service_level: f64, abandonment: f64, erlang: bool) -> LevelResult {
        LevelResult {
            agents,
            overall: Metrics {
                service_level: estimate(service_level, 0.03),
                abandonment: estimate(abandonment, 0.01),
                ..Metrics::default()
            },
            intervals: Vec::new(),
            analytic: erlang.then_some(Analytic {
                model: "erlang_a",
                service_level: (service_level + 0.02).min(1.0),
                service_level_among_answered: service_level,
                asa: 10.0,
                abandonment: (abandonment - 0.005).max(0.0),
                occupancy: 0.8,
            }),
            meets_target: None,
        }
    }

    fn plan(
        levels: Vec<LevelResult>,
        target: Option<Target>,
        recommended: Option<u32>,
    ) -> PlanResult {
        PlanResult {
            threshold_s: 20.0,
            replications: 10,
            seed: 7,
            horizon_s: 28_800,
            levels,
            target,
            recommended,
        }
    }

    fn sweep() -> PlanResult {
        let figures = [
            (0.41, 0.19),
            (0.62, 0.09),
            (0.78, 0.04),
            (0.88, 0.02),
            (0.94, 0.008),
        ];
        let levels = figures
            .iter()
            .zip(10..)
            .map(|(&(sl, ab), agents)| level(agents, sl, ab, true))
            .collect();
        plan(
            levels,
            Some(Target {
                percent: 80.0,
                seconds: 20.0,
            }),
            Some(13),
        )
    }

    #[test]
    fn renders_a_single_level() {
        let svg = svg(&plan(vec![level(12, 0.82, 0.03, false)], None, None)).unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..40]);
        assert!(svg.contains(TITLE));
        assert!(svg.contains("\nagents\n"));
        assert!(svg.contains("% of offered calls"));
        assert!(!svg.contains("Erlang"));
        assert!(svg.trim_end().ends_with("</svg>"));
    }

    #[test]
    fn renders_a_sweep_with_analytic_and_target() {
        let svg = svg(&sweep()).unwrap();
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains(TITLE));
        assert!(svg.contains("Erlang A service level"));
        assert!(svg.contains("Erlang A abandonment"));
        assert!(svg.contains("target 80% in 20 s"));
        assert!(svg.contains("recommended: 13 agents"));
        assert!(svg.contains(r#"width="800" height="500""#));
    }

    #[test]
    fn refuses_no_levels() {
        let error = svg(&plan(Vec::new(), None, None)).unwrap_err();
        assert!(error.contains("no staffing levels"), "{error}");
    }

    #[test]
    fn is_deterministic() {
        assert_eq!(svg(&sweep()).unwrap(), svg(&sweep()).unwrap());
    }

    #[test]
    fn names_the_analytic_model() {
        assert_eq!(
            analytic_name(["erlang_c", "erlang_c"].into_iter()),
            "Erlang C"
        );
        assert_eq!(
            analytic_name(["erlang_a", "erlang_c"].into_iter()),
            "Erlang A/C"
        );
        assert_eq!(short(80.0), "80");
        assert_eq!(short(92.5), "92.5");
    }

    /// Writes the sweep's chart to the temporary directory, to look at it:
    /// `cargo test -p switchboard-sim plan::plot -- --ignored`.
    #[test]
    #[ignore = "writes a file for a person to look at"]
    fn write_example() {
        let path = std::env::temp_dir().join("plan_example.svg");
        std::fs::write(&path, svg(&sweep()).unwrap()).unwrap();
        println!("wrote {}", path.display());
    }
}
