//! numpy/JAX-style printing: `Display` prints like `print(x)` (numpy's `str`), `Debug` like
//! JAX's `repr(x)`.
//!
//! This follows numpy's `arrayprint` with default options (precision 8, threshold 1000,
//! edgeitems 3, linewidth 75): one formatter per array chosen from the printed elements (floats
//! switch to scientific notation for wide ranges and align their decimal points, integers
//! right-align), then `_formatArray`'s line wrapping and `...` elision.

use super::array::Array;
use super::dtype::DType;
use std::fmt;

/// Arrays with more elements than this are printed with `...` elision, as numpy does.
const ELIDE_THRESHOLD: usize = 1000;
/// How many leading and trailing entries of each axis are kept when eliding.
const EDGE_ITEMS: usize = 3;
/// numpy's default `linewidth`.
const LINE_WIDTH: usize = 75;
/// numpy's default `precision`: at most this many fractional digits.
const PRECISION: usize = 8;

/// The shortest decimal digits that identify `v` among values of `dtype` (Dragon4's "unique"
/// mode): `(digits, exponent)` with `v = d.ddd × 10^exponent`. `v` is finite and nonzero.
fn shortest_digits(v: f64, dtype: DType) -> (String, i32) {
    let s = match dtype {
        DType::F32 => format!("{:e}", v as f32),
        DType::F64 => format!("{v:e}"),
        _ => {
            // Half types: the fewest significant digits that round back to the same value.
            let same = |p: usize| {
                let s = format!("{v:.p$e}");
                let back: f64 = s.parse().expect("a formatted float parses");
                (crate::half::f16::from_f64(back).to_f64() == v, s)
            };
            (0..17)
                .map(same)
                .find(|(ok, _)| *ok)
                .map(|(_, s)| s)
                .unwrap_or_else(|| format!("{v:e}"))
        }
    };
    split_sci(&s)
}

/// Splits Rust's `{:e}` output (`-1.25e-3`) into its digits (`125`) and exponent (`-3`).
fn split_sci(s: &str) -> (String, i32) {
    let (mant, exp) = s
        .split_once('e')
        .expect("scientific format has an exponent");
    let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    (digits, exp.parse().expect("the exponent is an integer"))
}

/// Places the decimal point in shortest significant `digits` whose first digit has decimal
/// exponent `exp`: `("12", "5")` for digits "125", exp 1; `("0", "0125")` for "125", exp -2.
fn split_at_point(digits: &str, exp: i32) -> (String, String) {
    if exp >= 0 {
        let e = exp as usize;
        let mut d = digits.to_string();
        while d.len() < e + 1 {
            d.push('0');
        }
        (d[..=e].to_string(), d[e + 1..].to_string())
    } else {
        ("0".to_string(), "0".repeat((-exp - 1) as usize) + digits)
    }
}

/// numpy's `dragon4_positional(x, precision=8, unique=True, fractional=True, trim='.')`,
/// split at the decimal point: `("-12", "5")` for -12.5, `("2", "")` for 2.
fn positional_parts(v: f64, dtype: DType) -> (String, String) {
    let sign = if v.is_sign_negative() { "-" } else { "" };
    if v == 0.0 {
        return (format!("{sign}0"), String::new());
    }
    let (digits, exp) = shortest_digits(v.abs(), dtype);
    let (int, frac) = split_at_point(&digits, exp);
    if frac.len() <= PRECISION {
        return (format!("{sign}{int}"), frac);
    }
    // Too many digits: round the exact value to `PRECISION` fractional digits, trim zeros.
    let s = format!("{:.*}", PRECISION, v.abs());
    let (int, frac) = s.split_once('.').expect("fixed format has a point");
    (
        format!("{sign}{int}"),
        frac.trim_end_matches('0').to_string(),
    )
}

/// numpy's `dragon4_scientific(x, precision=8, unique=True, trim='.')`, split into
/// `(integer digit with sign, fractional digits, exponent)`.
fn scientific_parts(v: f64, dtype: DType) -> (String, String, i32) {
    let sign = if v.is_sign_negative() { "-" } else { "" };
    if v == 0.0 {
        return (format!("{sign}0"), String::new(), 0);
    }
    let (mut digits, mut exp) = shortest_digits(v.abs(), dtype);
    if digits.len() - 1 > PRECISION {
        let (d, e) = split_sci(&format!("{:.*e}", PRECISION, v.abs()));
        digits = d.trim_end_matches('0').to_string();
        exp = e;
    }
    (
        format!("{sign}{}", &digits[..1]),
        digits[1..].to_string(),
        exp,
    )
}

