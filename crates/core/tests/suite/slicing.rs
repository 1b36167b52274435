//! `slice`, `dynamic_slice`, `dynamic_update_slice`, `pad`, `concatenate` and `iota` against
//! naive loops, on random shapes (including size-0/1 axes), every dtype and transposed inputs.
use crate::common;

use common::{random_array, ravel, unravel, Rng};
use equinox_core::prims::iota::IotaOp;
use equinox_core::prims::slicing::SlicingOp;
use equinox_core::prims::{bind1, PrimitiveRule};
use equinox_core::{lax, numpy as jnp, Array, DType, ShapeDtype, ALL_DTYPES};

/// A random array of `shape`, built as the transpose of a random array so kernels see data
/// that went through a layout change.
fn transposed_input(rng: &mut Rng, shape: &[usize], dtype: DType) -> Array {
    let rev: Vec<usize> = shape.iter().rev().copied().collect();
    random_array(rng, &rev, dtype).t()
}

fn idx_scalar(v: i64, dtype: DType) -> Array {
    Array::scalar(v).astype(dtype)
}

#[test]
fn slice_matches_naive_loops() {
    let mut rng = Rng::new(10);
    for (t, &dtype) in ALL_DTYPES.iter().cycle().take(60).enumerate() {
        let nd = t % 4;
        let shape = rng.shape(nd, 5);
        let x = transposed_input(&mut rng, &shape, dtype);
        let start: Vec<usize> = shape
            .iter()
            .map(|&d| rng.range(0, d as i64 + 1) as usize)
            .collect();
        let limit: Vec<usize> = shape
            .iter()
            .zip(&start)
            .map(|(&d, &s)| rng.range(s as i64, d as i64 + 1) as usize)
            .collect();
        let strides: Vec<usize> = (0..nd).map(|_| rng.range(1, 4) as usize).collect();
        let y = lax::slice(&x, &start, &limit, Some(&strides));
        let out_shape: Vec<usize> = (0..nd)
            .map(|i| (limit[i] - start[i]).div_ceil(strides[i]))
            .collect();
        assert_eq!(y.shape(), &out_shape[..]);
        assert_eq!(y.dtype(), dtype);
        let xv = x.to_vec::<f64>();
        let want: Vec<f64> = (0..y.size())
            .map(|f| {
                let o = unravel(f, &out_shape);
                let i: Vec<usize> = (0..nd).map(|a| start[a] + o[a] * strides[a]).collect();
                xv[ravel(&i, &shape)]
            })
            .collect();
        assert_eq!(
            y.to_vec::<f64>(),
            want,
            "slice {shape:?} {start:?} {limit:?} {strides:?}"
        );
    }
}

#[test]
fn dynamic_slice_clamps_like_xla() {
    let mut rng = Rng::new(11);
    for (t, &dtype) in ALL_DTYPES.iter().cycle().take(60).enumerate() {
        let nd = 1 + t % 3;
        let shape = rng.shape(nd, 5);
        let x = transposed_input(&mut rng, &shape, dtype);
        let sizes: Vec<usize> = shape
            .iter()
            .map(|&d| rng.range(0, d as i64 + 1) as usize)
            .collect();
        let raw: Vec<i64> = shape.iter().map(|&d| rng.range(-1, d as i64 + 3)).collect();
        let idx_dtype = [DType::I32, DType::I64, DType::U32, DType::U8][t % 4];
        let raw: Vec<i64> = if idx_dtype.is_unsigned_integer() {
            raw.iter().map(|&v| v.max(0)).collect()
        } else {
            raw
        };
        let idx: Vec<Array> = raw.iter().map(|&v| idx_scalar(v, idx_dtype)).collect();
        let mut args = vec![&x];
        args.extend(idx.iter());
        let y = bind1(
            SlicingOp::DynamicSlice {
                slice_sizes: sizes.iter().copied().collect(),
            },
            &args,
        );
        assert_eq!(y.shape(), &sizes[..]);
        let starts: Vec<usize> = (0..nd)
            .map(|a| raw[a].clamp(0, (shape[a] - sizes[a]) as i64) as usize)
            .collect();
        let xv = x.to_vec::<f64>();
        let want: Vec<f64> = (0..y.size())
            .map(|f| {
                let o = unravel(f, &sizes);
                let i: Vec<usize> = (0..nd).map(|a| starts[a] + o[a]).collect();
                xv[ravel(&i, &shape)]
            })
            .collect();
        assert_eq!(
            y.to_vec::<f64>(),
            want,
            "dynamic_slice {shape:?} at {raw:?}"
        );
    }
}

