//! `conv_general_dilated`: XLA's N-dimensional convolution (strides, explicit and negative
//! padding, input and kernel dilation, feature and batch groups, arbitrary layouts).
//!
//! The CPU implementation canonicalises to `(N, C, spatial...)` / `(O, I, spatial...)`, builds
//! the patch matrix of each (batch, group) pair (im2col) and multiplies it by the kernel with
//! `gemm`; pairs run in parallel.

use super::dot_general::{compute_dtype, convert_storage, product_dtype};
use super::layout::{Axes, LayoutOp};
use super::{bind1, describe, expect_arity, rules, LinearArg, PrimitiveRule};
use crate::array::{Array, ArrayElement, DType, Shape, ShapeDtype};
use crate::backend::cpu::matmul::{max_threads, MatRef, MatmulElement, PARALLEL_MATMUL_THRESHOLD};
use crate::backend::cpu::strided::{row_major_strides, strided_copy};
use crate::backend::cpu::PARALLEL_THRESHOLD;
use crate::jaxpr::stablehlo::{i64_array, int_list, LoweringContext, LoweringError, Value};
use rayon::prelude::*;
use smallvec::SmallVec;

/// Low and high padding of each spatial axis (negative values crop).
pub type Padding = SmallVec<[(i64, i64); 4]>;

/// Where the batch, feature and spatial axes of each operand are, as JAX's
/// `ConvDimensionNumbers`: `lhs_spec = (batch, feature, spatial...)`,
/// `rhs_spec = (out feature, in feature, spatial...)`, `out_spec = (batch, feature, spatial...)`,
/// each listing axis indices of the corresponding array.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ConvDimensionNumbers {
    /// Axes of the input: batch, feature, then spatial axes.
    pub lhs_spec: Axes,
    /// Axes of the kernel: output feature, input feature, then spatial axes.
    pub rhs_spec: Axes,
    /// Axes of the output: batch, feature, then spatial axes.
    pub out_spec: Axes,
}

impl ConvDimensionNumbers {
    /// The default layout for `rank`-dimensional operands: `NC...`, `OI...`, `NC...`
    /// (identity permutations), what `lax.conv` uses.
    pub fn default_for_rank(rank: usize) -> ConvDimensionNumbers {
        let id: Axes = (0..rank).collect();
        ConvDimensionNumbers {
            lhs_spec: id.clone(),
            rhs_spec: id.clone(),
            out_spec: id,
        }
    }
}

/// The `conv_general_dilated` primitive.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ConvGeneralDilated {
    /// Stride of the window along each spatial axis (≥ 1).
    pub window_strides: Axes,
    /// `(low, high)` padding of each spatial axis of the (dilated) input.
    pub padding: Padding,
    /// Input dilation (≥ 1): `d - 1` zeros between input elements (transposed convolution).
    pub lhs_dilation: Axes,
    /// Kernel dilation (≥ 1; atrous convolution).
    pub rhs_dilation: Axes,
    /// The operands' layouts.
    pub dimension_numbers: ConvDimensionNumbers,
    /// Number of groups the input features are split into (1 = dense).
    pub feature_group_count: usize,
    /// Number of groups the batch is split into (used by the kernel gradient).
    pub batch_group_count: usize,
    /// The output dtype; `None` keeps the operand dtype.
    pub preferred_element_type: Option<DType>,
}

/// `max(0, 1 + d·(n - 1))`: the size of an axis of `n` elements with `d - 1` gaps between them.
pub(crate) fn dilate_dim(n: usize, d: usize) -> usize {
    if n == 0 {
        0
    } else {
        1 + d * (n - 1)
    }
}

/// `max(0, (size - window) / stride + 1)` with floor division: the number of window positions.
pub(crate) fn stride_dim(size: i64, window: i64, stride: i64) -> usize {
    if size < window {
        0
    } else {
        ((size - window) / stride + 1) as usize
    }
}

fn is_permutation(p: &[usize], n: usize) -> bool {
    p.len() == n && (0..n).all(|i| p.contains(&i))
}

/// Geometry of a convolution in canonical `(N, C, spatial...)` order.
struct Geometry {
    n: usize,
    c: usize,
    o: usize,
    i: usize,
    in_sp: Vec<usize>,
    k_sp: Vec<usize>,
    out_sp: Vec<usize>,
}

