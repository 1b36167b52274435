//! `dot_general`: XLA's general tensor contraction, behind `matmul`, `dot`, `tensordot` and
//! `einsum`.

use super::layout::Axes;
use super::rules::py_tuple;
use super::{bind1, describe, expect_arity, rules, LinearArg, PrimitiveRule};
use crate::array::{cast, Array, ArrayElement, DType, Shape, ShapeDtype, Storage};
use crate::backend::cpu::elementwise::map;
use crate::backend::cpu::matmul::{max_threads, MatRef, MatmulElement, PARALLEL_MATMUL_THRESHOLD};
use crate::backend::cpu::strided::{row_major_strides, strided_copy};
use crate::jaxpr::stablehlo::{int_list, LoweringContext, LoweringError, Value};
use rayon::prelude::*;

/// Which axes a `dot_general` contracts and which it treats as batch axes, as in JAX:
/// `((lhs_contracting, rhs_contracting), (lhs_batch, rhs_batch))`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct DotDimensionNumbers {
    /// Axes of the lhs summed over, paired in order with `rhs_contracting`.
    pub lhs_contracting: Axes,
    /// Axes of the rhs summed over.
    pub rhs_contracting: Axes,
    /// Axes of the lhs that index independent products, paired with `rhs_batch`.
    pub lhs_batch: Axes,
    /// Axes of the rhs that index independent products.
    pub rhs_batch: Axes,
}

impl DotDimensionNumbers {
    /// Builds dimension numbers from `((lhs_contracting, rhs_contracting), (lhs_batch,
    /// rhs_batch))` slices, JAX's tuple form.
    ///
    /// ```
    /// use equinox_core::prims::dot_general::DotDimensionNumbers;
    /// // A batched matrix product: contract lhs axis 2 with rhs axis 1, batch over axis 0.
    /// let d = DotDimensionNumbers::new((&[2], &[1]), (&[0], &[0]));
    /// assert_eq!(d.lhs_contracting.as_slice(), &[2]);
    /// ```
    pub fn new(contracting: (&[usize], &[usize]), batch: (&[usize], &[usize])) -> Self {
        DotDimensionNumbers {
            lhs_contracting: Axes::from_slice(contracting.0),
            rhs_contracting: Axes::from_slice(contracting.1),
            lhs_batch: Axes::from_slice(batch.0),
            rhs_batch: Axes::from_slice(batch.1),
        }
    }
}

/// The `dot_general` primitive.
///
/// The output has the batch axes first (in `lhs_batch` order), then the lhs axes that are
/// neither batch nor contracting, then those of the rhs, each group in increasing axis order,
/// as in XLA.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DotGeneral {
    /// Contracting and batch axes.
    pub dimension_numbers: DotDimensionNumbers,
    /// The output dtype; `None` keeps the operand dtype. Float products accumulate in at
    /// least f32 whatever the output type.
    pub preferred_element_type: Option<DType>,
}

/// The free (neither batch nor contracting) axes of an operand of rank `ndim`, in order.
pub(crate) fn free_axes(ndim: usize, contracting: &[usize], batch: &[usize]) -> Axes {
    (0..ndim)
        .filter(|a| !contracting.contains(a) && !batch.contains(a))
        .collect()
}

/// The result dtype of a product of two `operand` arrays with an optional
/// `preferred_element_type`, checked as XLA's `MaybeUpcast` does. `op` names the primitive in
/// panics.
pub(crate) fn product_dtype(
    op: &str,
    operand: DType,
    preferred: Option<DType>,
    args: &[&ShapeDtype],
) -> DType {
    let Some(p) = preferred else {
        return operand;
    };
    if p == operand {
        return p;
    }
    if operand.is_float() && !p.is_float() {
        panic!(
            "{op}: preferred_element_type {p} is not a float type, but the operands {} are floats",
            describe(args)
        );
    }
    if !operand.is_float() && !p.is_float() && p.bits() < operand.bits() {
        panic!(
            "{op}: preferred_element_type {p} must not be narrower than the operand type; \
             operands {}",
            describe(args)
        );
    }
    if operand.is_integer() && p.is_bool() {
        panic!(
            "{op}: preferred_element_type bool cannot hold a product of integer operands {}",
            describe(args)
        );
    }
    p
}

