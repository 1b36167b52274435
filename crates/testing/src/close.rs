//! The closeness rule shared by every test suite in the workspace.
//!
//! A comparison of `got` against an expected `want`:
//! - `want` NaN: `got` must be NaN;
//! - `want` ±inf: `got` must be the same infinity (a tolerance scaled by `|want|` would be
//!   infinite and accept anything, which is the bug this module exists to prevent);
//! - `want` finite: `got` must be finite and within `atol + rtol * scale` of it, where `scale`
//!   is `|want|` ([`Scale::Element`]) or the largest finite magnitude of the whole expected
//!   slice ([`Scale::Case`], for results whose small elements come from cancellation).

use std::fmt;

/// Relative and absolute tolerances of a comparison.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tolerance {
    /// Allowed error relative to the scale (see [`Scale`]).
    pub rtol: f64,
    /// Allowed absolute error, added to the relative part.
    pub atol: f64,
}

impl Tolerance {
    /// Bit-for-bit equality of the values (NaN still matches NaN; +0 matches -0).
    pub const EXACT: Tolerance = Tolerance {
        rtol: 0.0,
        atol: 0.0,
    };
    /// float16: about two ulp (eps = 2^-10).
    pub const F16: Tolerance = Tolerance {
        rtol: 2e-3,
        atol: 0.0,
    };
    /// bfloat16: about two ulp (eps = 2^-7).
    pub const BF16: Tolerance = Tolerance {
        rtol: 1.6e-2,
        atol: 0.0,
    };
    /// float32: about eight ulp (eps = 2^-23 ≈ 1.2e-7).
    pub const F32: Tolerance = Tolerance {
        rtol: 1e-6,
        atol: 0.0,
    };
    /// float64: about 4500 ulp (eps = 2^-52 ≈ 2.2e-16), far below anything float32 could meet.
    pub const F64: Tolerance = Tolerance {
        rtol: 1e-12,
        atol: 0.0,
    };

    /// A tolerance with the given relative and absolute parts.
    pub const fn new(rtol: f64, atol: f64) -> Tolerance {
        Tolerance { rtol, atol }
    }

    /// A purely relative tolerance.
    pub const fn rel(rtol: f64) -> Tolerance {
        Tolerance { rtol, atol: 0.0 }
    }

    /// The same tolerance with an absolute part.
    pub const fn with_atol(self, atol: f64) -> Tolerance {
        Tolerance { atol, ..self }
    }

    /// The default tolerance for a dtype named as numpy names it (`float32`, `bfloat16`, ...);
    /// integer and bool dtypes compare exactly.
    pub fn for_dtype(name: &str) -> Tolerance {
        match name {
            "float16" => Tolerance::F16,
            "bfloat16" => Tolerance::BF16,
            "float32" | "complex64" => Tolerance::F32,
            "float64" | "complex128" => Tolerance::F64,
            _ => Tolerance::EXACT,
        }
    }
}

/// What the relative tolerance is relative to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    /// Each expected element's own magnitude.
    Element,
    /// The largest finite expected magnitude of the whole slice.
    Case,
}

/// Whether `got` matches `want` under `tol`, with the relative part taken of `scale`.
pub fn is_close_scaled(got: f64, want: f64, tol: Tolerance, scale: f64) -> bool {
    if want.is_nan() {
        got.is_nan()
    } else if want.is_infinite() || !got.is_finite() {
        got == want
    } else {
        got == want || (got - want).abs() <= tol.atol + tol.rtol * scale
    }
}

/// Whether `got` matches `want` under `tol` ([`Scale::Element`]).
pub fn is_close(got: f64, want: f64, tol: Tolerance) -> bool {
    is_close_scaled(got, want, tol, want.abs())
}

/// One element that failed a comparison.
#[derive(Clone, Debug, PartialEq)]
pub struct Mismatch {
    /// What was compared (the case's name).
    pub what: String,
    /// The flat index of the element.
    pub index: usize,
    /// The value computed.
    pub got: f64,
    /// The value expected.
    pub want: f64,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}[{}]: got {:e}, want {:e}",
            self.what, self.index, self.got, self.want
        )
    }
}

/// Every element of `got` that does not match `want` under `tol`.
///
/// # Panics
/// If the lengths differ (naming `what` and both lengths).
pub fn mismatches(
    what: &str,
    got: &[f64],
    want: &[f64],
    tol: Tolerance,
    scale: Scale,
) -> Vec<Mismatch> {
    assert_eq!(
        got.len(),
        want.len(),
        "{what}: {} values computed, {} expected",
        got.len(),
        want.len()
    );
    let case_scale = want
        .iter()
        .filter(|w| w.is_finite())
        .fold(0.0f64, |m, w| m.max(w.abs()));
    got.iter()
        .zip(want)
        .enumerate()
        .filter(|&(_, (&g, &w))| {
            let s = match scale {
                Scale::Element => w.abs(),
                Scale::Case => case_scale,
            };
            !is_close_scaled(g, w, tol, s)
        })
        .map(|(index, (&got, &want))| Mismatch {
            what: what.to_string(),
            index,
            got,
            want,
        })
        .collect()
}