/// numpy's `FloatingFormat` with default options, fitted to the printed values.
struct FloatFormat {
    dtype: DType,
    /// numpy's `sign='+'`: non-negative values get a `+` (the imaginary parts of complex
    /// numbers).
    plus: bool,
    scientific: bool,
    /// Fractional digits of every scientific mantissa.
    precision: usize,
    /// Digits of every exponent.
    exp_size: usize,
    pad_left: usize,
    pad_right: usize,
}

impl FloatFormat {
    fn new(values: &[f64], dtype: DType) -> FloatFormat {
        FloatFormat::with_sign(values, dtype, false)
    }

    fn with_sign(values: &[f64], dtype: DType, plus: bool) -> FloatFormat {
        let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        let nonzero: Vec<f64> = finite
            .iter()
            .map(|v| v.abs())
            .filter(|&v| v != 0.0)
            .collect();
        // numpy: scientific when max >= 10^min(8, finfo.precision), min < 1e-4 or max/min > 1e3.
        let cutoff = match dtype {
            DType::F16 => 1e3,
            DType::F32 => 1e6,
            _ => 1e8,
        };
        // numpy compares in the array's dtype (Python floats are weak), so the thresholds and
        // the ratio are rounded to it: float32(1e-4) is not below 1e-4.
        let in_dtype = |v: f64| match dtype {
            DType::F16 => crate::half::f16::from_f64(v).to_f64(),
            DType::F32 => v as f32 as f64,
            _ => v,
        };
        let scientific = !nonzero.is_empty() && {
            let max = nonzero.iter().copied().fold(0.0, f64::max);
            let min = nonzero.iter().copied().fold(f64::INFINITY, f64::min);
            max >= in_dtype(cutoff) || min < in_dtype(1e-4) || in_dtype(max / min) > 1e3
        };
        let mut f = FloatFormat {
            dtype,
            plus,
            scientific,
            precision: 0,
            exp_size: 0,
            pad_left: 0,
            pad_right: 0,
        };
        if scientific {
            for &v in &finite {
                let (int, frac, exp) = scientific_parts(v, dtype);
                f.pad_left = f.pad_left.max(f.signed(int).len());
                f.precision = f.precision.max(frac.len());
                f.exp_size = f.exp_size.max(exp.unsigned_abs().to_string().len().max(2));
            }
            f.pad_right = f.exp_size + 2 + f.precision;
        } else {
            for &v in &finite {
                let (int, frac) = positional_parts(v, dtype);
                f.pad_left = f.pad_left.max(f.signed(int).len());
                f.pad_right = f.pad_right.max(frac.len());
            }
        }
        if finite.len() != values.len() {
            // Room for "nan", "inf" and "-inf" right-aligned over the whole field.
            let neg_inf = (plus || values.contains(&f64::NEG_INFINITY)) as usize;
            let offset = f.pad_right + 1;
            f.pad_left = f
                .pad_left
                .max(3usize.saturating_sub(offset))
                .max((3 + neg_inf).saturating_sub(offset));
        }
        f
    }

    /// The integer part with the `+` of `sign='+'`.
    fn signed(&self, int: String) -> String {
        if self.plus && !int.starts_with('-') {
            format!("+{int}")
        } else {
            int
        }
    }

    fn format(&self, v: f64) -> String {
        if !v.is_finite() {
            let s = if v.is_nan() {
                "nan"
            } else if v > 0.0 {
                "inf"
            } else {
                "-inf"
            };
            let s = if s.starts_with('-') {
                s.to_string()
            } else {
                self.signed(s.to_string())
            };
            return format!("{s:>w$}", w = self.pad_left + self.pad_right + 1);
        }
        if self.scientific {
            let (int, frac, exp) = scientific_parts(v, self.dtype);
            let int = self.signed(int);
            let sign = if exp < 0 { '-' } else { '+' };
            format!(
                "{int:>pl$}.{frac:0<p$}e{sign}{e:0>es$}",
                pl = self.pad_left,
                p = self.precision,
                e = exp.unsigned_abs(),
                es = self.exp_size
            )
        } else {
            let (int, frac) = positional_parts(v, self.dtype);
            let int = self.signed(int);
            format!(
                "{int:>pl$}.{frac:<pr$}",
                pl = self.pad_left,
                pr = self.pad_right
            )
        }
    }
}