impl ConvGeneralDilated {
    fn geometry(&self, args: &[&ShapeDtype]) -> Geometry {
        let (lhs, rhs) = (args[0], args[1]);
        let dn = &self.dimension_numbers;
        let fail = |why: String| -> ! {
            panic!(
                "conv_general_dilated: {why}; operands {}, window_strides {:?}, padding {:?}, \
                 lhs_dilation {:?}, rhs_dilation {:?}, dimension_numbers {:?}, \
                 feature_group_count {}, batch_group_count {}",
                describe(args),
                self.window_strides.as_slice(),
                self.padding.as_slice(),
                self.lhs_dilation.as_slice(),
                self.rhs_dilation.as_slice(),
                dn,
                self.feature_group_count,
                self.batch_group_count
            )
        };
        let rank = lhs.ndim();
        if rhs.ndim() != rank {
            fail(format!(
                "convolution requires lhs and rhs ndim to be equal, got {rank} and {}",
                rhs.ndim()
            ));
        }
        if rank < 2 {
            fail("lhs and rhs must have the same rank, at least 2".into());
        }
        for (name, spec) in [
            ("lhs_spec", &dn.lhs_spec),
            ("rhs_spec", &dn.rhs_spec),
            ("out_spec", &dn.out_spec),
        ] {
            if !is_permutation(spec, rank) {
                fail(format!("{name} must be a permutation of 0..{rank}"));
            }
        }
        let ns = rank - 2;
        if self.window_strides.len() != ns
            || self.padding.len() != ns
            || self.lhs_dilation.len() != ns
            || self.rhs_dilation.len() != ns
        {
            fail(format!(
                "window_strides, padding, lhs_dilation and rhs_dilation need one entry per \
                 spatial axis ({ns})"
            ));
        }
        if self
            .window_strides
            .iter()
            .chain(&self.lhs_dilation)
            .chain(&self.rhs_dilation)
            .any(|&s| s == 0)
        {
            fail("strides and dilations must be at least 1".into());
        }
        let (fgc, bgc) = (self.feature_group_count, self.batch_group_count);
        if fgc == 0 || bgc == 0 {
            fail("feature_group_count and batch_group_count must be at least 1".into());
        }
        if fgc > 1 && bgc > 1 {
            fail("at most one of feature_group_count and batch_group_count may exceed 1".into());
        }
        if lhs.dtype != rhs.dtype {
            fail("lhs and rhs must have the same dtype".into());
        }
        if lhs.dtype.is_bool() {
            fail("bool operands are not supported".into());
        }
        let n = lhs.shape[dn.lhs_spec[0]];
        let c = lhs.shape[dn.lhs_spec[1]];
        let o = rhs.shape[dn.rhs_spec[0]];
        let i = rhs.shape[dn.rhs_spec[1]];
        if c % fgc != 0 || c / fgc != i {
            fail(format!(
                "the lhs feature size {c} divided by feature_group_count {fgc} must equal the \
                 rhs input feature size {i}"
            ));
        }
        if o % fgc != 0 || o % bgc != 0 {
            fail(format!(
                "the rhs output feature size {o} must be a multiple of feature_group_count and \
                 batch_group_count"
            ));
        }
        if n % bgc != 0 {
            fail(format!(
                "batch_group_count {bgc} must divide the lhs batch size {n}"
            ));
        }
        let in_sp: Vec<usize> = dn.lhs_spec[2..].iter().map(|&a| lhs.shape[a]).collect();
        let k_sp: Vec<usize> = dn.rhs_spec[2..].iter().map(|&a| rhs.shape[a]).collect();
        let out_sp: Vec<usize> = (0..ns)
            .map(|d| {
                let (lo, hi) = self.padding[d];
                let padded = dilate_dim(in_sp[d], self.lhs_dilation[d]) as i64 + lo + hi;
                if padded < 0 {
                    fail(format!(
                        "negative padding {:?} is larger than spatial axis {d} of the input",
                        self.padding[d]
                    ));
                }
                let window = dilate_dim(k_sp[d], self.rhs_dilation[d]) as i64;
                stride_dim(padded, window, self.window_strides[d] as i64)
            })
            .collect();
        Geometry {
            n,
            c,
            o,
            i,
            in_sp,
            k_sp,
            out_sp,
        }
    }
}

impl PrimitiveRule for ConvGeneralDilated {
    fn lower(
        &self,
        cx: &mut LoweringContext,
        args: &[Value],
        out: &[ShapeDtype],
    ) -> Result<Vec<Value>, LoweringError> {
        let dn = &self.dimension_numbers;
        let list = |a: &[usize]| int_list(a.iter().map(|&d| d as i64));
        let ints = |a: &[usize]| i64_array(a.iter().map(|&d| d as i64));
        let spatial = dn.lhs_spec.len() - 2;
        let padding = if spatial == 0 {
            "dense<> : tensor<0x2xi64>".to_string()
        } else {
            let rows: Vec<String> = self
                .padding
                .iter()
                .map(|(lo, hi)| format!("[{lo}, {hi}]"))
                .collect();
            format!("dense<[{}]> : tensor<{spatial}x2xi64>", rows.join(", "))
        };
        let attrs = format!(
            "dimension_numbers = #stablehlo.conv<raw input_batch_dimension = {}, \
             input_feature_dimension = {}, input_spatial_dimensions = {}, \
             kernel_input_feature_dimension = {}, kernel_output_feature_dimension = {}, \
             kernel_spatial_dimensions = {}, output_batch_dimension = {}, \
             output_feature_dimension = {}, output_spatial_dimensions = {}>, \
             window_strides = {}, padding = {padding}, lhs_dilation = {}, rhs_dilation = {}, \
             feature_group_count = {} : i64, batch_group_count = {} : i64",
            dn.lhs_spec[0],
            dn.lhs_spec[1],
            list(&dn.lhs_spec[2..]),
            dn.rhs_spec[1],
            dn.rhs_spec[0],
            list(&dn.rhs_spec[2..]),
            dn.out_spec[0],
            dn.out_spec[1],
            list(&dn.out_spec[2..]),
            ints(&self.window_strides),
            ints(&self.lhs_dilation),
            ints(&self.rhs_dilation),
            self.feature_group_count,
            self.batch_group_count,
        );
        let out = ShapeDtype::new(out[0].shape.clone(), out[0].dtype);
        Ok(vec![cx.op(
            "stablehlo.convolution",
            &[&args[0], &args[1]],
            &attrs,
            &out,
        )])
    }

