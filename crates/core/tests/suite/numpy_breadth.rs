//! The breadth of `numpy` (rearranging, diagonals and grids, more elementwise functions,
//! statistics, NaN-ignoring reductions, quantiles, histograms, polynomials and convolutions,
//! set operations, nonzero positions) against JAX 0.10.2 (`parity/numpy_breadth.py` →
//! `parity/goldens/numpy_breadth.json`).
//!
//! Each golden case names a function, its inputs and its keywords; `call` makes the same call
//! through the Rust API. Results must have JAX's shape and dtype; integer and bool values
//! match exactly and float32 ones within the shared float32 tolerance (1e-6 relative; NaN
//! matches NaN and infinities match exactly). Gradients of `sum(f(x) * w)` match within 1e-6
//! of the case's largest gradient. The calls JAX refuses panic. Then jit/vmap/grad consistency and misuse messages.

use equinox_core::numpy::{self as jnp, Axes};
use equinox_core::transforms::{grad, jit, vmap};
use equinox_core::{Array, DType};
use equinox_testing::close::{mismatches, Scale, Tolerance};
use equinox_testing::golden::encoded;
use equinox_testing::Golden;
use serde_json::Value;
use std::panic::{catch_unwind, AssertUnwindSafe};

fn golden() -> Golden {
    Golden::load("numpy_breadth")
}

/// An encoded golden array as an `Array` of its dtype.
fn decode(v: &Value) -> Array {
    let e = encoded(v);
    match e.dtype.as_str() {
        "float32" => Array::from_vec(e.data.iter().map(|&x| x as f32).collect(), e.shape),
        "int32" => Array::from_vec(e.data.iter().map(|&x| x as i32).collect(), e.shape),
        "bool" => Array::from_vec(e.data.iter().map(|&x| x != 0.0).collect(), e.shape),
        "uint8" => Array::from_vec(e.data.iter().map(|&x| x as u8).collect(), e.shape),
        other => panic!("unexpected golden dtype {other}"),
    }
}

fn dtype_name(d: DType) -> &'static str {
    match d {
        DType::F32 => "float32",
        DType::I32 => "int32",
        DType::Bool => "bool",
        DType::F64 => "float64",
        DType::I64 => "int64",
        DType::U8 => "uint8",
        DType::U32 => "uint32",
        _ => "other",
    }
}

/// Values as f64 for comparison.
fn values(a: &Array) -> Vec<f64> {
    match a.dtype() {
        DType::F32 => a.to_vec::<f32>().iter().map(|&x| f64::from(x)).collect(),
        DType::I32 => a.to_vec::<i32>().iter().map(|&x| f64::from(x)).collect(),
        DType::U8 => a.to_vec::<u8>().iter().map(|&x| f64::from(x)).collect(),
        DType::U32 => a.to_vec::<u32>().iter().map(|&x| f64::from(x)).collect(),
        DType::Bool => a
            .to_vec::<bool>()
            .iter()
            .map(|&x| f64::from(u8::from(x)))
            .collect(),
        d => panic!("unexpected result dtype {d:?}"),
    }
}

/// A description of how `got` differs from the encoded `want`, if it does. `scale` is what
/// float tolerances are relative to.
fn compare(got: &Array, want: &Value, scale: Scale) -> Option<String> {
    compare_tol(got, want, scale, None)
}

/// [`compare`] with an explicit float tolerance (`None`: the dtype's).
fn compare_tol(got: &Array, want: &Value, scale: Scale, tol: Option<Tolerance>) -> Option<String> {
    let e = encoded(want);
    if got.shape() != e.shape.as_slice() || dtype_name(got.dtype()) != e.dtype {
        return Some(format!(
            "got {} {:?}, JAX {} {:?}",
            dtype_name(got.dtype()),
            got.shape(),
            e.dtype,
            e.shape
        ));
    }
    let tol = tol.unwrap_or_else(|| Tolerance::for_dtype(&e.dtype));
    let g = values(got);
    mismatches("", &g, &e.data, tol, scale).first().map(|m| {
        format!(
            "element {}: got {}, JAX {} (got {g:?})",
            m.index, m.got, m.want
        )
    })
}

fn int(kw: &Value, k: &str, default: i64) -> i64 {
    kw.get(k).map_or(default, |v| v.as_i64().unwrap())
}
fn float(kw: &Value, k: &str) -> Option<f64> {
    kw.get(k).map(|v| v.as_f64().unwrap())
}
fn flag(kw: &Value, k: &str) -> bool {
    kw.get(k).is_some_and(|v| v.as_bool().unwrap())
}
fn ints(kw: &Value, k: &str) -> Vec<i64> {
    kw[k]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect()
}
fn opt_axis(kw: &Value) -> Option<isize> {
    kw.get("axis").map(|v| v.as_i64().unwrap() as isize)
}
/// `axis` as [`Axes`]: absent is all axes, an int one axis, a list several.
fn axes(kw: &Value) -> Axes {
    match kw.get("axis") {
        None => Axes::All,
        Some(Value::Array(list)) => list
            .iter()
            .map(|v| v.as_i64().unwrap() as i32)
            .collect::<Vec<_>>()
            .into(),
        Some(v) => (v.as_i64().unwrap() as isize).into(),
    }
}

/// An `interp` bound keyword: absent, a number, or `"extrapolate"`.
fn bound(v: Option<&Value>) -> jnp::InterpBound {
    match v {
        None => jnp::InterpBound::Edge,
        Some(Value::String(s)) if s == "extrapolate" => jnp::InterpBound::Extrapolate,
        Some(v) => jnp::InterpBound::Value(v.as_f64().unwrap()),
    }
}

/// `sections`: an int count or a list of split points.
fn sections(kw: &Value) -> jnp::Sections {
    match &kw["sections"] {
        Value::Array(v) => {
            jnp::Sections::Indices(v.iter().map(|x| x.as_u64().unwrap() as usize).collect())
        }
        v => jnp::Sections::Count(v.as_u64().unwrap() as usize),
    }
}

fn usizes(kw: &Value, k: &str) -> Vec<usize> {
    ints(kw, k).iter().map(|&x| x as usize).collect()
}

fn dtype_kw(kw: &Value, k: &str) -> Option<DType> {
    kw.get(k)
        .map(|v| DType::from_name(v.as_str().unwrap()).expect("a dtype name"))
}

/// Complex results as JAX's parity script reports them: sorted by real part, then imaginary
/// part, split into float32 real and imaginary arrays.
fn sorted_complex(z: &Array) -> Vec<Array> {
    let mut v: Vec<equinox_core::Complex32> = z.astype(DType::C64).to_vec();
    v.sort_by(|a, b| a.re.total_cmp(&b.re).then(a.im.total_cmp(&b.im)));
    let n = v.len();
    vec![
        Array::from_vec(v.iter().map(|c| c.re).collect::<Vec<f32>>(), [n]),
        Array::from_vec(v.iter().map(|c| c.im).collect::<Vec<f32>>(), [n]),
    ]
}

fn index_mode(kw: &Value) -> jnp::IndexMode {
    match kw.get("mode").and_then(Value::as_str) {
        None | Some("raise") => jnp::IndexMode::Raise,
        Some("wrap") => jnp::IndexMode::Wrap,
        Some("clip") => jnp::IndexMode::Clip,
        Some(m) => panic!("mode {m}"),
    }
}