/// The dtype a product is computed in: the output type, widened to f32 when a float output
/// has narrower operands (so f16/bf16 results of f32 products are rounded once) and to f64
/// when either side is f64.
pub(crate) fn compute_dtype(operand: DType, out: DType) -> DType {
    if operand == out || !out.is_float() {
        out
    } else if operand == DType::F64 || out == DType::F64 {
        DType::F64
    } else {
        DType::F32
    }
}

/// An array's elements as `dtype` (a kernel-level helper for `eval`s): borrowed when the
/// dtype already matches, converted otherwise.
pub(crate) fn convert_storage(x: &Array, dtype: DType) -> std::borrow::Cow<'_, Storage> {
    if x.dtype() == dtype {
        return std::borrow::Cow::Borrowed(x.storage());
    }
    std::borrow::Cow::Owned(
        crate::with_dtype!(x.dtype(), S => crate::with_dtype!(dtype, D => {
            D::into_storage(map(x.as_slice::<S>(), cast::<S, D>))
        })),
    )
}

impl PrimitiveRule for DotGeneral {
    fn lower(
        &self,
        cx: &mut LoweringContext,
        args: &[Value],
        out: &[ShapeDtype],
    ) -> Result<Vec<Value>, LoweringError> {
        let dn = &self.dimension_numbers;
        let list = |axes: &[usize]| int_list(axes.iter().map(|&a| a as i64));
        let attrs = format!(
            "dot_dimension_numbers = #stablehlo.dot<lhs_batching_dimensions = {}, \
             rhs_batching_dimensions = {}, lhs_contracting_dimensions = {}, \
             rhs_contracting_dimensions = {}>",
            list(&dn.lhs_batch),
            list(&dn.rhs_batch),
            list(&dn.lhs_contracting),
            list(&dn.rhs_contracting)
        );
        let out = ShapeDtype::new(out[0].shape.clone(), out[0].dtype);
        Ok(vec![cx.op(
            "stablehlo.dot_general",
            &[&args[0], &args[1]],
            &attrs,
            &out,
        )])
    }