    fn name(&self) -> &'static str {
        "conv_general_dilated"
    }

    fn abstract_eval(&self, args: &[&ShapeDtype]) -> Vec<ShapeDtype> {
        expect_arity("conv_general_dilated", args, 2);
        let g = self.geometry(args);
        let dtype = product_dtype(
            "conv_general_dilated",
            args[0].dtype,
            self.preferred_element_type,
            args,
        );
        let canon: Vec<usize> = [g.n / self.batch_group_count, g.o]
            .into_iter()
            .chain(g.out_sp.iter().copied())
            .collect();
        let mut shape = Shape(SmallVec::from_elem(0, canon.len()));
        for (j, &a) in self.dimension_numbers.out_spec.iter().enumerate() {
            shape[a] = canon[j];
        }
        let weak = args[0].weak_type && args[1].weak_type && self.preferred_element_type.is_none();
        vec![ShapeDtype::new(shape, dtype).with_weak(weak)]
    }

    fn eval(&self, args: &[&Array], out: &[ShapeDtype]) -> Vec<Array> {
        let (lhs, rhs) = (args[0], args[1]);
        let g = self.geometry(&[lhs.aval(), rhs.aval()]);
        let out_dtype = out[0].dtype;
        let cdt = compute_dtype(lhs.dtype(), out_dtype);
        let dn = &self.dimension_numbers;
        let lhs_c = convert_storage(lhs, cdt);
        let rhs_c = convert_storage(rhs, cdt);
        let storage = crate::with_dtype!(cdt, T => {
            let (x, w) = (T::slice(&lhs_c).expect("compute dtype"), T::slice(&rhs_c).expect("compute dtype"));
            // Summing over input channels reads whole planes, which need no copy into the
            // canonical layout when the spatial axes are already last and in order.
            let planes = self
                .sums_over_input_channels::<T>(&g)
                .then(|| plane_strides(lhs.shape(), &dn.lhs_spec).zip(plane_strides(rhs.shape(), &dn.rhs_spec)))
                .flatten();
            let canon = match planes {
                Some((x_planes, w_planes)) => self.conv_canonical::<T>(x, w, &g, Planes { x: x_planes, w: w_planes }),
                None => {
                    let x = to_canonical(x, lhs.shape(), &dn.lhs_spec);
                    let w = to_canonical(w, rhs.shape(), &dn.rhs_spec);
                    self.conv_canonical::<T>(&x, &w, &g, Planes::canonical(&g))
                }
            };
            T::into_storage(from_canonical(canon, &out[0].shape, &dn.out_spec))
        });
        let storage = if cdt == out_dtype {
            storage
        } else {
            convert_storage(
                &Array::from_storage(storage, out[0].shape.clone()),
                out_dtype,
            )
            .into_owned()
        };
        vec![Array::from_storage(storage, out[0].shape.clone()).with_weak_type(out[0].weak_type)]
    }

    fn jvp(
        &self,
        primals: &[&Array],
        tangents: &[Option<&Array>],
    ) -> (Vec<Array>, Vec<Option<Array>>) {
        rules::bilinear_jvp(self.clone(), primals, tangents)
    }

    fn transpose(&self, cts: &[Option<&Array>], args: &[LinearArg]) -> Vec<Option<Array>> {
        let g = cts[0].expect("one output");
        match (args[0], args[1]) {
            (LinearArg::Linear(_), LinearArg::Linear(_)) => {
                rules::not_linear("conv_general_dilated of two tangents")
            }
            (LinearArg::Linear(lhs), LinearArg::Known(rhs)) => {
                vec![Some(self.transpose_lhs(g, lhs, rhs)), None]
            }
            (LinearArg::Known(lhs), LinearArg::Linear(rhs)) => {
                vec![None, Some(self.transpose_rhs(g, lhs, rhs))]
            }
            (LinearArg::Known(_), LinearArg::Known(_)) => vec![None, None],
        }
    }

    fn batch(
        &self,
        args: &[&Array],
        dims: &[Option<usize>],
        axis_size: usize,
    ) -> (Vec<Array>, Vec<Option<usize>>) {
        let (lhs, rhs) = (args[0], args[1]);
        let dn = &self.dimension_numbers;
        let (fgc, bgc) = (self.feature_group_count, self.batch_group_count);
        let b = axis_size;
        if b == 0 {
            // Folding a size-0 axis into another loses that axis' size: build the empty result
            // from the per-example shape instead.
            let unbatched = |x: &Array, d: Option<usize>| {
                let mut s = x.aval().clone();
                if let Some(d) = d {
                    let mut shape = s.shape.to_vec();
                    shape.remove(d);
                    s.shape = shape.into();
                }
                s
            };
            let (l, r) = (unbatched(lhs, dims[0]), unbatched(rhs, dims[1]));
            let mut out = self.abstract_eval(&[&l, &r]).remove(0);
            let mut shape = vec![0];
            shape.extend_from_slice(&out.shape);
            out.shape = shape.into();
            return (vec![rules::zeros(&out)], vec![Some(0)]);
        }
        let with_groups = |f: usize, g: usize| ConvGeneralDilated {
            feature_group_count: f,
            batch_group_count: g,
            ..self.clone()
        };
        match (dims[0], dims[1]) {
            (Some(lb), Some(rb)) => {
                // Each lane is a group: lanes go into the lhs features (or batch, for batch
                // groups) and the rhs output features.
                let (new_lhs, prim) = if bgc > 1 {
                    (
                        reshape_axis_into(lb, dn.lhs_spec[0], lhs),
                        with_groups(fgc, bgc * b),
                    )
                } else {
                    (
                        reshape_axis_into(lb, dn.lhs_spec[1], lhs),
                        with_groups(fgc * b, bgc),
                    )
                };
                let new_rhs = reshape_axis_into(rb, dn.rhs_spec[0], rhs);
                let out = bind1(prim, &[&new_lhs, &new_rhs]);
                let out = reshape_axis_out_of(dn.out_spec[1], b, &out);
                (vec![out], vec![Some(dn.out_spec[1])])
            }
            (Some(lb), None) => {
                // Lanes become more batch elements of the lhs.
                let ls0 = dn.lhs_spec[0];
                let new_lhs = if bgc == 1 {
                    reshape_axis_into(lb, ls0, lhs)
                } else {
                    // Keep the batch groups outermost: split them off, fold the lanes in
                    // below them, and merge back.
                    let x = reshape_axis_out_of(ls0 + usize::from(lb <= ls0), bgc, lhs);
                    let x = reshape_axis_into(lb + usize::from(ls0 < lb), ls0 + 1, &x);
                    reshape_axis_into(ls0, ls0, &x)
                };
                let out = bind1(self.clone(), &[&new_lhs, rhs]);
                let out = reshape_axis_out_of(dn.out_spec[0], b, &out);
                (vec![out], vec![Some(dn.out_spec[0])])
            }
            (None, Some(rb)) => {
                // Lanes become more output features of the rhs.
                let rs0 = dn.rhs_spec[0];
                let os1 = dn.out_spec[1];
                if fgc == 1 && bgc == 1 {
                    let new_rhs = reshape_axis_into(rb, rs0, rhs);
                    let out = bind1(self.clone(), &[lhs, &new_rhs]);
                    let out = reshape_axis_out_of(os1, b, &out);
                    (vec![out], vec![Some(os1)])
                } else {
                    let groups = if fgc > 1 { fgc } else { bgc };
                    let w = reshape_axis_out_of(rs0 + usize::from(rb <= rs0), groups, rhs);
                    let w = reshape_axis_into(rb + usize::from(rs0 < rb), rs0 + 1, &w);
                    let new_rhs = reshape_axis_into(rs0, rs0, &w);
                    let out = bind1(self.clone(), &[lhs, &new_rhs]);
                    let out = reshape_axis_out_of(os1, groups, &out);
                    let out = reshape_axis_out_of(os1 + 1, b, &out);
                    let out = reshape_axis_into(os1, os1 + 1, &out);
                    (vec![out], vec![Some(os1)])
                }
            }
            (None, None) => unreachable!("a batching rule gets at least one batched operand"),
        }
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        let dn = &self.dimension_numbers;
        let pads: Vec<String> = self
            .padding
            .iter()
            .map(|(lo, hi)| format!("({lo}, {hi})"))
            .collect();
        let opt_dtype = |d: Option<DType>| d.map_or("None".to_string(), |d| d.name().to_string());
        vec![
            ("batch_group_count", self.batch_group_count.to_string()),
            (
                "dimension_numbers",
                format!(
                    "ConvDimensionNumbers(lhs_spec={}, rhs_spec={}, out_spec={})",
                    rules::py_tuple(&dn.lhs_spec),
                    rules::py_tuple(&dn.rhs_spec),
                    rules::py_tuple(&dn.out_spec)
                ),
            ),
            ("feature_group_count", self.feature_group_count.to_string()),
            ("lhs_dilation", rules::py_tuple(&self.lhs_dilation)),
            ("out_sharding", "None".into()),
            ("padding", rules::py_tuple(&pads)),
            ("precision", "None".into()),
            (
                "preferred_element_type",
                opt_dtype(self.preferred_element_type),
            ),
            ("rhs_dilation", rules::py_tuple(&self.rhs_dilation)),
            ("window_strides", rules::py_tuple(&self.window_strides)),
        ]
    }
}