/// The Rust call for a golden case: `fn` with inputs `args` and keywords `kw` (`named` looks up
/// inputs that keywords name).
fn call(fn_name: &str, a: &[Array], kw: &Value, named: &dyn Fn(&str) -> Array) -> Vec<Array> {
    let named_kw = |k: &str| kw.get(k).map(|v| named(v.as_str().unwrap()));
    let quantile_opts = || jnp::QuantileOptions {
        axis: opt_axis(kw),
        method: match kw.get("method").and_then(Value::as_str) {
            None | Some("linear") => jnp::QuantileMethod::Linear,
            Some("lower") => jnp::QuantileMethod::Lower,
            Some("higher") => jnp::QuantileMethod::Higher,
            Some("nearest") => jnp::QuantileMethod::Nearest,
            Some("midpoint") => jnp::QuantileMethod::Midpoint,
            Some(m) => panic!("method {m}"),
        },
        keepdims: flag(kw, "keepdims"),
    };
    let one = |x: Array| vec![x];
    match fn_name {
        "roll" => one(jnp::roll(&a[0], int(kw, "shift", 0), opt_axis(kw))),
        "roll_axes" => {
            let ax: Vec<isize> = ints(kw, "axes").iter().map(|&x| x as isize).collect();
            one(jnp::roll_axes(&a[0], &ints(kw, "shifts"), &ax))
        }
        "rot90" => {
            let ax = kw.get("axes").map_or(vec![0, 1], |_| ints(kw, "axes"));
            one(jnp::rot90_axes(
                &a[0],
                int(kw, "k", 1),
                (ax[0] as isize, ax[1] as isize),
            ))
        }
        "fliplr" => one(jnp::fliplr(&a[0])),
        "flipud" => one(jnp::flipud(&a[0])),
        "atleast_3d" => one(jnp::atleast_3d(&a[0])),
        "append" => one(jnp::append(&a[0], &a[1], opt_axis(kw))),
        "insert" => one(jnp::insert(&a[0], int(kw, "index", 0), &a[1], opt_axis(kw))),
        "insert_indices" => one(jnp::insert_indices(
            &a[0],
            &ints(kw, "indices"),
            &a[1],
            opt_axis(kw),
        )),
        "delete" => one(jnp::delete(&a[0], int(kw, "index", 0), opt_axis(kw))),
        "delete_indices" => one(jnp::delete_indices(
            &a[0],
            &ints(kw, "indices"),
            opt_axis(kw),
        )),
        "diff" => one(jnp::diff_with(
            &a[0],
            jnp::DiffOptions {
                n: int(kw, "n", 1) as usize,
                axis: int(kw, "axis", -1) as isize,
                prepend: kw
                    .get("prepend_value")
                    .map(|v| Array::weak_scalar(v.as_i64().unwrap() as i32))
                    .or_else(|| named_kw("prepend")),
                append: named_kw("append"),
            },
        )),
        "ediff1d" => one(jnp::ediff1d(
            &a[0],
            named_kw("to_end").as_ref(),
            named_kw("to_begin").as_ref(),
        )),
        "diag" => one(jnp::diag(&a[0], int(kw, "k", 0))),
        "diagflat" => one(jnp::diagflat(&a[0], int(kw, "k", 0))),
        "diagonal" => one(jnp::diagonal(
            &a[0],
            int(kw, "offset", 0),
            int(kw, "axis1", 0) as isize,
            int(kw, "axis2", 1) as isize,
        )),
        "trace" => one(jnp::trace(
            &a[0],
            int(kw, "offset", 0),
            int(kw, "axis1", 0) as isize,
            int(kw, "axis2", 1) as isize,
        )),
        "tri" => one(jnp::tri(
            int(kw, "n", 0) as usize,
            kw.get("m").map(|v| v.as_u64().unwrap() as usize),
            int(kw, "k", 0),
        )),
        "meshgrid" => {
            let refs: Vec<&Array> = a.iter().collect();
            jnp::meshgrid_with(
                &refs,
                jnp::MeshgridOptions {
                    indexing: match kw.get("indexing").and_then(Value::as_str) {
                        Some("ij") => jnp::MeshIndexing::Ij,
                        _ => jnp::MeshIndexing::Xy,
                    },
                    sparse: flag(kw, "sparse"),
                },
            )
        }
        "kron" => one(jnp::kron(&a[0], &a[1])),
        "cross" => one(jnp::cross_with(
            &a[0],
            &a[1],
            jnp::CrossOptions {
                axisa: int(kw, "axisa", -1) as isize,
                axisb: int(kw, "axisb", -1) as isize,
                axisc: int(kw, "axisc", -1) as isize,
                axis: opt_axis(kw),
            },
        )),
        "hypot" => one(jnp::hypot(&a[0], &a[1])),
        "sinc" => one(jnp::sinc(&a[0])),
        "logaddexp2" => one(jnp::logaddexp2(&a[0], &a[1])),
        "copysign" => one(jnp::copysign(&a[0], &a[1])),
        "signbit" => one(jnp::signbit(&a[0])),
        "heaviside" => one(jnp::heaviside(&a[0], &a[1])),
        "float_power" => one(jnp::float_power(&a[0], &a[1])),
        "nan_to_num" => one(jnp::nan_to_num_with(
            &a[0],
            jnp::NanToNumOptions {
                nan: float(kw, "nan").unwrap_or(0.0),
                posinf: float(kw, "posinf"),
                neginf: float(kw, "neginf"),
            },
        )),
        "gcd" => one(jnp::gcd(&a[0], &a[1])),
        "lcm" => one(jnp::lcm(&a[0], &a[1])),
        "select" => {
            let c1 = jnp::greater(&a[2], &Array::weak_scalar(0));
            let c2 = jnp::less(&a[3], &Array::weak_scalar(-0.5));
            let default = match &kw["default"] {
                v if v.is_i64() => Array::weak_scalar(v.as_i64().unwrap() as i32),
                v => Array::weak_scalar(v.as_f64().unwrap()),
            };
            one(jnp::select(&[&c1, &c2], &[&a[0], &a[1]], &default))
        }
        "empty" => {
            let shape: Vec<usize> = ints(kw, "shape").iter().map(|&x| x as usize).collect();
            one(jnp::empty(shape))
        }
        "count_nonzero" => one(jnp::count_nonzero(&a[0], axes(kw))),
        "ptp" => one(if flag(kw, "keepdims") {
            jnp::ptp_keepdims(&a[0], axes(kw))
        } else {
            jnp::ptp(&a[0], axes(kw))
        }),
        "average" => {
            let (avg, wsum) = jnp::average_returned(
                &a[0],
                jnp::AverageOptions {
                    axis: axes(kw),
                    weights: named_kw("weights"),
                    keepdims: flag(kw, "keepdims"),
                },
            );
            vec![avg, wsum]
        }
        "cov" => one(jnp::cov_with(
            &a[0],
            jnp::CovOptions {
                y: named_kw("y"),
                rowvar: kw.get("rowvar").is_none_or(|v| v.as_bool().unwrap()),
                bias: flag(kw, "bias"),
                ddof: kw.get("ddof").map(|v| v.as_u64().unwrap() as usize),
                fweights: named_kw("fweights"),
                aweights: named_kw("aweights"),
            },
        )),
        "corrcoef" => one(jnp::corrcoef_with(
            &a[0],
            named_kw("y").as_ref(),
            kw.get("rowvar").is_none_or(|v| v.as_bool().unwrap()),
        )),
        "quantile" => one(jnp::quantile_with(&a[0], &a[1], quantile_opts())),
        "quantile_scalar" => one(jnp::quantile_with(
            &a[0],
            &Array::scalar(float(kw, "q").unwrap() as f32),
            quantile_opts(),
        )),
        "percentile" => one(jnp::percentile_with(
            &a[0],
            &Array::scalar(float(kw, "q").unwrap() as f32),
            quantile_opts(),
        )),
        "median" => one(jnp::median(&a[0], opt_axis(kw))),
        "nanquantile" => one(jnp::nanquantile_with(&a[0], &a[1], quantile_opts())),
        "nanquantile_scalar" => one(jnp::nanquantile_with(
            &a[0],
            &Array::scalar(float(kw, "q").unwrap() as f32),
            quantile_opts(),
        )),
        "nanpercentile" => one(jnp::nanpercentile_with(
            &a[0],
            &Array::scalar(float(kw, "q").unwrap() as f32),
            quantile_opts(),
        )),
        "nanmedian" => one(jnp::nanmedian(&a[0], opt_axis(kw))),
        "nansum" => one(jnp::nansum(&a[0], axes(kw))),
        "nanprod" => one(jnp::nanprod(&a[0], axes(kw))),
        "nanmax" => one(jnp::nanmax(&a[0], axes(kw))),
        "nanmin" => one(jnp::nanmin(&a[0], axes(kw))),
        "nanmean" => one(jnp::nanmean(&a[0], axes(kw))),
        "nanvar" => one(jnp::nanvar_ddof(
            &a[0],
            axes(kw),
            int(kw, "ddof", 0) as usize,
        )),
        "nanstd" => one(jnp::nanstd(&a[0], axes(kw))),
        "nanargmax" => one(jnp::nanargmax(&a[0], axes(kw))),
        "nanargmin" => one(jnp::nanargmin(&a[0], axes(kw))),
        "bincount" => {
            let w = named_kw("weights");
            one(match kw.get("length") {
                Some(l) => jnp::bincount_with_options(
                    &a[0],
                    jnp::BincountOptions {
                        weights: w.as_ref(),
                        length: Some(l.as_u64().unwrap() as usize),
                        ..Default::default()
                    },
                ),
                None => jnp::bincount_with_options(
                    &a[0],
                    jnp::BincountOptions {
                        weights: w.as_ref(),
                        minlength: int(kw, "minlength", 0) as usize,
                        ..Default::default()
                    },
                ),
            })
        }
        "digitize" => one(jnp::digitize(&a[0], &a[1], flag(kw, "right"))),
        "histogram" => {
            let (c, e) = jnp::histogram_with(
                &a[0],
                jnp::HistogramOptions {
                    bins: match named_kw("edges") {
                        Some(e) => jnp::Bins::Edges(e),
                        None => jnp::Bins::Count(int(kw, "bins", 10) as usize),
                    },
                    range: kw.get("range").map(|r| {
                        let r = r.as_array().unwrap();
                        (r[0].as_f64().unwrap(), r[1].as_f64().unwrap())
                    }),
                    weights: named_kw("weights"),
                    density: flag(kw, "density"),
                },
            );
            vec![c, e]
        }
        "isin" => one(jnp::isin(&a[0], &a[1], flag(kw, "invert"))),
        "interp" => one(jnp::interp_with(
            &a[0],
            &a[1],
            &a[2],
            jnp::InterpOptions {
                left: bound(kw.get("left")),
                right: bound(kw.get("right")),
                period: float(kw, "period"),
            },
        )),
        "trapezoid" => one(jnp::trapezoid_with(
            &a[0],
            jnp::TrapezoidOptions {
                x: named_kw("x"),
                dx: float(kw, "dx").unwrap_or(1.0),
                axis: int(kw, "axis", -1) as isize,
            },
        )),
        "polyval" => one(jnp::polyval(&a[0], &a[1])),
        "convolve" | "correlate" => {
            let mode = match kw.get("mode").and_then(Value::as_str) {
                Some("full") => jnp::ConvolveMode::Full,
                Some("same") => jnp::ConvolveMode::Same,
                Some("valid") => jnp::ConvolveMode::Valid,
                None if fn_name == "convolve" => jnp::ConvolveMode::Full,
                None => jnp::ConvolveMode::Valid,
                Some(m) => panic!("mode {m}"),
            };
            one(if fn_name == "convolve" {
                jnp::convolve_with(&a[0], &a[1], mode)
            } else {
                jnp::correlate_with(&a[0], &a[1], mode)
            })
        }
        "nonzero" => match kw.get("size") {
            None => jnp::nonzero(&a[0]),
            Some(s) => jnp::nonzero_sized(
                &a[0],
                s.as_u64().unwrap() as usize,
                kw.get("fill_value").map(|v| v.as_i64().unwrap() as i32),
            ),
        },
        "argwhere" => one(match kw.get("size") {
            None => jnp::argwhere(&a[0]),
            Some(s) => jnp::argwhere_sized(
                &a[0],
                s.as_u64().unwrap() as usize,
                kw.get("fill_value").map(|v| v.as_i64().unwrap() as i32),
            ),
        }),
        "flatnonzero" => one(match kw.get("size") {
            None => jnp::flatnonzero(&a[0]),
            Some(s) => jnp::flatnonzero_sized(
                &a[0],
                s.as_u64().unwrap() as usize,
                kw.get("fill_value").map(|v| v.as_i64().unwrap() as i32),
            ),
        }),
        "unique" => {
            let u = jnp::unique_with(
                &a[0],
                jnp::UniqueOptions {
                    axis: opt_axis(kw),
                    return_index: flag(kw, "return_index"),
                    return_inverse: flag(kw, "return_inverse"),
                    return_counts: flag(kw, "return_counts"),
                    equal_nan: kw.get("equal_nan").is_none_or(|v| v.as_bool().unwrap()),
                    size: kw.get("size").map(|v| v.as_u64().unwrap() as usize),
                    fill_value: float(kw, "fill_value"),
                },
            );
            let mut out = vec![u.values];
            out.extend(u.indices);
            out.extend(u.inverse);
            out.extend(u.counts);
            out
        }
        "array_split" => jnp::array_split(&a[0], sections(kw), int(kw, "axis", 0) as isize),
        "hsplit" => jnp::hsplit(&a[0], sections(kw)),
        "vsplit" => jnp::vsplit(&a[0], sections(kw)),
        "dsplit" => jnp::dsplit(&a[0], sections(kw)),
        "column_stack" => one(jnp::column_stack(&a.iter().collect::<Vec<_>>())),
        "dstack" => one(jnp::dstack(&a.iter().collect::<Vec<_>>())),
        "block2" => one(jnp::block(&jnp::Block::from(vec![
            vec![&a[0], &a[1]],
            vec![&a[2], &a[3]],
        ]))),
        "block1" => one(jnp::block(&jnp::Block::from(vec![&a[0], &a[1]]))),
        "rollaxis" => one(jnp::rollaxis(
            &a[0],
            int(kw, "axis", 0) as isize,
            int(kw, "start", 0) as isize,
        )),
        "resize" => one(jnp::resize(&a[0], &usizes(kw, "shape"))),
        "trim_zeros" => one(jnp::trim_zeros_with(
            &a[0],
            match kw.get("trim").and_then(Value::as_str) {
                None | Some("fb") => jnp::Trim::Both,
                Some("f") => jnp::Trim::Front,
                Some("b") => jnp::Trim::Back,
                Some(t) => panic!("trim {t}"),
            },
        )),
        "cumulative_sum" | "cumulative_prod" => {
            let o = jnp::CumulativeOptions {
                axis: opt_axis(kw),
                include_initial: flag(kw, "include_initial"),
            };
            one(if fn_name == "cumulative_sum" {
                jnp::cumulative_sum_with(&a[0], o)
            } else {
                jnp::cumulative_prod_with(&a[0], o)
            })
        }
        "nancumsum" => one(jnp::nancumsum(&a[0], axes(kw))),
        "nancumprod" => one(jnp::nancumprod(&a[0], axes(kw))),
        "array_equal" => one(jnp::array_equal_with(&a[0], &a[1], flag(kw, "equal_nan"))),
        "array_equiv" => one(jnp::array_equiv(&a[0], &a[1])),
        "array" => one(jnp::array_with(
            &a[0],
            jnp::ArrayOptions {
                dtype: dtype_kw(kw, "dtype"),
                ndmin: int(kw, "ndmin", 0) as usize,
            },
        )),
        "logspace" => one(jnp::logspace_with(
            float(kw, "start").unwrap(),
            float(kw, "stop").unwrap(),
            int(kw, "num", 50) as usize,
            jnp::LogspaceOptions {
                endpoint: kw.get("endpoint").is_none_or(|v| v.as_bool().unwrap()),
                base: float(kw, "base").unwrap_or(10.0),
                ..Default::default()
            },
        )),
        "geomspace" => one(jnp::geomspace_with(
            float(kw, "start").unwrap(),
            float(kw, "stop").unwrap(),
            int(kw, "num", 50) as usize,
            jnp::LogspaceOptions {
                endpoint: kw.get("endpoint").is_none_or(|v| v.as_bool().unwrap()),
                ..Default::default()
            },
        )),
        "fromfunction" => one(jnp::fromfunction(
            |c| &(&c[0] * 10) + &c[1],
            &usizes(kw, "shape"),
            dtype_kw(kw, "dtype").unwrap_or(DType::F32),
        )),
        "divmod" => {
            let (q, r) = jnp::divmod(&a[0], &a[1]);
            vec![q, r]
        }
        "modf" => {
            let (f, w) = jnp::modf(&a[0]);
            vec![f, w]
        }
        "frexp" => {
            let (m, e) = jnp::frexp(&a[0]);
            vec![m, e]
        }
        "ldexp" => one(jnp::ldexp(&a[0], &a[1])),
        "spacing" => one(jnp::spacing(&a[0])),
        "bitwise_count" => one(jnp::bitwise_count(&a[0])),
        "packbits" | "unpackbits" => {
            let o = jnp::PackbitsOptions {
                axis: opt_axis(kw),
                bitorder: match kw.get("bitorder").and_then(Value::as_str) {
                    Some("little") => jnp::BitOrder::Little,
                    _ => jnp::BitOrder::Big,
                },
                count: kw.get("count").map(|v| v.as_u64().unwrap() as usize),
            };
            one(if fn_name == "packbits" {
                jnp::packbits_with(&a[0], o)
            } else {
                jnp::unpackbits_with(&a[0], o)
            })
        }
        "indices" => one(jnp::indices(&usizes(kw, "shape"))),
        "indices_sparse" => jnp::indices_sparse(&usizes(kw, "shape"), DType::I32),
        "ix_" => jnp::ix_(&a.iter().collect::<Vec<_>>()),
        "ravel_multi_index" => one(jnp::ravel_multi_index_with(
            &[&a[0], &a[1]],
            &usizes(kw, "dims"),
            jnp::RavelOptions {
                mode: index_mode(kw),
                order: match kw.get("order").and_then(Value::as_str) {
                    Some("F") => jnp::IndexOrder::F,
                    _ => jnp::IndexOrder::C,
                },
            },
        )),
        "unravel_index" => jnp::unravel_index(&a[0], &usizes(kw, "shape")),
        "diag_indices" => jnp::diag_indices(int(kw, "n", 0) as usize, int(kw, "ndim", 2) as usize),
        "diag_indices_from" => jnp::diag_indices_from(&a[0]),
        "tril_indices" | "triu_indices" => {
            let m = kw.get("m").map(|v| v.as_u64().unwrap() as usize);
            let (i, j) = if fn_name == "tril_indices" {
                jnp::tril_indices(int(kw, "n", 0) as usize, int(kw, "k", 0), m)
            } else {
                jnp::triu_indices(int(kw, "n", 0) as usize, int(kw, "k", 0), m)
            };
            vec![i, j]
        }
        "tril_indices_from" => {
            let (i, j) = jnp::tril_indices_from(&a[0], int(kw, "k", 0));
            vec![i, j]
        }
        "triu_indices_from" => {
            let (i, j) = jnp::triu_indices_from(&a[0], int(kw, "k", 0));
            vec![i, j]
        }
        "mask_indices" => {
            let f = if kw["fn"] == "triu" {
                jnp::triu
            } else {
                jnp::tril
            };
            let n = int(kw, "n", 0) as usize;
            let (i, j) = match kw.get("size") {
                Some(s) => {
                    jnp::mask_indices_sized(n, f, int(kw, "k", 0), s.as_u64().unwrap() as usize)
                }
                None => jnp::mask_indices(n, f, int(kw, "k", 0)),
            };
            vec![i, j]
        }
        "fill_diagonal" => one(jnp::fill_diagonal(&a[0], &a[1])),
        "vander" => one(jnp::vander_with(
            &a[0],
            kw.get("N").map(|v| v.as_u64().unwrap() as usize),
            flag(kw, "increasing"),
        )),
        "unique_values" | "unique_counts" | "unique_inverse" | "unique_all" => {
            let size = kw.get("size").map(|v| v.as_u64().unwrap() as usize);
            let fill = float(kw, "fill_value");
            match (fn_name, size) {
                ("unique_values", None) => one(jnp::unique_values(&a[0])),
                ("unique_values", Some(s)) => one(jnp::unique_values_sized(&a[0], s, fill)),
                ("unique_counts", s) => {
                    let (v, c) = match s {
                        None => jnp::unique_counts(&a[0]),
                        Some(s) => jnp::unique_counts_sized(&a[0], s, fill),
                    };
                    vec![v, c]
                }
                ("unique_inverse", s) => {
                    let (v, i) = match s {
                        None => jnp::unique_inverse(&a[0]),
                        Some(s) => jnp::unique_inverse_sized(&a[0], s, fill),
                    };
                    vec![v, i]
                }
                (_, s) => {
                    let u = match s {
                        None => jnp::unique_all(&a[0]),
                        Some(s) => jnp::unique_all_sized(&a[0], s, fill),
                    };
                    vec![
                        u.values,
                        u.indices.unwrap(),
                        u.inverse.unwrap(),
                        u.counts.unwrap(),
                    ]
                }
            }
        }
        "union1d" | "intersect1d" | "setdiff1d" | "setxor1d" => {
            let fill = float(kw, "fill_value");
            one(
                match (
                    fn_name,
                    kw.get("size").map(|v| v.as_u64().unwrap() as usize),
                ) {
                    ("union1d", None) => jnp::union1d(&a[0], &a[1]),
                    ("union1d", Some(s)) => jnp::union1d_sized(&a[0], &a[1], s, fill),
                    ("intersect1d", None) => jnp::intersect1d(&a[0], &a[1]),
                    ("intersect1d", Some(s)) => jnp::intersect1d_sized(&a[0], &a[1], s, fill),
                    ("setdiff1d", None) => jnp::setdiff1d(&a[0], &a[1]),
                    ("setdiff1d", Some(s)) => jnp::setdiff1d_sized(&a[0], &a[1], s, fill),
                    (_, None) => jnp::setxor1d(&a[0], &a[1]),
                    (_, Some(s)) => jnp::setxor1d_sized(&a[0], &a[1], s, fill),
                },
            )
        }
        "intersect1d_indices" => {
            let (v, i, j) = jnp::intersect1d_indices(&a[0], &a[1]);
            vec![v, i, j]
        }
        "lexsort" => one(jnp::lexsort(
            &a.iter().collect::<Vec<_>>(),
            int(kw, "axis", -1) as isize,
        )),
        "sort_complex" => {
            let s = jnp::sort_complex(&a[0]);
            assert_eq!(s.dtype(), DType::C64, "sort_complex of {}", a[0].dtype());
            sorted_complex(&s)
        }
        "partition" => one(jnp::partition(
            &a[0],
            int(kw, "kth", 0) as isize,
            int(kw, "axis", -1) as isize,
        )),
        "argpartition" => one(jnp::argpartition(
            &a[0],
            int(kw, "kth", 0) as isize,
            int(kw, "axis", -1) as isize,
        )),
        "choose" => one(jnp::choose_with(
            &a[0],
            &a[1..].iter().collect::<Vec<_>>(),
            index_mode(kw),
        )),
        "compress" => one(match kw.get("size") {
            None => jnp::compress(&a[0], &a[1], opt_axis(kw)),
            Some(s) => jnp::compress_sized(
                &a[0],
                &a[1],
                opt_axis(kw),
                s.as_u64().unwrap() as usize,
                float(kw, "fill_value").unwrap_or(0.0),
            ),
        }),
        "extract" => one(match kw.get("size") {
            None => jnp::extract(&a[0], &a[1]),
            Some(s) => jnp::extract_sized(
                &a[0],
                &a[1],
                s.as_u64().unwrap() as usize,
                float(kw, "fill_value").unwrap_or(0.0),
            ),
        }),
        "place" => one(jnp::place(&a[0], &a[1], &a[2])),
        "put" => one(jnp::put_with(
            &a[0],
            &a[1],
            &a[2],
            kw.get("mode").map(|_| index_mode(kw)),
        )),
        "put_along_axis" => one(jnp::put_along_axis(&a[0], &a[1], &a[2], opt_axis(kw))),
        "poly" => one(jnp::poly(&a[0])),
        "polyadd" => one(jnp::polyadd(&a[0], &a[1])),
        "polysub" => one(jnp::polysub(&a[0], &a[1])),
        "polymul" => one(jnp::polymul(&a[0], &a[1])),
        "polydiv" => {
            let (q, r) = jnp::polydiv(&a[0], &a[1]);
            vec![q, r]
        }
        "polyder" => one(jnp::polyder_with(&a[0], int(kw, "m", 1) as usize)),
        "polyint" => {
            let k = named_kw("k").or_else(|| float(kw, "kv").map(Array::weak_scalar));
            one(jnp::polyint_with(
                &a[0],
                int(kw, "m", 1) as usize,
                k.as_ref(),
            ))
        }
        "polyfit" => one(jnp::polyfit_with(
            &a[0],
            &a[1],
            int(kw, "deg", 1) as usize,
            jnp::PolyfitOptions {
                rcond: None,
                w: named_kw("w"),
            },
        )),
        "roots" => sorted_complex(&jnp::roots(&a[0])),
        "bartlett" => one(jnp::bartlett(int(kw, "m", 0) as usize)),
        "blackman" => one(jnp::blackman(int(kw, "m", 0) as usize)),
        "hamming" => one(jnp::hamming(int(kw, "m", 0) as usize)),
        "hanning" => one(jnp::hanning(int(kw, "m", 0) as usize)),
        "kaiser" => one(jnp::kaiser(
            int(kw, "m", 0) as usize,
            float(kw, "beta").unwrap(),
        )),
        "i0" => one(jnp::i0(&a[0])),
        "broadcast_shapes" => {
            let shapes: Vec<Vec<usize>> = kw["shapes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| {
                    s.as_array()
                        .unwrap()
                        .iter()
                        .map(|d| d.as_u64().unwrap() as usize)
                        .collect()
                })
                .collect();
            let refs: Vec<&[usize]> = shapes.iter().map(Vec::as_slice).collect();
            let out: Vec<i32> = jnp::broadcast_shapes(&refs)
                .iter()
                .map(|&d| d as i32)
                .collect();
            let n = out.len();
            one(Array::from_vec(out, [n]))
        }
        "can_cast" => {
            let casting = match kw.get("casting").and_then(Value::as_str) {
                None | Some("safe") => jnp::Casting::Safe,
                Some("same_kind") => jnp::Casting::SameKind,
                Some("no") => jnp::Casting::No,
                Some("equiv") => jnp::Casting::Equiv,
                Some("unsafe") => jnp::Casting::Unsafe,
                Some(c) => panic!("casting {c}"),
            };
            one(Array::scalar(jnp::can_cast_with(
                dtype_kw(kw, "from").unwrap(),
                dtype_kw(kw, "to").unwrap(),
                casting,
            )))
        }
        "gradient" => jnp::gradient_with(
            &a[0],
            jnp::GradientOptions {
                spacing: a[1..].to_vec(),
                axis: match kw.get("axis") {
                    None => None,
                    Some(Value::Array(v)) => {
                        Some(v.iter().map(|x| x.as_i64().unwrap() as isize).collect())
                    }
                    Some(v) => Some(vec![v.as_i64().unwrap() as isize]),
                },
            },
        ),
        "unwrap" => one(jnp::unwrap_with(
            &a[0],
            jnp::UnwrapOptions {
                discont: float(kw, "discont"),
                axis: int(kw, "axis", -1) as isize,
                period: float(kw, "period").unwrap_or(2.0 * std::f64::consts::PI),
            },
        )),
        "histogram_bin_edges" => one(jnp::histogram_bin_edges_with(
            &a[0],
            jnp::HistogramOptions {
                bins: jnp::Bins::Count(int(kw, "bins", 10) as usize),
                range: kw
                    .get("range")
                    .map(|r| (r[0].as_f64().unwrap(), r[1].as_f64().unwrap())),
                ..Default::default()
            },
        )),
        "histogram2d" | "histogramdd" => {
            let bins = match kw.get("bins") {
                None => vec![jnp::Bins::Count(10)],
                Some(Value::Array(v)) => v
                    .iter()
                    .map(|b| jnp::Bins::Count(b.as_u64().unwrap() as usize))
                    .collect(),
                Some(b) => vec![jnp::Bins::Count(b.as_u64().unwrap() as usize)],
            };
            let o = jnp::HistogramddOptions {
                bins,
                range: kw.get("range").map(|r| {
                    r.as_array()
                        .unwrap()
                        .iter()
                        .map(|p| Some((p[0].as_f64().unwrap(), p[1].as_f64().unwrap())))
                        .collect()
                }),
                weights: named_kw("weights"),
                density: flag(kw, "density"),
            };
            if fn_name == "histogram2d" {
                let (h, ex, ey) = jnp::histogram2d_with(&a[0], &a[1], o);
                vec![h, ex, ey]
            } else {
                let (h, e) = jnp::histogramdd_with(&a[0], o);
                std::iter::once(h).chain(e).collect()
            }
        }
        "apply_along_axis" => {
            let axis = int(kw, "axis", 0) as isize;
            one(match kw["f"].as_str().unwrap() {
                "cumsum" => jnp::apply_along_axis(
                    |r| &jnp::cumsum(r, None) * &r.index(&[jnp::Index::Int(0)]),
                    axis,
                    &a[0],
                ),
                "sum" => jnp::apply_along_axis(|r| jnp::sum(r, None), axis, &a[0]),
                _ => jnp::apply_along_axis(
                    |r| jnp::outer(r, &r.index(&[jnp::Index::from(..2i64)])),
                    axis,
                    &a[0],
                ),
            })
        }
        "apply_over_axes" => {
            let ax: Vec<isize> = ints(kw, "axes").iter().map(|&x| x as isize).collect();
            one(jnp::apply_over_axes(jnp::sum, &a[0], &ax))
        }
        "vectorize" => {
            let f = jnp::vectorize(|v: &[Array]| {
                let gt = jnp::greater(&v[0], &v[1]);
                jnp::where_(&gt, &(&v[0] * &v[1]), &(&v[0] - &v[1]))
            });
            one(f(&[&a[0], &a[1]]))
        }
        "piecewise" => {
            let x = &a[0];
            let lo = jnp::less(x, &Array::weak_scalar(-0.5));
            let hi = jnp::greater(x, &Array::weak_scalar(0.5));
            let mut pieces = vec![
                jnp::Piece::Func(Box::new(|v: &Array| v * v)),
                jnp::Piece::Func(Box::new(|v: &Array| -v)),
            ];
            if flag(kw, "default") {
                pieces.push(jnp::Piece::Const(2.5));
            }
            one(jnp::piecewise(x, &[&lo, &hi], pieces))
        }
        other => panic!("no Rust call for {other}"),
    }
}

