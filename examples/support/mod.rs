//! What the examples share: a progress bar and PNG plots of training curves.
//!
//! Each example is its own crate and uses part of this module, so unused items are allowed.
#![allow(dead_code)]

use equinox as eqx;
use equinox_datasets::{self as datasets, Dataset};
use eqx::{lax, random, Array};
use indicatif::{ProgressBar, ProgressStyle};
use plotters::prelude::*;
use std::error::Error;
use std::path::{Path, PathBuf};

pub mod device;

/// DejaVu Sans cut down to printable ASCII (about 10 KB; its licence is `FONT-LICENSE.txt`
/// beside it). Plotters draws text with `ab_glyph` from this font, so a plot needs no font
/// installed on the machine.
static FONT: &[u8] = include_bytes!("DejaVuSans-ascii.ttf");

/// A progress bar over `total` steps that shows the rate and a message (the latest loss).
pub fn progress_bar(total: u64) -> ProgressBar {
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template(
            "{prefix} [{bar:30}] {pos:>6}/{len} {per_sec:>12} eta {eta:>3} {msg}",
        )
        .expect("the template is valid")
        .progress_chars("#>."),
    );
    bar
}

/// One line of a chart: a name for the legend and its `(x, y)` points.
pub struct Series {
    /// The legend entry.
    pub name: String,
    /// The points, in drawing order.
    pub points: Vec<(f64, f64)>,
}

impl Series {
    /// An empty series called `name`.
    pub fn new(name: &str) -> Series {
        Series {
            name: name.to_string(),
            points: Vec::new(),
        }
    }

    /// Appends the point `(x, y)`.
    pub fn push(&mut self, x: f64, y: f64) {
        self.points.push((x, y));
    }
}

/// One panel of a figure: the y axis label and the series drawn on it.
pub struct Chart<'a> {
    /// The y axis label (the x axis label is the figure's).
    pub y_label: &'a str,
    /// The lines on this panel.
    pub series: &'a [&'a Series],
    /// Draw the y axis on a log scale (for losses that fall by orders of magnitude).
    pub log_y: bool,
}

/// `target/<name>.png` under the workspace, where the examples put their plots.
pub fn plot_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../target")
        .join(format!("{name}.png"))
}

/// Draws `charts` side by side into a PNG at `path`, under `title`, and returns the path as
/// written (canonical when it can be).
pub fn save_png(
    path: &Path,
    title: &str,
    x_label: &str,
    charts: &[Chart],
) -> Result<PathBuf, Box<dyn Error>> {
    // Registering twice is harmless (the second replaces the first), so every call may do it.
    plotters::style::register_font("sans-serif", FontStyle::Normal, FONT)
        .map_err(|_| "the bundled font is not a valid TrueType font")?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let width = 520 * charts.len().max(1) as u32;
    let root = BitMapBackend::new(path, (width, 420)).into_drawing_area();
    root.fill(&WHITE)?;
    let root = root.titled(title, ("sans-serif", 22))?;
    let panels = root.split_evenly((1, charts.len().max(1)));
    for (panel, chart) in panels.iter().zip(charts) {
        draw_chart(panel, x_label, chart)?;
    }
    root.present()?;
    Ok(path.canonicalize().unwrap_or_else(|_| path.to_path_buf()))
}

/// The range `[lo, hi]` of `values`, widened so that a flat line still gets a visible axis.
fn span(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if hi - lo < 1e-12 {
        return (lo - 0.5, hi + 0.5);
    }
    (lo, hi)
}