/// Moves axis `src` of `x` next to axis `dst` (numbered with `src` removed) and merges the two,
/// `src` outermost (JAX's `_reshape_axis_into`).
pub(crate) fn reshape_axis_into(src: usize, dst: usize, x: &Array) -> Array {
    let mut perm: Vec<usize> = (0..x.ndim()).filter(|&i| i != src).collect();
    perm.insert(dst, src);
    let mut shape: Vec<usize> = x.shape().to_vec();
    let n = shape.remove(src);
    shape[dst] *= n;
    rules::reshape(&rules::transpose(x, &perm), &shape)
}

/// Splits axis `src` of `x` into `(size1, rest)` (JAX's `_reshape_axis_out_of`).
pub(crate) fn reshape_axis_out_of(src: usize, size1: usize, x: &Array) -> Array {
    let mut shape: Vec<usize> = x.shape().to_vec();
    let n = shape[src];
    debug_assert_eq!(
        n % size1,
        0,
        "reshape_axis_out_of: {n} is not a multiple of {size1}"
    );
    shape.splice(src..=src, [size1, n / size1]);
    rules::reshape(x, &shape)
}

/// `(out spatial, ...)` etc. of a spec: the spatial axes (`spec[2..]`) picked from `shape`.
fn spatial(shape: &[usize], spec: &[usize]) -> Vec<i64> {
    spec[2..].iter().map(|&a| shape[a] as i64).collect()
}

/// The size of axes of sizes `shape` dilated by `d` (0 stays 0).
fn dilate_all(shape: &[i64], d: &[usize]) -> Vec<i64> {
    shape
        .iter()
        .zip(d)
        .map(|(&n, &d)| dilate_dim(n as usize, d) as i64)
        .collect()
}

/// Swaps the first two entries of a spec (JAX's `_conv_spec_transpose`).
fn spec_transpose(spec: &Axes) -> Axes {
    let mut s = spec.clone();
    s.swap(0, 1);
    s
}