fn describe(case: &Value) -> String {
    format!("{}{} {}", case["fn"], case["args"], case["kw"])
}

/// The case's arguments: inputs by name, or Python scalars written `#2.5` (float) or `#3`
/// (int), which are weakly typed, as Rust scalars are.
fn args(case: &Value, named: &dyn Fn(&str) -> Array) -> Vec<Array> {
    case["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            let n = n.as_str().unwrap();
            match n.strip_prefix('#') {
                Some(v) if v.contains('.') => Array::weak_scalar(v.parse::<f64>().unwrap()),
                Some(v) => Array::weak_scalar(v.parse::<i32>().unwrap()),
                None => named(n),
            }
        })
        .collect()
}

/// Runs the value, gradient and error cases of three sections; returns the failures and the
/// number of cases.
fn check_sections(
    g: &Golden,
    [values_name, grads_name, errors_name]: [&str; 3],
    named: &dyn Fn(&str) -> Array,
) -> (Vec<String>, usize) {
    let mut failures = Vec::new();
    let mut n = 0;

    for case in g.section(values_name).iter() {
        let a = args(case, named);
        let kw = &case["kw"];
        let fn_name = case["fn"].as_str().unwrap();
        let got = catch_unwind(AssertUnwindSafe(|| call(fn_name, &a, kw, named)));
        let want: Vec<&Value> = match &case["out"] {
            Value::Array(list) => list.iter().collect(),
            v => vec![v],
        };
        match got {
            Err(_) => failures.push(format!("{}: panicked", describe(case))),
            Ok(got) if got.len() != want.len() => failures.push(format!(
                "{}: {} outputs, JAX {}",
                describe(case),
                got.len(),
                want.len()
            )),
            Ok(got) => {
                // Least squares and eigenvalues go through different float32 factorizations
                // here and in LAPACK: their small entries agree to 1e-5 of the largest.
                let (scale, tol) = if matches!(fn_name, "polyfit" | "roots") {
                    (
                        Scale::Case,
                        Some(Tolerance {
                            rtol: 1e-5,
                            atol: 0.0,
                        }),
                    )
                } else {
                    (Scale::Element, None)
                };
                for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                    if let Some(e) = compare_tol(g, w, scale, tol) {
                        failures.push(format!("{} output {i}: {e}", describe(case)));
                    }
                }
            }
        }
        n += 1;
    }

    for case in g.section(grads_name).iter() {
        let a = args(case, named);
        let kw = &case["kw"];
        let fn_name = case["fn"].as_str().unwrap();
        let rest = a[1..].to_vec();
        let f = |x: &Array| {
            let mut all = vec![x.clone()];
            all.extend(rest.iter().cloned());
            let out = call(fn_name, &all, kw, named).remove(0);
            // The parity script's weights: ((k * 7) % 13 - 6.5) / 4 for element k.
            let w: Vec<f32> = (0..out.size())
                .map(|k| (((k * 7) % 13) as f32 - 6.5) / 4.0)
                .collect();
            let w = Array::from_vec(w, out.shape().to_vec());
            (out * w).sum(())
        };
        let got = catch_unwind(AssertUnwindSafe(|| grad(f)(&a[0])));
        match got {
            Err(_) => failures.push(format!("grad of {}: panicked", describe(case))),
            Ok(got) => {
                // A gradient element is a sum of many terms, and its small elements come from
                // cancellation: the tolerance is relative to the case's largest gradient.
                if let Some(e) = compare(&got, &case["grad"], Scale::Case) {
                    failures.push(format!("grad of {}: {e}", describe(case)));
                }
            }
        }
        n += 1;
    }

    for case in g.section(errors_name).iter() {
        let a = args(case, named);
        let kw = &case["kw"];
        let fn_name = case["fn"].as_str().unwrap();
        let got = catch_unwind(AssertUnwindSafe(|| call(fn_name, &a, kw, named)));
        if got.is_ok() {
            failures.push(format!("{}: JAX raises, this returns", describe(case)));
        }
        n += 1;
    }
    (failures, n)
}