#[test]
fn dynamic_update_slice_clamps_like_xla() {
    let mut rng = Rng::new(12);
    for (t, &dtype) in ALL_DTYPES.iter().cycle().take(60).enumerate() {
        let nd = t % 4;
        let shape = rng.shape(nd, 5);
        let x = transposed_input(&mut rng, &shape, dtype);
        let ushape: Vec<usize> = shape
            .iter()
            .map(|&d| rng.range(0, d as i64 + 1) as usize)
            .collect();
        let u = transposed_input(&mut rng, &ushape, dtype);
        let raw: Vec<i64> = shape.iter().map(|&d| rng.range(-2, d as i64 + 3)).collect();
        let idx: Vec<Array> = raw.iter().map(|&v| idx_scalar(v, DType::I32)).collect();
        let mut args = vec![&x, &u];
        args.extend(idx.iter());
        let y = bind1(SlicingOp::DynamicUpdateSlice, &args);
        let starts: Vec<usize> = (0..nd)
            .map(|a| raw[a].clamp(0, (shape[a] - ushape[a]) as i64) as usize)
            .collect();
        let mut want = x.to_vec::<f64>();
        let uv = u.to_vec::<f64>();
        for (f, &v) in uv.iter().enumerate() {
            let o = unravel(f, &ushape);
            let i: Vec<usize> = (0..nd).map(|a| starts[a] + o[a]).collect();
            want[ravel(&i, &shape)] = v;
        }
        assert_eq!(y.shape(), &shape[..]);
        assert_eq!(
            y.to_vec::<f64>(),
            want,
            "dynamic_update_slice {shape:?} {ushape:?} at {raw:?}"
        );
    }
}

#[test]
fn lax_dynamic_slice_counts_negative_starts_from_the_end() {
    let x = jnp::arange(10);
    let y = lax::dynamic_slice(&x, &[Array::from(-3)], &[4]);
    // -3 -> 7, then clamped to 6 so the window fits (JAX gives [6 7 8 9]).
    assert_eq!(y.to_vec::<i32>(), vec![6, 7, 8, 9]);
    let z = lax::dynamic_update_slice(&x, &jnp::full([3], 100i32), &[Array::from(-2)]);
    assert_eq!(z.to_vec::<i32>(), vec![0, 1, 2, 3, 4, 5, 6, 100, 100, 100]);
    let w = lax::dynamic_slice_in_dim(&x.reshape([2, 5]), &Array::from(1i64), 2, 1);
    assert_eq!(w.to_vec::<i32>(), vec![1, 2, 6, 7]);
}