impl ConvGeneralDilated {
    /// JAX's `_conv_general_dilated_transpose_lhs`: a convolution of the cotangent with the
    /// flipped kernel, input dilation and strides exchanged, and the padding that makes the
    /// result the input's size.
    fn transpose_lhs(&self, g: &Array, lhs: &ShapeDtype, rhs: &Array) -> Array {
        let dn = &self.dimension_numbers;
        let (mut fgc, bgc) = (self.feature_group_count, self.batch_group_count);
        let mut w = rhs.clone();
        if fgc > 1 || bgc > 1 {
            // Move the group axis from the kernel's output features to its input features.
            let groups = fgc.max(bgc);
            w = reshape_axis_out_of(dn.rhs_spec[0], groups, &w);
            w = reshape_axis_into(dn.rhs_spec[0], dn.rhs_spec[1], &w);
            fgc = groups;
        }
        let trans = ConvDimensionNumbers {
            lhs_spec: dn.out_spec.clone(),
            rhs_spec: spec_transpose(&dn.rhs_spec),
            out_spec: dn.lhs_spec.clone(),
        };
        let in_sp = spatial(&lhs.shape, &dn.lhs_spec);
        let k_sp = spatial(rhs.shape(), &dn.rhs_spec);
        let out_sp = spatial(g.shape(), &dn.out_spec);
        let lhs_d = dilate_all(&in_sp, &self.lhs_dilation);
        let rhs_d = dilate_all(&k_sp, &self.rhs_dilation);
        let out_d = dilate_all(&out_sp, &self.window_strides);
        let padding: Padding = (0..in_sp.len())
            .map(|i| {
                let before = rhs_d[i] - self.padding[i].0 - 1;
                (before, lhs_d[i] + rhs_d[i] - 1 - out_d[i] - before)
            })
            .collect();
        let rev: Axes = dn.rhs_spec[2..].iter().copied().collect();
        let w = bind1(LayoutOp::Rev { dimensions: rev }, &[&w]);
        let w = rules::convert(&w, g.dtype());
        let prim = ConvGeneralDilated {
            window_strides: self.lhs_dilation.clone(),
            padding,
            lhs_dilation: self.window_strides.clone(),
            rhs_dilation: self.rhs_dilation.clone(),
            dimension_numbers: trans,
            feature_group_count: fgc,
            batch_group_count: 1,
            preferred_element_type: self.preferred_element_type,
        };
        let out = rules::convert(&bind1(prim, &[g, &w]), lhs.dtype);
        if bgc > 1 {
            let out = reshape_axis_out_of(dn.lhs_spec[1], bgc, &out);
            reshape_axis_into(dn.lhs_spec[1], dn.lhs_spec[0], &out)
        } else {
            out
        }
    }

    /// JAX's `_conv_general_dilated_transpose_rhs`: a convolution of the input with the
    /// cotangent, strides and kernel dilation exchanged, feature groups becoming batch groups
    /// (and back).
    fn transpose_rhs(&self, g: &Array, lhs: &Array, rhs: &ShapeDtype) -> Array {
        if g.size() == 0 {
            return rules::zeros(rhs);
        }
        let dn = &self.dimension_numbers;
        let (fgc, bgc) = if self.batch_group_count > 1 {
            (self.batch_group_count, 1)
        } else {
            (1, self.feature_group_count)
        };
        let trans = ConvDimensionNumbers {
            lhs_spec: spec_transpose(&dn.lhs_spec),
            rhs_spec: spec_transpose(&dn.out_spec),
            out_spec: spec_transpose(&dn.rhs_spec),
        };
        let in_sp = spatial(lhs.shape(), &dn.lhs_spec);
        let k_sp = spatial(&rhs.shape, &dn.rhs_spec);
        let out_sp = spatial(g.shape(), &dn.out_spec);
        let lhs_d = dilate_all(&in_sp, &self.lhs_dilation);
        let rhs_d = dilate_all(&k_sp, &self.rhs_dilation);
        let out_d = dilate_all(&out_sp, &self.window_strides);
        let padding: Padding = (0..in_sp.len())
            .map(|i| {
                let lo = self.padding[i].0;
                (lo, out_d[i] - lhs_d[i] + rhs_d[i] - lo - 1)
            })
            .collect();
        let x = rules::convert(lhs, g.dtype());
        let prim = ConvGeneralDilated {
            window_strides: self.rhs_dilation.clone(),
            padding,
            lhs_dilation: self.lhs_dilation.clone(),
            rhs_dilation: self.window_strides.clone(),
            dimension_numbers: trans,
            feature_group_count: fgc,
            batch_group_count: bgc,
            preferred_element_type: self.preferred_element_type,
        };
        rules::convert(&bind1(prim, &[&x, g]), rhs.dtype)
    }
}

/// Transposes `data` so that axis `spec[j]` becomes axis `j` (no copy if `spec` is the
/// identity).
fn to_canonical<'a, T: Copy + Send + Sync>(
    data: &'a [T],
    shape: &[usize],
    spec: &[usize],
) -> std::borrow::Cow<'a, [T]> {
    if spec.iter().enumerate().all(|(j, &a)| j == a) {
        return std::borrow::Cow::Borrowed(data);
    }
    let strides = row_major_strides(shape);
    let pshape: Vec<usize> = spec.iter().map(|&a| shape[a]).collect();
    let pstrides: Vec<isize> = spec.iter().map(|&a| strides[a]).collect();
    std::borrow::Cow::Owned(strided_copy(data, &pshape, &pstrides, 0))
}

/// Lays out a canonical `(N, O, spatial...)` result so that canonical axis `j` is output axis
/// `spec[j]`.
fn from_canonical<T: Copy + Send + Sync>(
    canon: Vec<T>,
    out_shape: &[usize],
    spec: &[usize],
) -> Vec<T> {
    if spec.iter().enumerate().all(|(j, &a)| j == a) {
        return canon;
    }
    let canon_shape: Vec<usize> = spec.iter().map(|&a| out_shape[a]).collect();
    let cstrides = row_major_strides(&canon_shape);
    let mut strides = vec![0isize; spec.len()];
    for (j, &a) in spec.iter().enumerate() {
        strides[a] = cstrides[j];
    }
    strided_copy(&canon, out_shape, &strides, 0)
}

