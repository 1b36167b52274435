//! numpy/JAX-style printing: `Display` prints like `print(x)`, `Debug` like `repr(x)`.

use super::array::Array;
use super::dtype::DType;
use std::fmt;

/// Arrays with more elements than this are printed with `...` elision, as numpy does.
const ELIDE_THRESHOLD: usize = 1000;
/// How many leading and trailing entries of each axis are kept when eliding.
const EDGE_ITEMS: usize = 3;

/// How one element is rendered; chosen once per array so that columns line up.
enum FloatMode {
    /// `1.5`, `2.` (numpy's positional mode).
    Positional,
    /// `1.5e+10` (numpy switches to this for very large or very small magnitudes).
    Scientific,
}

fn format_float(v: f64, mode: &FloatMode) -> String {
    if v.is_nan() {
        return "nan".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf".into() } else { "-inf".into() };
    }
    match mode {
        FloatMode::Positional => {
            // 8 significant digits, then trailing zeros trimmed, keeping the dot ("2.").
            let digits = 8i32
                - 1
                - if v == 0.0 {
                    0
                } else {
                    v.abs().log10().floor() as i32
                };
            let s = format!("{:.*}", digits.clamp(0, 17) as usize, v);
            let s = if s.contains('.') {
                s.trim_end_matches('0').to_string()
            } else {
                s + "."
            };
            if s == "-0." && v == 0.0 {
                "-0.".into()
            } else {
                s
            }
        }
        FloatMode::Scientific => {
            let s = format!("{:.7e}", v);
            let (mant, exp) = s
                .split_once('e')
                .expect("scientific format has an exponent");
            let mant = mant.trim_end_matches('0');
            let exp: i32 = exp.parse().expect("exponent is an integer");
            let sign = if exp < 0 { '-' } else { '+' };
            format!("{mant}e{sign}{:02}", exp.abs())
        }
    }
}

fn element_strings(a: &Array, keep: &dyn Fn(usize) -> bool) -> Vec<Option<String>> {
    let dtype = a.dtype();
    let n = a.size();
    if dtype.is_float() {
        let vals: Vec<f64> = a.to_vec::<f64>();
        let finite: Vec<f64> = vals
            .iter()
            .enumerate()
            .filter(|(i, v)| keep(*i) && v.is_finite())
            .map(|(_, v)| v.abs())
            .collect();
        let max = finite.iter().cloned().fold(0.0, f64::max);
        let min_nonzero = finite
            .iter()
            .cloned()
            .filter(|v| *v > 0.0)
            .fold(f64::INFINITY, f64::min);
        let mode = if max >= 1e8
            || (min_nonzero < 1e-4)
            || (max / min_nonzero > 1e3 && min_nonzero.is_finite() && max >= 1e3)
        {
            FloatMode::Scientific
        } else {
            FloatMode::Positional
        };
        (0..n)
            .map(|i| keep(i).then(|| format_float(vals[i], &mode)))
            .collect()
    } else if dtype == DType::Bool {
        let vals = a.as_slice::<bool>();
        (0..n)
            .map(|i| keep(i).then(|| if vals[i] { "True" } else { "False" }.to_string()))
            .collect()
    } else {
        let vals = a.to_vec::<i64>();
        let vals_u = if dtype == DType::U32 {
            a.to_vec::<u32>()
        } else {
            vec![]
        };
        (0..n)
            .map(|i| {
                keep(i).then(|| {
                    if dtype == DType::U32 {
                        vals_u[i].to_string()
                    } else {
                        vals[i].to_string()
                    }
                })
            })
            .collect()
    }
}

/// Which indices of each axis are printed (all, or the edges around a `...`).
fn kept_indices(len: usize, elide: bool) -> Vec<Option<usize>> {
    if elide && len > 2 * EDGE_ITEMS {
        let mut v: Vec<Option<usize>> = (0..EDGE_ITEMS).map(Some).collect();
        v.push(None);
        v.extend((len - EDGE_ITEMS..len).map(Some));
        v
    } else {
        (0..len).map(Some).collect()
    }
}

fn render(a: &Array, separator: &str, indent: usize) -> String {
    let shape = a.shape().to_vec();
    let elide = a.size() > ELIDE_THRESHOLD;
    let strides = a.shape_obj().strides();
    let keep = |flat: usize| -> bool {
        if !elide {
            return true;
        }
        shape.iter().zip(strides.iter()).all(|(&len, &st)| {
            let i = (flat / st) % len.max(1);
            len <= 2 * EDGE_ITEMS || i < EDGE_ITEMS || i >= len - EDGE_ITEMS
        })
    };
    let strs = element_strings(a, &keep);
    let width = strs.iter().flatten().map(|s| s.len()).max().unwrap_or(0);
    if shape.is_empty() {
        return strs[0].clone().unwrap_or_default();
    }
    fn rec(
        out: &mut String,
        strs: &[Option<String>],
        shape: &[usize],
        strides: &[usize],
        offset: usize,
        depth: usize,
        ctx: (usize, &str, usize, bool),
    ) {
        let (width, sep, indent, elide) = ctx;
        out.push('[');
        let idx = kept_indices(shape[0], elide);
        let last_axis = shape.len() == 1;
        for (k, i) in idx.iter().enumerate() {
            if k > 0 {
                out.push_str(sep.trim_end());
                if last_axis {
                    out.push(' ');
                } else {
                    let blank_lines = shape.len() - 1;
                    for _ in 0..blank_lines {
                        out.push('\n');
                    }
                    out.push_str(&" ".repeat(indent + depth + 1));
                }
            }
            match i {
                None => out.push_str("..."),
                Some(i) => {
                    let off = offset + i * strides[0];
                    if last_axis {
                        let s = strs[off].as_deref().unwrap_or("");
                        out.push_str(&format!("{s:>width$}"));
                    } else {
                        rec(out, strs, &shape[1..], &strides[1..], off, depth + 1, ctx);
                    }
                }
            }
        }
        out.push(']');
    }
    let mut out = String::new();
    if a.size() == 0 {
        let mut s = String::new();
        for _ in 0..shape.len() {
            s.push('[');
        }
        for _ in 0..shape.len() {
            s.push(']');
        }
        return s;
    }
    rec(
        &mut out,
        &strs,
        &shape,
        &strides,
        0,
        0,
        (width, separator, indent, elide),
    );
    out
}

/// Prints like numpy's `str(x)`: `[[1. 2.]\n [3. 4.]]`.
impl fmt::Display for Array {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&render(self, " ", 0))
    }
}

/// Prints like JAX's `repr(x)`: `Array([[1., 2.],\n       [3., 4.]], dtype=float32)`.
impl fmt::Debug for Array {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let body = render(self, ", ", "Array(".len());
        let weak = if self.weak_type() {
            ", weak_type=True"
        } else {
            ""
        };
        write!(f, "Array({body}, dtype={}{weak})", self.dtype())
    }
}