#[test]
fn pad_matches_naive_loops_including_negative_padding() {
    let mut rng = Rng::new(13);
    for (t, &dtype) in ALL_DTYPES.iter().cycle().take(80).enumerate() {
        let nd = t % 4;
        let shape = rng.shape(nd, 4);
        let x = transposed_input(&mut rng, &shape, dtype);
        let value = random_array(&mut rng, &[], dtype);
        // Draw configs until the output sizes are valid (non-negative).
        let config: Vec<(i64, i64, i64)> = shape
            .iter()
            .map(|&d| loop {
                let c = (rng.range(-3, 4), rng.range(-3, 4), rng.range(0, 3));
                let d = d as i64;
                if c.0 + c.1 + d + (d - 1).max(0) * c.2 >= 0 {
                    break c;
                }
            })
            .collect();
        let y = lax::pad(&x, &value, &config);
        let out_shape: Vec<usize> = shape
            .iter()
            .zip(&config)
            .map(|(&d, c)| {
                let d = d as i64;
                (c.0 + c.1 + d + (d - 1).max(0) * c.2) as usize
            })
            .collect();
        assert_eq!(y.shape(), &out_shape[..], "pad {shape:?} {config:?}");
        let mut want = vec![value.item::<f64>(); y.size()];
        let xv = x.to_vec::<f64>();
        for (f, &v) in xv.iter().enumerate() {
            let i = unravel(f, &shape);
            let o: Vec<i64> = (0..nd)
                .map(|a| config[a].0 + i[a] as i64 * (config[a].2 + 1))
                .collect();
            if o.iter()
                .zip(&out_shape)
                .all(|(&p, &d)| p >= 0 && (p as usize) < d)
            {
                let o: Vec<usize> = o.iter().map(|&p| p as usize).collect();
                want[ravel(&o, &out_shape)] = v;
            }
        }
        assert_eq!(y.to_vec::<f64>(), want, "pad {shape:?} {config:?}");
    }
}

#[test]
fn concatenate_matches_naive_loops() {
    let mut rng = Rng::new(14);
    for (t, &dtype) in ALL_DTYPES.iter().cycle().take(45).enumerate() {
        let nd = 1 + t % 3;
        let base = rng.shape(nd, 4);
        let dim = rng.range(0, nd as i64) as usize;
        let n = rng.range(1, 4) as usize;
        let parts: Vec<Array> = (0..n)
            .map(|_| {
                let mut s = base.clone();
                s[dim] = rng.range(0, 4) as usize;
                transposed_input(&mut rng, &s, dtype)
            })
            .collect();
        let refs: Vec<&Array> = parts.iter().collect();
        let y = lax::concatenate(&refs, dim);
        let mut out_shape = base.clone();
        out_shape[dim] = parts.iter().map(|p| p.shape()[dim]).sum();
        assert_eq!(y.shape(), &out_shape[..]);
        let vals: Vec<Vec<f64>> = parts.iter().map(|p| p.to_vec::<f64>()).collect();
        let want: Vec<f64> = (0..y.size())
            .map(|f| {
                let mut i = unravel(f, &out_shape);
                let mut k = 0;
                while i[dim] >= parts[k].shape()[dim] {
                    i[dim] -= parts[k].shape()[dim];
                    k += 1;
                }
                vals[k][ravel(&i, parts[k].shape())]
            })
            .collect();
        assert_eq!(y.to_vec::<f64>(), want);
    }
}

#[test]
fn iota_holds_positions_along_its_dimension() {
    let mut rng = Rng::new(15);
    for (t, &dtype) in ALL_DTYPES[1..].iter().cycle().take(24).enumerate() {
        let nd = 1 + t % 3;
        let shape = rng.shape(nd, 5);
        let dim = rng.range(0, nd as i64) as usize;
        let y = lax::broadcasted_iota(dtype, shape.clone(), dim);
        assert_eq!(y.dtype(), dtype);
        let want: Vec<f64> = (0..y.size())
            .map(|f| unravel(f, &shape)[dim] as f64)
            .collect();
        assert_eq!(y.to_vec::<f64>(), want);
    }
    assert_eq!(
        lax::iota(DType::F32, 4).to_vec::<f32>(),
        vec![0.0, 1.0, 2.0, 3.0]
    );
}

