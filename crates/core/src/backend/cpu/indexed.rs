//! Loops that walk two strided layouts in step: the kernels behind `pad`,
//! `dynamic_update_slice`, `gather` and `scatter`, where a rectangular window of one buffer is
//! read from or combined into a rectangular window of another.

/// A strided view of a buffer: element `idx` of the view is at `offset + Σ idx[k] * strides[k]`.
#[derive(Clone, Copy, Debug)]
pub struct View<'a> {
    /// Flat position of the view's first element.
    pub offset: usize,
    /// Per-axis strides in elements (non-negative).
    pub strides: &'a [usize],
}

/// Calls `f(a, b)` for the flat positions of every element of a window of shape `shape`, in
/// row-major order, where `a` walks view `va` and `b` walks view `vb`.
///
/// The innermost axis is a tight loop; the outer axes advance like an odometer.
#[inline]
pub fn for_each_pair(shape: &[usize], va: View, vb: View, mut f: impl FnMut(usize, usize)) {
    let nd = shape.len();
    debug_assert_eq!(va.strides.len(), nd);
    debug_assert_eq!(vb.strides.len(), nd);
    if shape.contains(&0) {
        return;
    }
    if nd == 0 {
        f(va.offset, vb.offset);
        return;
    }
    let (inner, sa, sb) = (shape[nd - 1], va.strides[nd - 1], vb.strides[nd - 1]);
    let mut idx = vec![0usize; nd - 1];
    let (mut a, mut b) = (va.offset, vb.offset);
    loop {
        for i in 0..inner {
            f(a + i * sa, b + i * sb);
        }
        let mut k = nd - 1;
        loop {
            if k == 0 {
                return;
            }
            k -= 1;
            idx[k] += 1;
            a += va.strides[k];
            b += vb.strides[k];
            if idx[k] < shape[k] {
                break;
            }
            a -= va.strides[k] * shape[k];
            b -= vb.strides[k] * shape[k];
            idx[k] = 0;
        }
    }
}

/// Copies the window `shape` of `src` (view `vs`) into `dst` (view `vd`).
pub fn copy_window<T: Copy>(dst: &mut [T], vd: View, src: &[T], vs: View, shape: &[usize]) {
    let nd = shape.len();
    // Rows contiguous on both sides (a pad's or an update's usual case) copy as slices.
    if nd > 0 && vd.strides[nd - 1] == 1 && vs.strides[nd - 1] == 1 {
        let inner = shape[nd - 1];
        if inner == 0 {
            return;
        }
        let dst_rows = View {
            offset: vd.offset,
            strides: &vd.strides[..nd - 1],
        };
        let src_rows = View {
            offset: vs.offset,
            strides: &vs.strides[..nd - 1],
        };
        for_each_pair(&shape[..nd - 1], dst_rows, src_rows, |d, s| {
            dst[d..d + inner].copy_from_slice(&src[s..s + inner])
        });
        return;
    }
    for_each_pair(shape, vd, vs, |d, s| dst[d] = src[s]);
}

/// Row-major strides of `shape` in elements.
pub fn contiguous_strides(shape: &[usize]) -> Vec<usize> {
    let mut strides = vec![0usize; shape.len()];
    let mut acc = 1usize;
    for i in (0..shape.len()).rev() {
        strides[i] = acc;
        acc *= shape[i];
    }
    strides
}

/// The geometry shared by gather and scatter: how a batch position of the index array and a
/// position inside a window map onto the operand and onto the gathered (or update) array.
///
/// In XLA's terms, the "batch" array is the gather output or the scatter updates; its axes are
/// split into batch axes (one per non-vector axis of the indices) and window axes.
#[derive(Clone, Debug)]
pub struct WindowPlan {
    /// Operand shape.
    pub operand_shape: Vec<usize>,
    /// Shape of the indices without the trailing index-vector axis.
    pub batch_shape: Vec<usize>,
    /// Length of each index vector.
    pub index_len: usize,
    /// For component `j` of an index vector, the operand axis it starts.
    pub index_map: Vec<usize>,
    /// Pairs (operand axis, index batch axis) whose positions are tied (batching dimensions).
    pub batching: Vec<(usize, usize)>,
    /// Window size along every operand axis (1 for collapsed/inserted and batching axes).
    pub window_sizes: Vec<usize>,
    /// Operand axes that appear in the window part of the other array, in order.
    pub window_operand_axes: Vec<usize>,
    /// Axes of the other array (gather output or scatter updates) holding the window, in order.
    pub window_axes: Vec<usize>,
    /// Axes of the other array holding the batch positions, in order.
    pub batch_axes: Vec<usize>,
    /// Shape of the other array.
    pub other_shape: Vec<usize>,
}

/// What to do with an index vector whose window does not fit in the operand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutOfBounds {
    /// Clamp the start so the window fits.
    Clamp,
    /// Skip the window (scatter) or fill it (gather).
    Skip,
}