#[test]
fn breadth_matches_jax() {
    let g = golden();
    let inputs = g.section("inputs");
    let more_inputs = g.section("more_inputs");
    let named = |n: &str| match more_inputs.whole().get(n) {
        Some(v) => decode(v),
        None => decode(inputs.get(n)),
    };
    let (mut failures, n) = check_sections(&g, ["values", "grads", "errors"], &named);
    let (more_failures, more_n) =
        check_sections(&g, ["more_values", "more_grads", "more_errors"], &named);
    failures.extend(more_failures);
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from JAX:\n{}",
        failures.len(),
        n + more_n,
        failures.join("\n")
    );
    assert!(n >= 300, "only {n} cases");
    assert!(more_n >= 250, "only {more_n} cases in the later sections");
    inputs.whole();
    g.assert_all_read();
}

fn f32s(v: &[f32], shape: &[usize]) -> Array {
    Array::from_vec(v.to_vec(), shape.to_vec())
}

fn sample() -> Array {
    f32s(
        &[
            0.5, -1.0, 2.0, 3.5, -0.25, 1.5, 4.0, -2.0, 0.0, 2.5, -3.0, 1.0,
        ],
        &[3, 4],
    )
}

#[test]
fn functions_trace_under_jit() {
    let x = sample();
    let f = |x: &Array| {
        let q = jnp::quantile_with(
            x,
            &f32s(&[0.1, 0.5, 0.9], &[3]),
            jnp::QuantileOptions {
                axis: Some(1),
                ..Default::default()
            },
        );
        let nz = jnp::nonzero_sized(&jnp::greater(x, &Array::weak_scalar(1.0)), 5, Some(-1));
        let u = jnp::unique_with(
            &jnp::round(x),
            jnp::UniqueOptions {
                size: Some(6),
                fill_value: Some(9.0),
                return_counts: true,
                ..Default::default()
            },
        );
        let (counts, _) = jnp::histogram(x, 4);
        vec![
            jnp::roll(x, 1, Some(1)),
            jnp::trace(x, 1, 0, 1),
            jnp::cross(&x.reshape([4, 3]), &jnp::roll(x, 1, None).reshape([4, 3])).ravel(),
            q,
            nz[0].clone(),
            nz[1].clone(),
            u.values,
            u.counts.unwrap(),
            counts,
            jnp::nanvar(x, 0),
            jnp::convolve(&x.ravel(), &f32s(&[1.0, -2.0, 0.5], &[3])),
            jnp::interp(
                x,
                &f32s(&[-1.0, 0.0, 2.0], &[3]),
                &f32s(&[3.0, 0.0, 1.0], &[3]),
            ),
            jnp::gcd(&x.astype(DType::I32), &Array::scalar(6i32)),
            jnp::bincount_with_options(
                &jnp::abs(&x.astype(DType::I32)).ravel(),
                jnp::BincountOptions {
                    length: Some(5),
                    ..Default::default()
                },
            ),
        ]
    };
    let eager = f(&x);
    let staged = jit(f)(&x);
    assert_eq!(eager.len(), staged.len());
    for (i, (e, s)) in eager.iter().zip(&staged).enumerate() {
        assert_eq!(e.shape(), s.shape(), "output {i}");
        assert_eq!(e.dtype(), s.dtype(), "output {i}");
        assert_eq!(values(e), values(s), "output {i}");
    }
    // Spot-check values that would catch a wrong program: round(x) (half to even) is
    // [0, -1, 2, 4, -0, 2, 4, -2, 0, 2, -3, 1], whose unique values [-3, -2, -1, 0, 1, 2, 4]
    // are truncated to 6, with their counts (the zeros of both signs are one value).
    assert_eq!(
        staged[6].to_vec::<f32>(),
        vec![-3.0, -2.0, -1.0, -0.0, 1.0, 2.0]
    );
    assert_eq!(staged[7].to_vec::<i32>(), vec![1, 1, 1, 3, 1, 3]);
    // The gcd with 6 of [0, -1, 2, 3, 0, 1, 4, -2, 0, 2, -3, 1] (truncated toward zero).
    assert_eq!(
        staged[12].to_vec::<i32>(),
        vec![6, 1, 2, 3, 6, 1, 2, 2, 6, 2, 3, 1]
    );
}