    fn name(&self) -> &'static str {
        "dot_general"
    }

    fn abstract_eval(&self, args: &[&ShapeDtype]) -> Vec<ShapeDtype> {
        expect_arity("dot_general", args, 2);
        let (lhs, rhs) = (args[0], args[1]);
        let d = &self.dimension_numbers;
        let fail = |why: &str| -> ! {
            panic!(
                "dot_general: {why}; operands {}, dimension_numbers (({:?}, {:?}), ({:?}, {:?}))",
                describe(args),
                d.lhs_contracting.as_slice(),
                d.rhs_contracting.as_slice(),
                d.lhs_batch.as_slice(),
                d.rhs_batch.as_slice()
            )
        };
        if lhs.dtype != rhs.dtype {
            fail("the operands must have the same dtype");
        }
        for (name, axes, nd) in [
            ("lhs_contracting", &d.lhs_contracting, lhs.ndim()),
            ("lhs_batch", &d.lhs_batch, lhs.ndim()),
            ("rhs_contracting", &d.rhs_contracting, rhs.ndim()),
            ("rhs_batch", &d.rhs_batch, rhs.ndim()),
        ] {
            if axes.iter().any(|&a| a >= nd) {
                fail(&format!(
                    "{name} axes must be less than the operand rank {nd}"
                ));
            }
            if (1..axes.len()).any(|i| axes[..i].contains(&axes[i])) {
                fail(&format!("{name} axes must be distinct"));
            }
        }
        if d.lhs_batch.len() != d.rhs_batch.len() {
            fail("lhs_batch and rhs_batch must have the same length");
        }
        if d.lhs_contracting.len() != d.rhs_contracting.len() {
            fail("lhs_contracting and rhs_contracting must have the same length");
        }
        if d.lhs_batch.iter().any(|a| d.lhs_contracting.contains(a))
            || d.rhs_batch.iter().any(|a| d.rhs_contracting.contains(a))
        {
            fail("batch axes must be disjoint from contracting axes");
        }
        if d.lhs_batch
            .iter()
            .zip(&d.rhs_batch)
            .any(|(&l, &r)| lhs.shape[l] != rhs.shape[r])
        {
            fail(&format!(
                "dot_general requires lhs batch dimensions and rhs batch dimensions to have the \
                 same shape, got {} and {}",
                py_tuple(
                    &d.lhs_batch
                        .iter()
                        .map(|&a| lhs.shape[a])
                        .collect::<Vec<_>>()
                ),
                py_tuple(
                    &d.rhs_batch
                        .iter()
                        .map(|&a| rhs.shape[a])
                        .collect::<Vec<_>>()
                )
            ));
        }
        if d.lhs_contracting
            .iter()
            .zip(&d.rhs_contracting)
            .any(|(&l, &r)| lhs.shape[l] != rhs.shape[r])
        {
            fail(&format!(
                "dot_general requires contracting dimensions to have the same shape, got {} and {}",
                py_tuple(
                    &d.lhs_contracting
                        .iter()
                        .map(|&a| lhs.shape[a])
                        .collect::<Vec<_>>()
                ),
                py_tuple(
                    &d.rhs_contracting
                        .iter()
                        .map(|&a| rhs.shape[a])
                        .collect::<Vec<_>>()
                )
            ));
        }
        let dtype = product_dtype("dot_general", lhs.dtype, self.preferred_element_type, args);
        let lf = free_axes(lhs.ndim(), &d.lhs_contracting, &d.lhs_batch);
        let rf = free_axes(rhs.ndim(), &d.rhs_contracting, &d.rhs_batch);
        let shape: Shape = Shape(
            d.lhs_batch
                .iter()
                .map(|&a| lhs.shape[a])
                .chain(lf.iter().map(|&a| lhs.shape[a]))
                .chain(rf.iter().map(|&a| rhs.shape[a]))
                .collect(),
        );
        let weak = lhs.weak_type && rhs.weak_type && self.preferred_element_type.is_none();
        vec![ShapeDtype::new(shape, dtype).with_weak(weak)]
    }

    fn eval(&self, args: &[&Array], out: &[ShapeDtype]) -> Vec<Array> {
        let (lhs, rhs) = (args[0], args[1]);
        let d = &self.dimension_numbers;
        let out_dtype = out[0].dtype;
        let cdt = compute_dtype(lhs.dtype(), out_dtype);
        let lf = free_axes(lhs.ndim(), &d.lhs_contracting, &d.lhs_batch);
        let rf = free_axes(rhs.ndim(), &d.rhs_contracting, &d.rhs_batch);
        let lhs_c = convert_storage(lhs, cdt);
        let rhs_c = convert_storage(rhs, cdt);
        let storage = crate::with_dtype!(cdt, T => {
            let l = OperandView::new(typed::<T>(&lhs_c), lhs.shape(), &d.lhs_batch, &lf, &d.lhs_contracting);
            let r = OperandView::new(typed::<T>(&rhs_c), rhs.shape(), &d.rhs_batch, &d.rhs_contracting, &rf);
            let result = batched_matmul::<T>(&l, &r);
            T::into_storage(result)
        });
        let storage = if cdt == out_dtype {
            storage
        } else {
            let tmp = Array::from_storage(storage, out[0].shape.clone());
            convert_storage(&tmp, out_dtype).into_owned()
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
        let ct = cts[0].expect("one output");
        match (args[0], args[1]) {
            (LinearArg::Linear(_), LinearArg::Linear(_)) => {
                rules::not_linear("dot_general of two tangents")
            }
            (LinearArg::Linear(x), LinearArg::Known(y)) => {
                vec![Some(self.transpose_lhs(ct, x, y, false)), None]
            }
            (LinearArg::Known(x), LinearArg::Linear(y)) => {
                let d = &self.dimension_numbers;
                let swapped = DotGeneral {
                    dimension_numbers: DotDimensionNumbers {
                        lhs_contracting: d.rhs_contracting.clone(),
                        rhs_contracting: d.lhs_contracting.clone(),
                        lhs_batch: d.rhs_batch.clone(),
                        rhs_batch: d.lhs_batch.clone(),
                    },
                    preferred_element_type: self.preferred_element_type,
                };
                vec![None, Some(swapped.transpose_lhs(ct, y, x, true))]
            }
            (LinearArg::Known(_), LinearArg::Known(_)) => vec![None, None],
        }
    }

    fn batch(
        &self,
        args: &[&Array],
        dims: &[Option<usize>],
        _axis_size: usize,
    ) -> (Vec<Array>, Vec<Option<usize>>) {
        let d = &self.dimension_numbers;
        let (lhs, rhs) = (args[0], args[1]);
        // Axes of the unbatched operand, renumbered for the batched one.
        let bump = |axes: &Axes, b: usize| -> Axes {
            axes.iter().map(|&a| a + usize::from(a >= b)).collect()
        };
        let (dn, out_dim) = match (dims[0], dims[1]) {
            (Some(lb), Some(rb)) => {
                // The mapped axis becomes one more (leading) batch axis of the product.
                let mut lhs_batch: Axes = Axes::from_slice(&[lb]);
                lhs_batch.extend(bump(&d.lhs_batch, lb));
                let mut rhs_batch: Axes = Axes::from_slice(&[rb]);
                rhs_batch.extend(bump(&d.rhs_batch, rb));
                let dn = DotDimensionNumbers {
                    lhs_contracting: bump(&d.lhs_contracting, lb),
                    rhs_contracting: bump(&d.rhs_contracting, rb),
                    lhs_batch,
                    rhs_batch,
                };
                (dn, 0)
            }
            (Some(lb), None) => {
                // The mapped axis becomes one more free axis of the lhs, where it already is.
                let free_before = (0..lb)
                    .filter(|a| !d.lhs_batch.contains(a) && !d.lhs_contracting.contains(a))
                    .count();
                let dn = DotDimensionNumbers {
                    lhs_contracting: bump(&d.lhs_contracting, lb),
                    rhs_contracting: d.rhs_contracting.clone(),
                    lhs_batch: bump(&d.lhs_batch, lb),
                    rhs_batch: d.rhs_batch.clone(),
                };
                (dn, d.lhs_batch.len() + free_before)
            }
            (None, Some(rb)) => {
                let free_before = (0..rb)
                    .filter(|a| !d.rhs_batch.contains(a) && !d.rhs_contracting.contains(a))
                    .count();
                let dn = DotDimensionNumbers {
                    lhs_contracting: d.lhs_contracting.clone(),
                    rhs_contracting: bump(&d.rhs_contracting, rb),
                    lhs_batch: d.lhs_batch.clone(),
                    rhs_batch: bump(&d.rhs_batch, rb),
                };
                (dn, lhs.ndim() - d.lhs_contracting.len() + free_before)
            }
            (None, None) => unreachable!("a batching rule gets at least one batched operand"),
        };
        let prim = DotGeneral {
            dimension_numbers: dn,
            preferred_element_type: self.preferred_element_type,
        };
        (vec![bind1(prim, &[lhs, rhs])], vec![Some(out_dim)])
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        let d = &self.dimension_numbers;
        let list = |a: &Axes| format!("{:?}", a.as_slice());
        let mut p = vec![(
            "dimension_numbers",
            format!(
                "(({}, {}), ({}, {}))",
                list(&d.lhs_contracting),
                list(&d.rhs_contracting),
                list(&d.lhs_batch),
                list(&d.rhs_batch)
            ),
        )];
        if let Some(t) = self.preferred_element_type {
            p.push(("preferred_element_type", t.name().to_string()));
        }
        p
    }
}