impl ConvGeneralDilated {
    /// Whether the convolution sums over input channels ([`conv_by_input_channel`]): no
    /// groups, f32 or f64, and an output shorter than the kernel along the last spatial axis
    /// (a weight gradient).
    fn sums_over_input_channels<T: ArrayElement>(&self, g: &Geometry) -> bool {
        let ns = g.k_sp.len();
        self.feature_group_count * self.batch_group_count == 1
            && matches!(T::DTYPE, DType::F32 | DType::F64)
            && ns > 0
            && g.out_sp[ns - 1] < g.k_sp[ns - 1]
    }

    /// The convolution of canonical `x: (N, C, in...)` and `w: (O, I, k...)` into a canonical
    /// `(N / batch_group_count, O, out...)` buffer.
    ///
    /// `planes` says where `x`'s and `w`'s planes start; anything but [`Planes::canonical`]
    /// only where [`Self::sums_over_input_channels`] holds.
    fn conv_canonical<T: MatmulElement>(
        &self,
        x: &[T],
        w: &[T],
        g: &Geometry,
        planes: Planes,
    ) -> Vec<T> {
        let ns = g.in_sp.len();
        let groups = self.feature_group_count * self.batch_group_count;
        let n_out = g.n / self.batch_group_count;
        let og = g.o / groups;
        let kprod: usize = g.k_sp.iter().product();
        let out_prod: usize = g.out_sp.iter().product();
        let in_prod: usize = g.in_sp.iter().product();
        let rows = g.i * kprod;
        let mut out = vec![T::zero(); n_out * g.o * out_prod];
        if out.is_empty() {
            return out;
        }
        // tables[d][kd * out_d + od]: the input index read by kernel tap kd at output od along
        // spatial axis d, or None where it falls on padding or a dilation hole.
        let tables: Vec<Vec<Option<usize>>> = (0..ns)
            .map(|d| {
                let (lo, _) = self.padding[d];
                let (s, ld, rd) = (
                    self.window_strides[d] as i64,
                    self.lhs_dilation[d] as i64,
                    self.rhs_dilation[d] as i64,
                );
                let mut t = Vec::with_capacity(g.k_sp[d] * g.out_sp[d]);
                for kd in 0..g.k_sp[d] as i64 {
                    for od in 0..g.out_sp[d] as i64 {
                        let p = od * s + kd * rd - lo;
                        let valid = p >= 0 && p % ld == 0 && ((p / ld) as usize) < g.in_sp[d];
                        t.push(valid.then(|| (p / ld) as usize));
                    }
                }
                t
            })
            .collect();
        let in_strides: Vec<usize> = (0..ns).map(|d| g.in_sp[d + 1..].iter().product()).collect();
        let runs: Vec<Option<Run>> = match ns {
            0 => Vec::new(),
            _ => {
                let out_last = g.out_sp[ns - 1];
                tables[ns - 1]
                    .chunks(out_last.max(1))
                    .map(Run::of)
                    .collect()
            }
        };
        // When the output's last axis is shorter than the kernel's (a weight gradient: the
        // "kernel" is an activation map), im2col rows would be a few elements long; build the
        // patch matrix transposed instead, one output position's window per row, whose runs
        // along the kernel's last axis are contiguous input.
        let runs_by_output: Option<Vec<Option<Run>>> =
            (ns > 0 && g.out_sp[ns - 1] < g.k_sp[ns - 1]).then(|| {
                let (k_last, out_last) = (g.k_sp[ns - 1], g.out_sp[ns - 1]);
                (0..out_last)
                    .map(|od| {
                        let column: Vec<Option<usize>> = (0..k_last)
                            .map(|kd| tables[ns - 1][kd * out_last + od])
                            .collect();
                        Run::of(&column)
                    })
                    .collect()
            });
        let transposed_patches = runs_by_output.as_deref().map(|runs_t| PatchGeometry {
            k_sp: &g.k_sp,
            out_sp: &g.out_sp,
            tables: &tables,
            runs_t,
            in_strides: &in_strides,
        });
        if let (Some(geometry), true) = (&transposed_patches, self.sums_over_input_channels::<T>(g))
        {
            return conv_by_input_channel(x, w, g, planes, geometry, out);
        }
        assert!(
            planes == Planes::canonical(g),
            "conv_canonical: per-example products need canonical layouts"
        );
        let k_shape = &g.k_sp;
        let task = |t: usize, dst: &mut [T], threads: usize| {
            let (b, grp) = (t / groups, t % groups);
            let (n_idx, c0) = if self.batch_group_count > 1 {
                (grp * n_out + b, 0)
            } else {
                (b, grp * g.i)
            };
            let mut patches = vec![T::zero(); rows * out_prod];
            let chan = |ci: usize| &x[(n_idx * g.c + c0 + ci) * in_prod..][..in_prod];
            let wg = MatRef::new(w, grp * og * rows, og, rows, rows, 1);
            if let Some(geometry) = &transposed_patches {
                // Stored transposed, (out_prod, rows): each output position's window.
                for (p, col) in patches.chunks_mut(rows).enumerate() {
                    for ci in 0..g.i {
                        fill_patch_column(&mut col[ci * kprod..][..kprod], chan(ci), p, geometry);
                    }
                }
                let patches = MatRef::new(&patches, 0, rows, out_prod, 1, rows);
                T::matmul(dst, wg, patches, threads);
            } else {
                for ci in 0..g.i {
                    for kflat in 0..kprod {
                        let row = &mut patches[(ci * kprod + kflat) * out_prod..][..out_prod];
                        fill_patch_row(
                            row,
                            chan(ci),
                            kflat,
                            k_shape,
                            &g.out_sp,
                            &tables,
                            &runs,
                            &in_strides,
                        );
                    }
                }
                let patches = MatRef::row_major(&patches, rows, out_prod);
                T::matmul(dst, wg, patches, threads);
            }
        };
        let tasks = n_out * groups;
        let threads = max_threads();
        let block = og * out_prod;
        if block == 0 {
            return out;
        }
        if tasks > 1 && threads > 1 && tasks * og * rows * out_prod >= PARALLEL_MATMUL_THRESHOLD {
            out.par_chunks_mut(block)
                .enumerate()
                .for_each(|(t, dst)| task(t, dst, 1));
        } else {
            for (t, dst) in out.chunks_mut(block).enumerate() {
                task(t, dst, threads);
            }
        }
        out
    }
}