/// Panics listing every mismatching element (at most 20, then a count) unless `got` matches
/// `want` element by element under `tol` ([`Scale::Element`]).
pub fn assert_close(what: &str, got: &[f64], want: &[f64], tol: Tolerance) {
    assert_no_mismatches(&mismatches(what, got, want, tol, Scale::Element), tol);
}

/// Panics listing the mismatches (at most 20, then a count), if there are any.
pub fn assert_no_mismatches(bad: &[Mismatch], tol: Tolerance) {
    if bad.is_empty() {
        return;
    }
    let shown: Vec<String> = bad.iter().take(20).map(|m| m.to_string()).collect();
    let more = if bad.len() > 20 {
        format!("\n... and {} more", bad.len() - 20)
    } else {
        String::new()
    };
    panic!(
        "{} mismatches (rtol {:e}, atol {:e}):\n{}{more}",
        bad.len(),
        tol.rtol,
        tol.atol,
        shown.join("\n")
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    const INF: f64 = f64::INFINITY;
    const NAN: f64 = f64::NAN;

    #[test]
    fn infinities_compare_exactly() {
        for tol in [Tolerance::F32, Tolerance::F64, Tolerance::new(1.0, 1.0)] {
            assert!(is_close(INF, INF, tol));
            assert!(is_close(-INF, -INF, tol));
            for planted in [0.0, 1.0, -1.0, 3.4e38, f64::MAX, -INF, NAN] {
                assert!(!is_close(planted, INF, tol), "{planted} passed for +inf");
            }
            for planted in [0.0, -3.4e38, f64::MIN, INF, NAN] {
                assert!(!is_close(planted, -INF, tol), "{planted} passed for -inf");
            }
            // An infinity computed where a finite value is expected fails too.
            assert!(!is_close(INF, 1e300, tol));
        }
    }

    #[test]
    fn nan_expectations_require_nan() {
        for tol in [Tolerance::EXACT, Tolerance::F32, Tolerance::new(1e9, 1e9)] {
            assert!(is_close(NAN, NAN, tol));
            for planted in [0.0, 1.0, INF, -INF] {
                assert!(!is_close(planted, NAN, tol), "{planted} passed for NaN");
            }
            assert!(!is_close(NAN, 1.0, tol), "NaN passed for a finite value");
        }
    }

    #[test]
    fn finite_values_within_tolerance() {
        assert!(is_close(1.0 + 0.9e-6, 1.0, Tolerance::F32));
        assert!(!is_close(1.0 + 1.1e-6, 1.0, Tolerance::F32));
        assert!(!is_close(1.0 + 1e-9, 1.0, Tolerance::F64));
        assert!(is_close(1.0 + 1e-13, 1.0, Tolerance::F64));
        assert!(is_close(1e-31, 0.0, Tolerance::F32.with_atol(1e-30)));
        assert!(!is_close(1e-29, 0.0, Tolerance::F32.with_atol(1e-30)));
        assert!(is_close(-0.0, 0.0, Tolerance::EXACT));
        assert!(!is_close(f32::EPSILON as f64, 0.0, Tolerance::EXACT));
    }

    #[test]
    fn case_scale_uses_the_largest_finite_magnitude() {
        let want = [100.0, 0.0, INF];
        let got = [100.0, 5e-5, INF];
        assert!(mismatches("c", &got, &want, Tolerance::F32, Scale::Case).is_empty());
        let bad = mismatches("c", &got, &want, Tolerance::F32, Scale::Element);
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].index, 1);
        // The infinity is still exact under a case scale.
        let planted = [100.0, 0.0, 1e30];
        let bad = mismatches("c", &planted, &want, Tolerance::F32, Scale::Case);
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].index, 2);
    }

    #[test]
    fn tolerances_by_dtype() {
        assert_eq!(Tolerance::for_dtype("float32"), Tolerance::F32);
        assert_eq!(Tolerance::for_dtype("float64"), Tolerance::F64);
        assert_eq!(Tolerance::for_dtype("int32"), Tolerance::EXACT);
        // A float64 tolerance rejects what float32 rounding leaves behind.
        let third = 1.0f64 / 3.0;
        assert!(is_close(third as f32 as f64, third, Tolerance::F32));
        assert!(!is_close(third as f32 as f64, third, Tolerance::F64));
    }

    #[test]
    #[should_panic(expected = "x[1]: got 1e0, want inf")]
    fn assert_close_names_the_case_and_index() {
        assert_close("x", &[0.0, 1.0], &[0.0, INF], Tolerance::F32);
    }

    #[test]
    #[should_panic(expected = "x: 1 values computed, 2 expected")]
    fn lengths_must_agree() {
        assert_close("x", &[0.0], &[0.0, 1.0], Tolerance::F32);
    }
}