/// C's `%.6g`, which is how numpy prints `bfloat16` (an `ml_dtypes` type without numpy's float
/// formatter): 6 significant digits, trailing zeros dropped, no padding.
fn format_g6(v: f64) -> String {
    if v.is_nan() {
        return "nan".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if v == 0.0 {
        return if v.is_sign_negative() { "-0" } else { "0" }.into();
    }
    let (digits, exp) = split_sci(&format!("{v:.5e}"));
    let sign = if v < 0.0 { "-" } else { "" };
    if (-4..6).contains(&exp) {
        let s = format!("{:.*}", (5 - exp) as usize, v);
        let s = if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        };
        return s;
    }
    let frac = digits[1..].trim_end_matches('0');
    let dot = if frac.is_empty() { "" } else { "." };
    let esign = if exp < 0 { '-' } else { '+' };
    format!(
        "{sign}{}{dot}{frac}e{esign}{:02}",
        &digits[..1],
        exp.unsigned_abs()
    )
}

/// numpy's `str()` of a float scalar: the shortest repr, positional for 1e-4 <= |x| < 1e16
/// (1e6 for float32, 1e3 for float16) with at least one fractional digit, scientific otherwise.
fn scalar_float_str(v: f64, dtype: DType) -> String {
    if dtype == DType::BF16 || dtype.is_narrow_float() {
        return format_g6(v);
    }
    if !v.is_finite() {
        return format_g6(v);
    }
    let sign = if v.is_sign_negative() { "-" } else { "" };
    if v == 0.0 {
        return format!("{sign}0.0");
    }
    let (digits, exp) = shortest_digits(v.abs(), dtype);
    // numpy's cutoff above depends on the type's precision (float16: 1e3, float32: 1e6).
    let upper = match dtype {
        DType::F16 => 1e3,
        DType::F32 => 1e6,
        _ => 1e16,
    };
    if (1e-4..upper).contains(&v.abs()) {
        let (int, frac) = split_at_point(&digits, exp);
        let frac = if frac.is_empty() { "0".into() } else { frac };
        format!("{sign}{int}.{frac}")
    } else {
        let dot = if digits.len() > 1 { "." } else { "" };
        let esign = if exp < 0 { '-' } else { '+' };
        format!(
            "{sign}{}{dot}{}e{esign}{:02}",
            &digits[..1],
            &digits[1..],
            exp.unsigned_abs()
        )
    }
}

/// numpy's `str()` of a complex scalar, as Python prints complex numbers: `(1+2j)`, `2j` for a
/// zero (positive) real part, each part's float string without a trailing `.0`.
fn scalar_complex_str(z: crate::Complex64, part: DType) -> String {
    let s = |v: f64| {
        let s = scalar_float_str(v, part);
        s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
    };
    let im = s(z.im);
    if z.re == 0.0 && z.re.is_sign_positive() {
        return format!("{im}j");
    }
    let sign = if im.starts_with('-') { "" } else { "+" };
    format!("({}{sign}{im}j)", s(z.re))
}