fn draw_chart(
    area: &DrawingArea<BitMapBackend, plotters::coord::Shift>,
    x_label: &str,
    chart: &Chart,
) -> Result<(), Box<dyn Error>> {
    let points = || chart.series.iter().flat_map(|s| s.points.iter());
    let (x_lo, x_hi) = span(points().map(|p| p.0));
    let palette = [&BLUE, &RED, &GREEN, &MAGENTA, &CYAN, &BLACK];
    // Whole numbers on a wide axis (steps, epochs), so the labels stay short and apart.
    let x_tick = |x: &f64| {
        if x_hi - x_lo >= 10.0 {
            format!("{x:.0}")
        } else {
            format!("{x:.1}")
        }
    };
    let mut builder = ChartBuilder::on(area);
    builder
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(64);
    macro_rules! draw {
        ($ctx:expr) => {{
            let mut ctx = $ctx;
            ctx.configure_mesh()
                .x_labels(6)
                .x_label_formatter(&x_tick)
                .x_desc(x_label)
                .y_desc(chart.y_label)
                .label_style(("sans-serif", 14))
                .axis_desc_style(("sans-serif", 16))
                .draw()?;
            for (i, series) in chart.series.iter().enumerate() {
                let color = palette[i % palette.len()];
                ctx.draw_series(LineSeries::new(series.points.iter().copied(), color))?
                    .label(series.name.as_str())
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], color));
            }
            ctx.configure_series_labels()
                .label_font(("sans-serif", 14))
                .background_style(WHITE.mix(0.8))
                .border_style(BLACK)
                .draw()?;
        }};
    }
    if chart.log_y {
        let (lo, hi) = span(points().map(|p| p.1).filter(|&y| y > 0.0));
        let lo = if lo > 0.0 { lo } else { 1e-6 };
        draw!(builder.build_cartesian_2d(x_lo..x_hi, (lo * 0.9..hi * 1.1).log_scale())?);
    } else {
        let (lo, hi) = span(points().map(|p| p.1));
        let pad = 0.05 * (hi - lo);
        draw!(builder.build_cartesian_2d(x_lo..x_hi, lo - pad..hi + pad)?);
    }
    Ok(())
}

/// `DIR/NAME`, or `DIR/NAME.gz` when only the compressed file exists.
fn idx_file(dir: &Path, name: &str) -> PathBuf {
    let plain = dir.join(name);
    let gz = dir.join(format!("{name}.gz"));
    if !plain.exists() && gz.exists() {
        gz
    } else {
        plain
    }
}

/// Rows `start..start + len` of `x`.
pub fn rows(x: &Array, start: usize, len: usize) -> Array {
    lax::slice_in_dim(x, start, start + len, 1, 0)
}

/// `(features, labels)` for training, then for testing.
pub type Split = ((Array, Array), (Array, Array));

/// A classification data set: MNIST's own split read from the IDX files in `mnist` (each
/// optionally gzipped, with a `.gz` suffix), or else the 8x8 digits shipped in
/// `examples/data/digits.csv.gz`, shuffled with `key` and split 1500 / 297. Features are
/// flattened images scaled to `[0, 1]`.
///
/// A file that cannot be read ends the program with the error, prefixed by `program`.
pub fn load_classification(program: &str, mnist: Option<&Path>, key: random::Key) -> Split {
    let fail = |e: datasets::DatasetError| -> ! {
        eprintln!("{program}: {e}");
        std::process::exit(1)
    };
    let all = |d: &Dataset| (d.features.clone(), d.labels.clone());
    match mnist {
        Some(dir) => {
            let train = datasets::mnist_idx(
                idx_file(dir, "train-images-idx3-ubyte"),
                idx_file(dir, "train-labels-idx1-ubyte"),
            )
            .unwrap_or_else(|e| fail(e));
            let test = datasets::mnist_idx(
                idx_file(dir, "t10k-images-idx3-ubyte"),
                idx_file(dir, "t10k-labels-idx1-ubyte"),
            )
            .unwrap_or_else(|e| fail(e));
            (all(&train), all(&test))
        }
        None => {
            let path = concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../examples/data/digits.csv.gz"
            );
            let data = datasets::digits(path).unwrap_or_else(|e| fail(e));
            let n = data.len();
            let n_train = n * 1500 / 1797;
            let order = random::permutation(key, n);
            let (x, y) = (
                data.features.take(&order, Some(0)),
                data.labels.take(&order, Some(0)),
            );
            let train = (rows(&x, 0, n_train), rows(&y, 0, n_train));
            let test = (
                rows(&x, n_train, n - n_train),
                rows(&y, n_train, n - n_train),
            );
            (train, test)
        }
    }
}