impl DotGeneral {
    /// The cotangent of the lhs `x` given the output cotangent `g` and the rhs `y` (JAX's
    /// `_dot_general_transpose_lhs`; `swap_ans` when this is really the rhs of a product whose
    /// dimension numbers were swapped, so the output's free axes come in the other order).
    fn transpose_lhs(&self, g: &Array, x: &ShapeDtype, y: &Array, swap_ans: bool) -> Array {
        let d = &self.dimension_numbers;
        let x_kept = free_axes(x.ndim(), &d.lhs_contracting, &d.lhs_batch);
        let y_kept = free_axes(y.ndim(), &d.rhs_contracting, &d.rhs_batch);
        let nb = d.lhs_batch.len();
        let ans_batch: Axes = (0..nb).collect();
        let ans_y: Axes = if swap_ans {
            (nb..nb + y_kept.len()).collect()
        } else {
            let start = nb + x_kept.len();
            (start..start + y_kept.len()).collect()
        };
        let dims = DotDimensionNumbers {
            lhs_contracting: ans_y,
            rhs_contracting: y_kept,
            lhs_batch: ans_batch,
            rhs_batch: d.rhs_batch.clone(),
        };
        // The product's axes are (x batch, x kept, x contracting ordered as y's contracting
        // axes sorted); undo that order.
        let mut by_y: Vec<(usize, usize)> = d
            .rhs_contracting
            .iter()
            .copied()
            .zip(d.lhs_contracting.iter().copied())
            .collect();
        by_y.sort_unstable();
        let unsorted: Vec<usize> = d
            .lhs_batch
            .iter()
            .copied()
            .chain(x_kept.iter().copied())
            .chain(by_y.into_iter().map(|(_, xa)| xa))
            .collect();
        let mut out_axes: Vec<usize> = (0..unsorted.len()).collect();
        out_axes.sort_by_key(|&i| unsorted[i]);
        // Our dot_general takes operands of one dtype: bring y to the cotangent's (the output
        // dtype when preferred_element_type widened it).
        let y = rules::convert(y, g.dtype());
        let prod = bind1(
            DotGeneral {
                dimension_numbers: dims,
                preferred_element_type: self.preferred_element_type,
            },
            &[g, &y],
        );
        let x_bar = rules::transpose(&prod, &out_axes);
        rules::convert(&x_bar, x.dtype)
    }
}