#[test]
fn functions_batch_under_vmap() {
    let x = sample();
    // Row by row under vmap equals the axis-1 forms.
    let med = vmap(|r: &Array| jnp::median(r, None))(&x);
    assert_eq!(
        med.to_vec::<f32>(),
        jnp::median(&x, Some(1)).to_vec::<f32>()
    );
    let nm = vmap(|r: &Array| jnp::nanmax(r, None))(&x);
    assert_eq!(nm.to_vec::<f32>(), vec![3.5, 4.0, 2.5]);
    let d = vmap(|r: &Array| jnp::diag(r, 0))(&x);
    assert_eq!(d.shape(), &[3, 4, 4]);
    for i in 0..3 {
        let row = jnp::index(&x, &[(i as i64).into()]);
        let want = jnp::diag(&row, 0);
        assert_eq!(
            jnp::index(&d, &[(i as i64).into()]).to_vec::<f32>(),
            want.to_vec::<f32>()
        );
    }
    let nz = vmap(|r: &Array| {
        jnp::flatnonzero_sized(&jnp::less(r, &Array::weak_scalar(0.0)), 2, Some(-1))
    })(&x);
    assert_eq!(nz.to_vec::<i32>(), vec![1, -1, 0, 3, 2, -1]);
}

#[test]
fn gradients_follow_jax_conventions() {
    // sinc is flat at 0 (JAX's custom rule) and has derivative -1 at 1/2... times 4/pi:
    // d/dx sin(pi x)/(pi x) at 1/2 is -4/pi.
    let g = grad(|x: &Array| jnp::sinc(x).sum(()))(&f32s(&[0.0, 0.5], &[2])).to_vec::<f32>();
    assert_eq!(g[0], 0.0);
    assert!((g[1] + 4.0 / std::f32::consts::PI).abs() < 1e-6, "{g:?}");
    // NaN elements get zero gradient from the NaN-ignoring reductions, not NaN.
    let x = f32s(&[1.0, f32::NAN, 3.0, 5.0], &[4]);
    let g = grad(|x: &Array| jnp::nanmean(x, None))(&x).to_vec::<f32>();
    assert_eq!(g, vec![1.0 / 3.0, 0.0, 1.0 / 3.0, 1.0 / 3.0]);
    let g = grad(|x: &Array| jnp::nanvar(x, None))(&x).to_vec::<f32>();
    // d/dx_i of mean((x - 3)^2) over [1, 3, 5] is 2 (x_i - 3) / 3.
    assert_eq!(g, vec![-4.0 / 3.0, 0.0, 0.0, 4.0 / 3.0]);
}