/// Where the planes of a convolution's operands start: the element strides of `x`'s batch and
/// feature axes and of `w`'s output and input axes. Within a plane the spatial axes are
/// row-major.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Planes {
    x: (usize, usize),
    w: (usize, usize),
}

impl Planes {
    /// The canonical layouts `(N, C, in...)` and `(O, I, k...)`.
    fn canonical(g: &Geometry) -> Planes {
        let in_prod: usize = g.in_sp.iter().product();
        let kprod: usize = g.k_sp.iter().product();
        Planes {
            x: (g.c * in_prod, in_prod),
            w: (g.i * kprod, kprod),
        }
    }
}

/// The strides of an operand's two leading canonical axes, if its spatial axes (`spec[2..]`)
/// are its last axes in order, so each plane is contiguous and row-major.
fn plane_strides(shape: &[usize], spec: &[usize]) -> Option<(usize, usize)> {
    let in_order = spec[2..].iter().enumerate().all(|(d, &a)| a == d + 2);
    let strides = row_major_strides(shape);
    in_order.then(|| (strides[spec[0]] as usize, strides[spec[1]] as usize))
}

/// Where a transposed patch matrix reads: the geometry [`fill_patch_column`] takes.
#[derive(Clone, Copy)]
struct PatchGeometry<'a> {
    k_sp: &'a [usize],
    out_sp: &'a [usize],
    tables: &'a [Vec<Option<usize>>],
    runs_t: &'a [Option<Run>],
    in_strides: &'a [usize],
}

/// [`ConvGeneralDilated::conv_canonical`] without groups when the output is smaller than the
/// kernel: a weight gradient, whose "kernel" is the output's cotangent (`(O, I, k...)` with `I`
/// the original batch) and whose "batch" is the original input channels. Per example the
/// product would be `(O × I·k) · (I·k × out)`: a long inner dimension, few columns, and the
/// same large left operand packed again for every one of the `N` tasks. Summing over the
/// input channels `c` instead gives products of `k` terms that are all well shaped:
/// `acc (N·out, O) += patches_c · w[:, c, :]ᵀ`, where row (n, output position) of `patches_c`
/// is channel c's window of `x[n]`. The accumulator is row-major `(N·out, O)`, so `gemm`
/// computes its transpose `w_c · patches_cᵀ` column-major: the small kernel slice is the
/// operand it packs, and each window is read in place as one contiguous column. The result is
/// then laid out as `(N, O, out)`.
/// Only for f32 and f64, which accumulate in their own precision (a narrow float would round
/// once per channel instead of once).
fn conv_by_input_channel<T: MatmulElement>(
    x: &[T],
    w: &[T],
    g: &Geometry,
    planes: Planes,
    geometry: &PatchGeometry<'_>,
    mut out: Vec<T>,
) -> Vec<T> {
    let kprod: usize = g.k_sp.iter().product();
    let out_prod: usize = g.out_sp.iter().product();
    let in_prod: usize = g.in_sp.iter().product();
    let cols = g.n * out_prod;
    let mut acc = vec![T::zero(); cols * g.o];
    // Stored transposed, (N·out, k): each (n, output position)'s window of one channel.
    let mut patches = vec![T::zero(); cols * kprod];
    let threads = max_threads();
    let fill = |c: usize, n: usize, windows: &mut [T]| {
        let chan = &x[n * planes.x.0 + c * planes.x.1..][..in_prod];
        for (p, col) in windows.chunks_mut(kprod).enumerate() {
            fill_patch_column(col, chan, p, geometry);
        }
    };
    let per_example = out_prod * kprod;
    for c in 0..g.i {
        if threads > 1 && g.n > 1 && cols * kprod >= PARALLEL_THRESHOLD {
            patches
                .par_chunks_mut(per_example)
                .enumerate()
                .for_each(|(n, windows)| fill(c, n, windows));
        } else {
            for (n, windows) in patches.chunks_mut(per_example).enumerate() {
                fill(c, n, windows);
            }
        }
        let pc = MatRef::row_major(&patches, cols, kprod);
        let wc_t = MatRef::new(w, c * planes.w.1, kprod, g.o, 1, planes.w.0);
        T::matmul_add(&mut acc, pc, wc_t, threads);
    }
    for (n, dst) in out.chunks_mut(g.o * out_prod).enumerate() {
        for (o, row) in dst.chunks_mut(out_prod).enumerate() {
            for (q, v) in row.iter_mut().enumerate() {
                *v = acc[(n * out_prod + q) * g.o + o];
            }
        }
    }
    out
}

/// Where one kernel tap reads along the last spatial axis, when its valid output positions
/// `start..end` read input positions `first, first + step, ...` (always so without lhs
/// dilation): the row is then zeros, a strided (usually contiguous) copy, zeros, instead of a
/// table lookup per element.
#[derive(Clone, Copy, Debug)]
struct Run {
    start: usize,
    end: usize,
    first: usize,
    step: usize,
}