fn typed<T: ArrayElement>(s: &Storage) -> &[T] {
    T::slice(s).expect("convert_storage produced the compute dtype")
}

/// Sizes and strides of axes `axes` of a row-major array, if together they walk memory with one
/// stride (size-1 axes are ignored): `Some((product of sizes, stride))`.
fn collapse(axes: &[usize], shape: &[usize], strides: &[isize]) -> Option<(usize, usize)> {
    let size: usize = axes.iter().map(|&a| shape[a]).product();
    let kept: Vec<usize> = axes.iter().copied().filter(|&a| shape[a] != 1).collect();
    match kept.last() {
        None => Some((size, 0)),
        Some(&last) => {
            let ok = kept
                .windows(2)
                .all(|w| strides[w[0]] == strides[w[1]] * shape[w[1]] as isize);
            ok.then_some((size, strides[last] as usize))
        }
    }
}

/// An operand seen as a batch of matrices: `batch_offsets[b]` is where matrix `b` starts and
/// `(rows, cols, rs, cs)` its layout. Operands whose row or column axes cannot be walked with
/// one stride are first copied into `(batch, rows, cols)` order.
pub(crate) struct OperandView<'a, T: Clone> {
    data: std::borrow::Cow<'a, [T]>,
    batch_offsets: Vec<usize>,
    rows: usize,
    cols: usize,
    rs: usize,
    cs: usize,
}