#[test]
fn data_dependent_sizes_refuse_tracers() {
    let msg = equinox_testing::panics::panic_message(|| {
        jit(|x: &Array| jnp::nonzero(x).remove(0))(&sample());
    });
    assert!(msg.contains("use nonzero_sized"), "{msg}");
    let msg = equinox_testing::panics::panic_message(|| {
        jit(|x: &Array| jnp::unique(x))(&sample());
    });
    assert!(msg.contains("unique"), "{msg}");
}

#[test]
#[should_panic(expected = "diag: expected a 1-d or 2-d input, got shape (2, 2, 2)")]
fn diag_refuses_rank_3() {
    jnp::diag(&jnp::zeros([2, 2, 2]), 0);
}

#[test]
#[should_panic(expected = "rot90: the axes (1, -1) must be different")]
fn rot90_refuses_one_axis_twice() {
    jnp::rot90_axes(&jnp::zeros([2, 2]), 1, (1, -1));
}

#[test]
#[should_panic(expected = "cross: the vector axes must have size 2 or 3, got shapes (4,) and (3,)")]
fn cross_refuses_4_vectors() {
    jnp::cross(&jnp::zeros([4]), &jnp::zeros([3]));
}

#[test]
#[should_panic(expected = "insert: 3 indices do not match 2 values along axis 0")]
fn insert_refuses_mismatched_values() {
    jnp::insert_indices(&jnp::zeros([4]), &[0, 1, 2], &jnp::ones([2]), None);
}