#[test]
fn shape_rules_report_result_avals() {
    let x = ShapeDtype::new([4, 6], DType::BF16).with_weak(true);
    let out = SlicingOp::Slice {
        start_indices: [1, 0].into_iter().collect(),
        limit_indices: [4, 6].into_iter().collect(),
        strides: [2, 4].into_iter().collect(),
    }
    .abstract_eval(&[&x]);
    assert_eq!(out[0], ShapeDtype::new([2, 2], DType::BF16).with_weak(true));
    let iota = IotaOp {
        dtype: DType::U8,
        shape: [2, 3].into(),
        dimension: 1,
    };
    assert_eq!(iota.name(), "iota");
    assert_eq!(
        iota.abstract_eval(&[])[0],
        ShapeDtype::new([2, 3], DType::U8)
    );
}

#[test]
#[should_panic(
    expected = "slice: invalid bounds: slice limit_indices must be less than or equal to operand shape, got limit_indices (3, 5) for operand shape (3, 4)"
)]
fn slice_rejects_limits_past_the_end() {
    lax::slice(&jnp::zeros([3, 4]), &[0, 0], &[3, 5], None);
}

#[test]
#[should_panic(
    expected = "slice: invalid bounds: slice limit_indices must be greater than or equal to start_indices, got start_indices (2,) and limit_indices (1,)"
)]
fn slice_rejects_start_after_limit() {
    lax::slice(&jnp::zeros([3]), &[2], &[1], None);
}

#[test]
#[should_panic(expected = "slice: invalid bounds: slice strides must be positive, got (0,)")]
fn slice_rejects_zero_stride() {
    lax::slice(&jnp::zeros([3]), &[0], &[3], Some(&[0]));
}

#[test]
#[should_panic(expected = "dynamic_slice: expected one start index per axis")]
fn dynamic_slice_needs_one_index_per_axis() {
    lax::dynamic_slice(&jnp::zeros([3, 4]), &[Array::from(0)], &[1, 1]);
}

#[test]
#[should_panic(expected = "dynamic_slice: start indices must be 0-d integers")]
fn dynamic_slice_rejects_float_indices() {
    let x = jnp::zeros([3]);
    bind1(
        SlicingOp::DynamicSlice {
            slice_sizes: [1].into_iter().collect(),
        },
        &[&x, &Array::from(1.0f32)],
    );
}

#[test]
#[should_panic(
    expected = "dynamic_slice: slice slice_sizes must be less than or equal to operand shape, got slice_sizes (4,) for operand shape (3,)"
)]
fn dynamic_slice_rejects_oversized_windows() {
    lax::dynamic_slice(&jnp::zeros([3]), &[Array::from(0)], &[4]);
}

#[test]
#[should_panic(
    expected = "dynamic_update_slice update shape must be smaller than operand shape, got update shape (4,) for operand shape (3,)"
)]
fn dynamic_update_slice_rejects_larger_updates() {
    lax::dynamic_update_slice(&jnp::zeros([3]), &jnp::zeros([4]), &[Array::from(0)]);
}

#[test]
#[should_panic(expected = "pad: the padding value must be 0-d with the operand's dtype")]
fn pad_rejects_mismatched_padding_value() {
    lax::pad(&jnp::zeros([3]), &Array::from(0i32), &[(1, 1, 0)]);
}

#[test]
#[should_panic(expected = "pad: padding_config [(-3, 0, 0)] gives negative sizes")]
fn pad_rejects_negative_results() {
    lax::pad(&jnp::zeros([2]), &Array::from(0.0f32), &[(-3, 0, 0)]);
}

#[test]
#[should_panic(
    expected = "concatenate: operands must share dtype, rank and every size except along dimension 0: Cannot concatenate arrays with shapes that differ in dimensions other than the one being concatenated: concatenating along dimension 0 for shapes (2, 3), (2, 4)"
)]
fn concatenate_rejects_mismatched_shapes() {
    lax::concatenate(&[&jnp::zeros([2, 3]), &jnp::zeros([2, 4])], 0);
}

#[test]
#[should_panic(expected = "iota: dimension 2 is out of range for shape (2, 3)")]
fn iota_rejects_bad_dimension() {
    lax::broadcasted_iota(DType::I32, [2, 3], 2);
}