/// Formats every printed element of `a` (`None` for elided ones), all with one formatter.
fn element_strings(a: &Array, keep: &dyn Fn(usize) -> bool) -> Vec<Option<String>> {
    let dtype = a.dtype();
    let n = a.size();
    let kept = |i: &usize| keep(*i);
    if dtype == DType::BF16 || dtype.is_narrow_float() {
        let vals = a.to_vec::<f64>();
        (0..n)
            .map(|i| keep(i).then(|| format_g6(vals[i])))
            .collect()
    } else if dtype.is_float() {
        let vals = a.to_vec::<f64>();
        let shown: Vec<f64> = (0..n).filter(kept).map(|i| vals[i]).collect();
        let f = FloatFormat::new(&shown, dtype);
        (0..n).map(|i| keep(i).then(|| f.format(vals[i]))).collect()
    } else if dtype.is_complex() {
        // numpy's `ComplexFloatingFormat`: one format for the real parts, one with `+` signs
        // for the imaginary parts, and the `j` before the imaginary part's right padding.
        let vals = a.to_vec::<crate::Complex64>();
        let part = dtype.real_dtype();
        let shown = |f: fn(&crate::Complex64) -> f64| -> Vec<f64> {
            (0..n).filter(kept).map(|i| f(&vals[i])).collect()
        };
        let re = FloatFormat::new(&shown(|z| z.re), part);
        let im = FloatFormat::with_sign(&shown(|z| z.im), part, true);
        (0..n)
            .map(|i| {
                keep(i).then(|| {
                    let imag = im.format(vals[i].im);
                    let body = imag.trim_end();
                    let pad = &imag[body.len()..];
                    format!("{}{body}j{pad}", re.format(vals[i].re))
                })
            })
            .collect()
    } else if dtype == DType::Bool {
        let vals = a.as_slice::<bool>();
        let t = if a.ndim() == 0 { "True" } else { " True" };
        (0..n)
            .map(|i| keep(i).then(|| if vals[i] { t } else { "False" }.to_string()))
            .collect()
    } else {
        // Unsigned values print through u64: a uint64 above i64::MAX has no i64.
        let strs: Vec<String> = if dtype.is_unsigned_integer() {
            a.to_vec::<u64>().iter().map(|v| v.to_string()).collect()
        } else {
            a.to_vec::<i64>().iter().map(|v| v.to_string()).collect()
        };
        let width = (0..n)
            .filter(kept)
            .map(|i| strs[i].len())
            .max()
            .unwrap_or(0);
        (0..n)
            .map(|i| keep(i).then(|| format!("{:>width$}", strs[i])))
            .collect()
    }
}

/// numpy's `_extendLine`: appends `word`, first wrapping when the line would get too long.
fn extend_line(s: &mut String, line: &mut String, word: &str, width: usize, prefix: &str) {
    let needs_wrap = line.len() + word.len() > width && line.len() > prefix.len();
    if needs_wrap {
        s.push_str(line.trim_end());
        s.push('\n');
        *line = prefix.to_string();
    }
    line.push_str(word);
}

/// What `_formatArray` needs: the formatted elements, the layout and the separator.
struct Layout<'a> {
    strs: &'a [Option<String>],
    shape: &'a [usize],
    strides: &'a [usize],
    separator: &'a str,
    summarize: bool,
}

impl Layout<'_> {
    /// numpy's `_formatArray.recurser` for the sub-array at `offset` whose first axis is `axis`.
    fn recurse(&self, axis: usize, offset: usize, hanging_indent: &str, width: usize) -> String {
        if axis == self.shape.len() {
            return self.strs[offset].clone().unwrap_or_default();
        }
        let next_indent = format!("{hanging_indent} ");
        let next_width = width - 1;
        let len = self.shape[axis];
        let summary = self.summarize && 2 * EDGE_ITEMS < len;
        let (leading, trailing) = if summary {
            (EDGE_ITEMS, EDGE_ITEMS)
        } else {
            (0, len)
        };
        let at = |i: usize| offset + i * self.strides[axis];
        // Indices in numpy's order: the leading items, then the trailing ones.
        let trailing_idx = (1..trailing).rev().map(|k| len - 1 - k);
        let mut s = String::new();
        if axis + 1 == self.shape.len() {
            let elem_width = width - self.separator.trim_end().len().max(1);
            let mut line = hanging_indent.to_string();
            for i in (0..leading).chain(trailing_idx) {
                let word = self.recurse(axis + 1, at(i), &next_indent, next_width);
                extend_line(&mut s, &mut line, &word, elem_width, hanging_indent);
                line.push_str(self.separator);
                if summary && i + 1 == leading {
                    extend_line(&mut s, &mut line, "...", elem_width, hanging_indent);
                    line.push_str(self.separator);
                }
            }
            let word = self.recurse(axis + 1, at(len - 1), &next_indent, next_width);
            extend_line(&mut s, &mut line, &word, elem_width, hanging_indent);
            s.push_str(&line);
        } else {
            let line_sep = format!(
                "{}{}",
                self.separator.trim_end(),
                "\n".repeat(self.shape.len() - axis - 1)
            );
            for i in (0..leading).chain(trailing_idx) {
                let nested = self.recurse(axis + 1, at(i), &next_indent, next_width);
                s.push_str(hanging_indent);
                s.push_str(&nested);
                s.push_str(&line_sep);
                if summary && i + 1 == leading {
                    s.push_str(hanging_indent);
                    s.push_str("...");
                    s.push_str(&line_sep);
                }
            }
            let nested = self.recurse(axis + 1, at(len - 1), &next_indent, next_width);
            s.push_str(hanging_indent);
            s.push_str(&nested);
        }
        format!("[{}]", &s[hanging_indent.len()..])
    }
}