impl<'a, T: ArrayElement> OperandView<'a, T> {
    /// Views `data` (row-major, shape `shape`) as matrices whose rows are indexed by
    /// `row_axes` and columns by `col_axes`, one per index of `batch_axes`.
    pub(crate) fn new(
        data: &'a [T],
        shape: &[usize],
        batch_axes: &[usize],
        row_axes: &[usize],
        col_axes: &[usize],
    ) -> Self {
        let strides = row_major_strides(shape);
        let batch_shape: Vec<usize> = batch_axes.iter().map(|&a| shape[a]).collect();
        let nbatch: usize = batch_shape.iter().product();
        if let (Some((rows, rs)), Some((cols, cs))) = (
            collapse(row_axes, shape, &strides),
            collapse(col_axes, shape, &strides),
        ) {
            let bstrides: Vec<isize> = batch_axes.iter().map(|&a| strides[a]).collect();
            let mut offsets = Vec::with_capacity(nbatch);
            let mut idx = vec![0usize; batch_shape.len()];
            for _ in 0..nbatch {
                let off: isize = idx
                    .iter()
                    .zip(&bstrides)
                    .map(|(&i, &s)| i as isize * s)
                    .sum();
                offsets.push(off as usize);
                for k in (0..idx.len()).rev() {
                    idx[k] += 1;
                    if idx[k] < batch_shape[k] {
                        break;
                    }
                    idx[k] = 0;
                }
            }
            return OperandView {
                data: std::borrow::Cow::Borrowed(data),
                batch_offsets: offsets,
                rows,
                cols,
                rs,
                cs,
            };
        }
        let perm: Vec<usize> = batch_axes
            .iter()
            .chain(row_axes)
            .chain(col_axes)
            .copied()
            .collect();
        let pshape: Vec<usize> = perm.iter().map(|&p| shape[p]).collect();
        let pstrides: Vec<isize> = perm.iter().map(|&p| strides[p]).collect();
        let rows: usize = row_axes.iter().map(|&a| shape[a]).product();
        let cols: usize = col_axes.iter().map(|&a| shape[a]).product();
        OperandView {
            data: std::borrow::Cow::Owned(strided_copy(data, &pshape, &pstrides, 0)),
            batch_offsets: (0..nbatch).map(|b| b * rows * cols).collect(),
            rows,
            cols,
            rs: cols,
            cs: 1,
        }
    }

    fn matrix(&self, b: usize) -> MatRef<'_, T> {
        MatRef::new(
            &self.data,
            self.batch_offsets[b],
            self.rows,
            self.cols,
            self.rs,
            self.cs,
        )
    }
}

/// Multiplies matching matrices of two batched views into a `(batch, m, n)` row-major buffer.
///
/// Many small products run in parallel, one thread each; otherwise each product is threaded
/// inside `gemm`.
pub(crate) fn batched_matmul<T: MatmulElement>(
    lhs: &OperandView<'_, T>,
    rhs: &OperandView<'_, T>,
) -> Vec<T> {
    let nbatch = lhs.batch_offsets.len();
    debug_assert_eq!(nbatch, rhs.batch_offsets.len());
    let (m, n, k) = (lhs.rows, rhs.cols, lhs.cols);
    let mut out = vec![T::zero(); nbatch * m * n];
    if out.is_empty() {
        return out;
    }
    let threads = max_threads();
    let work = m * n * k;
    let across_batches =
        nbatch > 1 && threads > 1 && work < (1 << 24) && nbatch * work >= PARALLEL_MATMUL_THRESHOLD;
    if across_batches {
        out.par_chunks_mut(m * n)
            .enumerate()
            .for_each(|(b, dst)| T::matmul(dst, lhs.matrix(b), rhs.matrix(b), 1));
    } else {
        for (b, dst) in out.chunks_mut(m * n).enumerate() {
            T::matmul(dst, lhs.matrix(b), rhs.matrix(b), threads);
        }
    }
    out
}