impl WindowPlan {
    /// Calls `f(window_start_in_operand, window_start_in_other)` for each batch position, or
    /// `f(None, ..)` where the window falls outside the operand under [`OutOfBounds::Skip`].
    /// The caller then walks the window with [`WindowPlan::operand_strides`] /
    /// [`WindowPlan::other_strides`].
    pub fn for_each_window(
        &self,
        indices: &[i64],
        oob: OutOfBounds,
        mut f: impl FnMut(Option<usize>, usize),
    ) {
        let op_strides = contiguous_strides(&self.operand_shape);
        let other_strides = contiguous_strides(&self.other_shape);
        let nb: usize = self.batch_shape.iter().product();
        let mut bcoord = vec![0usize; self.batch_shape.len()];
        let mut start = vec![0i64; self.operand_shape.len()];
        for b in 0..nb {
            // Unravel the batch position.
            let mut rem = b;
            for i in (0..bcoord.len()).rev() {
                bcoord[i] = rem % self.batch_shape[i];
                rem /= self.batch_shape[i];
            }
            start.iter_mut().for_each(|s| *s = 0);
            let vector = &indices[b * self.index_len..(b + 1) * self.index_len];
            let mut in_bounds = true;
            for (&d, &i) in self.index_map.iter().zip(vector) {
                // A window longer than the operand's axis (a scatter into an empty axis) fits
                // at no start, so it is out of bounds in every mode: there is nothing to clamp
                // it into, and `operand - window` would underflow.
                let Some(hi) = self.operand_shape[d].checked_sub(self.window_sizes[d]) else {
                    in_bounds = false;
                    continue;
                };
                let hi = hi as i64;
                start[d] = match oob {
                    OutOfBounds::Clamp => i.clamp(0, hi),
                    OutOfBounds::Skip => {
                        in_bounds &= (0..=hi).contains(&i);
                        i
                    }
                };
            }
            for &(d, bi) in &self.batching {
                start[d] = bcoord[bi] as i64;
            }
            let other: usize = self
                .batch_axes
                .iter()
                .zip(&bcoord)
                .map(|(&ax, &c)| c * other_strides[ax])
                .sum();
            if !in_bounds {
                f(None, other);
                continue;
            }
            let op: usize = start
                .iter()
                .zip(&op_strides)
                .map(|(&s, &st)| s as usize * st)
                .sum();
            f(Some(op), other);
        }
    }

    /// The window's shape (sizes of the window axes of the other array).
    pub fn window_shape(&self) -> Vec<usize> {
        self.window_axes
            .iter()
            .map(|&a| self.other_shape[a])
            .collect()
    }

    /// Operand strides along the window axes.
    pub fn operand_strides(&self) -> Vec<usize> {
        let s = contiguous_strides(&self.operand_shape);
        self.window_operand_axes.iter().map(|&a| s[a]).collect()
    }

    /// Strides of the other array along its window axes.
    pub fn other_strides(&self) -> Vec<usize> {
        let s = contiguous_strides(&self.other_shape);
        self.window_axes.iter().map(|&a| s[a]).collect()
    }
}

/// XLA gather: `out[batch, window] = operand[start(batch) + window]`, filling windows that
/// do not fit with `fill` under [`OutOfBounds::Skip`].
pub fn gather<T: Copy>(
    operand: &[T],
    indices: &[i64],
    plan: &WindowPlan,
    oob: OutOfBounds,
    fill: T,
) -> Vec<T> {
    let n: usize = plan.other_shape.iter().product();
    let mut out = vec![fill; n];
    if n == 0 {
        return out;
    }
    let shape = plan.window_shape();
    let (os, ws) = (plan.operand_strides(), plan.other_strides());
    plan.for_each_window(indices, oob, |op, other| {
        if let Some(op) = op {
            let vd = View {
                offset: other,
                strides: &ws,
            };
            let vs = View {
                offset: op,
                strides: &os,
            };
            copy_window(&mut out, vd, operand, vs, &shape);
        }
    });
    out
}

/// XLA scatter: `out[start(batch) + window] = combine(out[..], updates[batch, window])`, in
/// batch order (so with duplicate indices the last `set` wins and `add`s accumulate). Windows
/// that do not fit are skipped under [`OutOfBounds::Skip`].
pub fn scatter<T: Copy>(
    operand: &[T],
    indices: &[i64],
    updates: &[T],
    plan: &WindowPlan,
    oob: OutOfBounds,
    combine: impl Fn(T, T) -> T,
) -> Vec<T> {
    let mut out = operand.to_vec();
    if updates.is_empty() {
        return out;
    }
    let shape = plan.window_shape();
    let (os, us) = (plan.operand_strides(), plan.other_strides());
    plan.for_each_window(indices, oob, |op, upd| {
        if let Some(op) = op {
            let vd = View {
                offset: op,
                strides: &os,
            };
            let vu = View {
                offset: upd,
                strides: &us,
            };
            for_each_pair(&shape, vd, vu, |d, u| out[d] = combine(out[d], updates[u]));
        }
    });
    out
}