/// numpy's `array2string` for a non-empty array: `separator` between elements, continuation
/// lines indented by `prefix_len + 1`, lines at most `width` wide.
fn array2string(a: &Array, separator: &str, prefix_len: usize, width: usize) -> String {
    let shape = a.shape().to_vec();
    let summarize = a.size() > ELIDE_THRESHOLD;
    let strides = a.shape_obj().strides();
    let keep = |flat: usize| -> bool {
        !summarize
            || shape.iter().zip(strides.iter()).all(|(&len, &st)| {
                let i = (flat / st) % len.max(1);
                len <= 2 * EDGE_ITEMS || i < EDGE_ITEMS || i >= len - EDGE_ITEMS
            })
    };
    let strs = element_strings(a, &keep);
    let layout = Layout {
        strs: &strs,
        shape: &shape,
        strides: &strides,
        separator,
        summarize,
    };
    layout.recurse(0, 0, &" ".repeat(prefix_len + 1), width)
}

/// Prints like numpy's `str(x)` (what `print(jax_array)` shows): `[[1. 2.]\n [3. 4.]]`.
impl fmt::Display for Array {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(t) = self.tracer() {
            return write!(f, "Traced<{}>with<{}>", self.aval(), t.payload.trace_name());
        }
        if self.size() == 0 {
            return f.write_str("[]");
        }
        if self.ndim() == 0 {
            let d = self.dtype();
            let s = if d.is_float() {
                scalar_float_str(self.item::<f64>(), d)
            } else if d.is_complex() {
                scalar_complex_str(self.item::<crate::Complex64>(), d.real_dtype())
            } else if d.is_bool() {
                if self.item::<bool>() { "True" } else { "False" }.to_string()
            } else if d.is_unsigned_integer() {
                self.item::<u64>().to_string()
            } else {
                self.item::<i64>().to_string()
            };
            return f.write_str(&s);
        }
        f.write_str(&array2string(self, " ", 0, LINE_WIDTH))
    }
}

/// Prints like JAX's `repr(x)`: `Array([[1., 2.],\n       [3., 4.]], dtype=float32)`.
impl fmt::Debug for Array {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_tracer() {
            return fmt::Display::fmt(self, f);
        }
        const PREFIX: &str = "Array(";
        let dtype_str = if self.weak_type() {
            format!("dtype={}, weak_type=True", self.dtype())
        } else {
            format!("dtype={}", self.dtype())
        };
        let s = if self.size() == 0 {
            format!("[], shape={}", self.shape_obj())
        } else {
            // JAX: np.array2string(prefix="Array(", suffix=",", separator=", "); the suffix
            // shortens the line width by one.
            array2string(self, ", ", PREFIX.len(), LINE_WIDTH - 1)
        };
        // JAX's own spacing rule before the dtype (it pads with spaces rather than breaking
        // the line when the last line is long).
        let last_line_len = match s.rfind('\n') {
            Some(p) => s.len() - p + 1,
            None => s.len() + 2,
        };
        let sep = if last_line_len + dtype_str.len() + 2 > LINE_WIDTH {
            " ".repeat(PREFIX.len())
        } else {
            " ".to_string()
        };
        write!(f, "{PREFIX}{s},{sep}{dtype_str})")
    }
}