impl Run {
    /// Writes the run into `chunk` (one output row or window along the last axis): zeros, the
    /// input elements from `chan[base + first]` on, every `step`-th, zeros.
    fn fill<T: ArrayElement>(self, chunk: &mut [T], chan: &[T], base: usize) {
        chunk[..self.start].fill(T::zero());
        let valid = &mut chunk[self.start..self.end];
        let from = base + self.first;
        if self.step == 1 {
            valid.copy_from_slice(&chan[from..from + valid.len()]);
        } else {
            for (j, o) in valid.iter_mut().enumerate() {
                *o = chan[from + j * self.step];
            }
        }
        chunk[self.end..].fill(T::zero());
    }

    /// The run of a tap's lookup table (`None` if its valid positions are not one arithmetic
    /// progression).
    fn of(table: &[Option<usize>]) -> Option<Run> {
        let start = table
            .iter()
            .position(Option::is_some)
            .unwrap_or(table.len());
        let end = table
            .iter()
            .rposition(Option::is_some)
            .map_or(start, |e| e + 1);
        if start == end {
            return Some(Run {
                start,
                end,
                first: 0,
                step: 1,
            });
        }
        let first = table[start]?;
        let step = if end - start > 1 {
            table[start + 1]?.checked_sub(first)?
        } else {
            1
        };
        let progression = table[start..end]
            .iter()
            .enumerate()
            .all(|(j, t)| *t == Some(first + j * step));
        progression.then_some(Run {
            start,
            end,
            first,
            step,
        })
    }
}

/// Fills output position `p`'s window (row-major over `out_sp`) of one input channel: the
/// input element each kernel tap reads there, or zero, in kernel order. `runs_t[od]` describes
/// the taps along the kernel's last axis at last-axis output position `od` (`geometry`).
fn fill_patch_column<T: ArrayElement>(
    col: &mut [T],
    chan: &[T],
    p: usize,
    geometry: &PatchGeometry<'_>,
) {
    let PatchGeometry {
        k_sp: k_shape,
        out_sp,
        tables,
        runs_t,
        in_strides,
    } = *geometry;
    let ns = k_shape.len();
    // The output position's index along each axis.
    let mut od: SmallVec<[usize; 4]> = SmallVec::from_elem(0, ns);
    let mut rem = p;
    for d in (0..ns).rev() {
        od[d] = rem % out_sp[d];
        rem /= out_sp[d];
    }
    let (k_last, out_last) = (k_shape[ns - 1], out_sp[ns - 1]);
    let run = runs_t[od[ns - 1]];
    let mut kidx: SmallVec<[usize; 4]> = SmallVec::from_elem(0, ns - 1);
    for chunk in col.chunks_mut(k_last) {
        let outer: Option<usize> = (0..ns - 1).try_fold(0usize, |acc, d| {
            tables[d][kidx[d] * out_sp[d] + od[d]].map(|i| acc + i * in_strides[d])
        });
        match (outer, run) {
            (Some(base), Some(r)) => r.fill(chunk, chan, base),
            (Some(base), None) => {
                for (kd, o) in chunk.iter_mut().enumerate() {
                    *o = match tables[ns - 1][kd * out_last + od[ns - 1]] {
                        Some(i) => chan[base + i],
                        None => T::zero(),
                    };
                }
            }
            (None, _) => chunk.fill(T::zero()),
        }
        for d in (0..ns - 1).rev() {
            kidx[d] += 1;
            if kidx[d] < k_shape[d] {
                break;
            }
            kidx[d] = 0;
        }
    }
}

/// Fills one im2col row: for kernel tap `kflat` (row-major over `k_shape`), the input element
/// each output position reads, or zero.
#[allow(clippy::too_many_arguments)]
fn fill_patch_row<T: ArrayElement>(
    row: &mut [T],
    chan: &[T],
    kflat: usize,
    k_shape: &[usize],
    out_sp: &[usize],
    tables: &[Vec<Option<usize>>],
    runs: &[Option<Run>],
    in_strides: &[usize],
) {
    let ns = k_shape.len();
    if ns == 0 {
        row[0] = chan[0];
        return;
    }
    // Per spatial axis, this tap's slice of the lookup table.
    let mut rem = kflat;
    let mut taps: SmallVec<[&[Option<usize>]; 4]> = SmallVec::from_elem(&[][..], ns);
    for d in (0..ns).rev() {
        let kd = rem % k_shape[d];
        rem /= k_shape[d];
        taps[d] = &tables[d][kd * out_sp[d]..(kd + 1) * out_sp[d]];
    }
    let inner = out_sp[ns - 1];
    let last = taps[ns - 1];
    let run = runs[kflat % k_shape[ns - 1]];
    let mut idx: SmallVec<[usize; 4]> = SmallVec::from_elem(0, ns - 1);
    for chunk in row.chunks_mut(inner) {
        // The offset of the outer output position, if none of its axes falls on padding.
        let outer: Option<usize> = (0..ns - 1).try_fold(0usize, |acc, d| {
            taps[d][idx[d]].map(|i| acc + i * in_strides[d])
        });
        match (outer, run) {
            (Some(base), Some(r)) => r.fill(chunk, chan, base),
            (Some(base), None) => {
                for (o, t) in chunk.iter_mut().zip(last) {
                    *o = match t {
                        Some(i) => chan[base + i],
                        None => T::zero(),
                    };
                }
            }
            (None, _) => chunk.fill(T::zero()),
        }
        for d in (0..ns - 1).rev() {
            idx[d] += 1;
            if idx[d] < out_sp[d] {
                break;
            }
            idx[d] = 0;
        }
    }
}