#[test]
#[should_panic(expected = "delete: index 5 is out of bounds for axis 0 with size 4")]
fn delete_refuses_out_of_range() {
    jnp::delete_indices(&jnp::zeros([4]), &[5], None);
}

#[test]
#[should_panic(expected = "select: condlist must have length equal to choicelist (1 vs 2)")]
fn select_refuses_unequal_lists() {
    let c = jnp::full([2], true);
    let x = jnp::zeros([2]);
    jnp::select(&[&c], &[&x, &x], &Array::weak_scalar(0.0));
}

#[test]
#[should_panic(expected = "gcd: the arguments must be integers")]
fn gcd_refuses_floats() {
    jnp::gcd(&jnp::ones([2]), &jnp::ones([2]));
}

#[test]
#[should_panic(expected = "quantile: q must have rank <= 1, got shape (2, 2)")]
fn quantile_refuses_2d_q() {
    jnp::quantile(&jnp::ones([4]), &jnp::ones([2, 2]));
}

#[test]
#[should_panic(expected = "convolve: only 1-d inputs are supported, got shapes (2, 2) and (3,)")]
fn convolve_refuses_2d() {
    jnp::convolve(&jnp::ones([2, 2]), &jnp::ones([3]));
}

#[test]
#[should_panic(expected = "meshgrid: the arguments must be 1-d, got shape (2, 2)")]
fn meshgrid_refuses_2d() {
    jnp::meshgrid(&[&jnp::ones([3]), &jnp::ones([2, 2])]);
}

#[test]
fn array_methods_match_the_functions() {
    let x = sample();
    // Rows [0.5, -1, 2, 3.5], [-0.25, 1.5, 4, -2], [0, 2.5, -3, 1].
    assert_eq!(x.diagonal(1, 0, 1).to_vec::<f32>(), vec![-1.0, 4.0, 1.0]);
    assert_eq!(x.trace(0, 0, 1).item::<f32>(), -1.0);
    assert_eq!(x.ptp(1).to_vec::<f32>(), vec![4.5, 6.0, 5.5]);
    let nz = jnp::greater(&x, &Array::weak_scalar(2.0)).nonzero();
    assert_eq!(nz[0].to_vec::<i32>(), vec![0, 1, 2]);
    assert_eq!(nz[1].to_vec::<i32>(), vec![3, 2, 1]);
}

/// The sized forms of the later functions trace to fixed programs: under jit they give what
/// they give eagerly.
#[test]
fn later_sized_functions_trace_under_jit() {
    let x = sample();
    let s = f32s(&[3.0, 1.0, 4.0, 1.0, 5.0], &[5]);
    let f = |x: &Array| {
        let r = jnp::round(x).ravel();
        let cond = jnp::greater(&r, &Array::weak_scalar(0.0));
        let (mi, mj) = jnp::mask_indices_sized(3, jnp::triu, 0, 7);
        vec![
            jnp::intersect1d_sized(&r, &s, 4, None),
            jnp::setdiff1d_sized(&r, &s, 5, Some(-9.0)),
            jnp::setxor1d_sized(&r, &s, 6, None),
            jnp::union1d_sized(&r, &s, 9, None),
            jnp::unique_values_sized(&r, 4, Some(0.0)),
            jnp::unique_counts_sized(&r, 4, None).1,
            jnp::compress_sized(&cond, &r, None, 5, -1.0),
            jnp::extract_sized(&cond, &r, 3, 0.0),
            mi,
            mj,
            jnp::partition(x, 1, 1),
            jnp::argpartition(x, 2, 0),
            jnp::lexsort(&[&r, &jnp::abs(&r)], -1),
            jnp::place(x, &jnp::less(x, &Array::weak_scalar(0.0)), &s),
            jnp::put(x, &Array::from_vec(vec![0i32, -1, 5], [3]), &s),
            jnp::fill_diagonal(x, &s),
            jnp::choose_with(
                &jnp::greater(x, &Array::weak_scalar(1.0)).astype(DType::I32),
                &[x, &jnp::negative(x)],
                jnp::IndexMode::Wrap,
            ),
            jnp::unwrap(x),
            jnp::gradient(x).remove(1),
            jnp::histogramdd(&x.reshape([6, 2])).0,
            jnp::frexp(x).0,
            jnp::packbits(&cond),
            jnp::i0(x),
        ]
    };
    let eager = f(&x);
    let staged = jit(f)(&x);
    assert_eq!(eager.len(), staged.len());
    for (i, (e, s)) in eager.iter().zip(&staged).enumerate() {
        assert_eq!(e.shape(), s.shape(), "output {i}");
        assert_eq!(e.dtype(), s.dtype(), "output {i}");
        assert_eq!(values(e), values(s), "output {i}");
    }
    // round(x) is [0, -1, 2, 4, -0, 2, 4, -2, 0, 2, -3, 1]; with [3, 1, 4, 1, 5] the
    // intersection is [1, 4], padded with its smallest value.
    assert_eq!(staged[0].to_vec::<f32>(), vec![1.0, 4.0, 1.0, 1.0]);
    assert_eq!(staged[1].to_vec::<f32>(), vec![-3.0, -2.0, -1.0, 0.0, 2.0]);
}

#[test]
fn later_functions_batch_under_vmap() {
    let x = sample();
    // Row by row under vmap equals the whole-array forms along axis 1.
    let p = vmap(|r: &Array| jnp::partition(r, 1, -1))(&x);
    assert_eq!(p.to_vec::<f32>(), jnp::partition(&x, 1, 1).to_vec::<f32>());
    let c = vmap(|r: &Array| jnp::cumulative_sum(r))(&x);
    let want = jnp::cumulative_sum_with(
        &x,
        jnp::CumulativeOptions {
            axis: Some(1),
            include_initial: false,
        },
    );
    assert_eq!(c.to_vec::<f32>(), want.to_vec::<f32>());
    let u = vmap(|r: &Array| jnp::unique_values_sized(r, 3, Some(0.0)))(&jnp::round(&x));
    assert_eq!(u.shape(), &[3, 3]);
    let v = jnp::apply_along_axis(|r| jnp::polyval(r, &Array::scalar(2.0f32)), 1, &x);
    assert_eq!(v.shape(), &[3]);
    let direct: Vec<f32> = (0..3)
        .map(|i| {
            jnp::polyval(
                &jnp::index(&x, &[(i as i64).into()]),
                &Array::scalar(2.0f32),
            )
            .item()
        })
        .collect();
    assert_eq!(v.to_vec::<f32>(), direct);
}

#[test]
fn later_data_dependent_sizes_refuse_tracers() {
    type Case = (&'static str, Box<dyn Fn(&Array) -> Array>);
    let cases: Vec<Case> = vec![
        ("intersect1d_sized", Box::new(|x| jnp::intersect1d(x, x))),
        ("setdiff1d_sized", Box::new(|x| jnp::setdiff1d(x, x))),
        ("setxor1d_sized", Box::new(|x| jnp::setxor1d(x, x))),
        (
            "compress_sized",
            Box::new(|x| {
                jnp::compress(&jnp::greater(&x.ravel(), &Array::weak_scalar(0.0)), x, None)
            }),
        ),
        ("trim_zeros", Box::new(jnp::trim_zeros)),
        ("roots", Box::new(|x| jnp::roots(&x.ravel()))),
        (
            "mode='wrap'",
            Box::new(|x| jnp::choose(&x.astype(DType::I32), &[x])),
        ),
    ];
    for (want, f) in cases {
        let msg = equinox_testing::panics::panic_message(|| {
            jit(|x: &Array| f(x))(&sample());
        });
        assert!(msg.contains(want), "{want}: {msg}");
    }
}

#[test]
fn later_misuse_names_the_operation() {
    let msg = |f: &dyn Fn()| equinox_testing::panics::panic_message(f);
    let m = msg(&|| {
        jnp::split(&jnp::arange(5), 2, 0);
    });
    assert!(
        m.contains("split: array split does not result in an equal division: rest is 1"),
        "{m}"
    );
    let m = msg(&|| {
        jnp::cumulative_sum(&jnp::zeros([2, 2]));
    });
    assert!(
        m.contains("cumulative_sum: The input array has rank 2, however axis was not set"),
        "{m}"
    );
    let m = msg(&|| {
        jnp::choose(
            &Array::from_vec(vec![0i32, 2], [2]),
            &[&jnp::zeros([2]), &jnp::ones([2])],
        );
    });
    assert!(m.contains("choose: invalid entry in choice array"), "{m}");
    let m = msg(&|| {
        jnp::ravel_multi_index(&[&Array::from_vec(vec![3i32], [1])], &[3]);
    });
    assert!(
        m.contains("ravel_multi_index: invalid entry in coordinates array"),
        "{m}"
    );
    let m = msg(&|| {
        jnp::packbits(&jnp::zeros([3]));
    });
    assert!(
        m.contains("packbits: Expected an input array of integer or boolean data type"),
        "{m}"
    );
    let m = msg(&|| {
        jnp::block(&jnp::Block::from(vec![
            jnp::Block::from(vec![jnp::zeros([2])]),
            jnp::Block::from(jnp::zeros([2])),
        ]));
    });
    assert!(
        m.contains("block: Mismatched list depths in jax.numpy.block"),
        "{m}"
    );
    let m = msg(&|| {
        jnp::put_along_axis(
            &jnp::zeros([2, 2]),
            &Array::from_vec(vec![0i32], [1]),
            &Array::scalar(1.0f32),
            Some(1),
        );
    });
    assert!(
        m.contains("put_along_axis arguments 'arr' and 'indices' must have same ndim"),
        "{m}"
    );
}

#[test]
fn dtype_queries_follow_jax() {
    use jnp::{Casting, DTypeClass, DTypeKind};
    assert_eq!(jnp::promote_types(DType::U8, DType::I32), DType::I32);
    assert_eq!(jnp::promote_types(DType::BF16, DType::F16), DType::F32);
    assert!(jnp::can_cast(DType::Bool, DType::C64));
    assert!(!jnp::can_cast(DType::I64, DType::F32));
    assert!(jnp::can_cast_with(
        DType::F64,
        DType::F16,
        Casting::SameKind
    ));
    assert!(!jnp::can_cast_with(
        DType::F32,
        DType::I32,
        Casting::SameKind
    ));
    assert!(jnp::can_cast_with(DType::F32, DType::I32, Casting::Unsafe));
    assert!(!jnp::can_cast_with(DType::F32, DType::F64, Casting::No));
    assert!(jnp::isdtype(DType::U32, &[DTypeKind::Integral]));
    assert!(!jnp::isdtype(DType::C64, &[DTypeKind::RealFloating]));
    assert!(jnp::issubdtype(DType::C128, DTypeClass::Inexact));
    assert!(!jnp::issubdtype(DType::Bool, DTypeClass::Number));
    assert!(jnp::issubdtype(DType::I64, DType::I64));
    assert!(jnp::isrealobj(&jnp::zeros([2])));
    assert!(jnp::isscalar(&Array::scalar(1.0f32)));
    assert!(!jnp::isscalar(&jnp::zeros([1])));
    // sort_complex and roots return complex arrays of the input's precision.
    assert_eq!(jnp::sort_complex(&jnp::arange(3)).dtype(), DType::C64);
    assert_eq!(
        jnp::sort_complex(&jnp::zeros_dtype([2], DType::F64)).dtype(),
        DType::C128
    );
    assert_eq!(
        jnp::roots(&f32s(&[1.0, -3.0, 2.0], &[3])).dtype(),
        DType::C64
    );
}
