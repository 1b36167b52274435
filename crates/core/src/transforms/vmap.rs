//! `vmap`: vectorising a function over a mapped axis of its inputs.

use super::arity::FnArgsAll;
use crate::array::Array;
use crate::prims::ops::moveaxis;
use crate::trace::batch::BatchTrace;
use crate::trace::{current, new_tag, set_current, Trace};
use crate::tree::{self, KeyPath, PyTree};
use std::rc::Rc;

/// A per-leaf axis choice: `(path, leaf) -> axis` (`None`: not mapped).
pub type LeafAxis = dyn Fn(&KeyPath, &Array) -> Option<isize>;

/// Which axis of each leaf is mapped (`in_axes`/`out_axes`): `None` for a leaf that is not
/// mapped (broadcast to every lane), `Some(axis)` (negative counts from the end).
#[derive(Clone)]
pub enum AxisSpec {
    /// The same axis for every leaf (`in_axes=0` or `None`).
    All(Option<isize>),
    /// One entry per leaf, in leaf order (what a per-argument JAX spec flattens to).
    PerLeaf(Vec<Option<isize>>),
    /// Chosen per leaf from its path and value.
    ByLeaf(Rc<LeafAxis>),
    /// One spec per argument of a function of several arguments (JAX's tuple `in_axes`).
    PerArgument(Vec<AxisSpec>),
}

impl From<isize> for AxisSpec {
    fn from(a: isize) -> AxisSpec {
        AxisSpec::All(Some(a))
    }
}

impl From<Option<isize>> for AxisSpec {
    fn from(a: Option<isize>) -> AxisSpec {
        AxisSpec::All(a)
    }
}

impl From<Vec<Option<isize>>> for AxisSpec {
    fn from(a: Vec<Option<isize>>) -> AxisSpec {
        AxisSpec::PerLeaf(a)
    }
}

impl AxisSpec {
    /// The axis of one leaf (for the per-argument form).
    fn for_leaf(&self, path: &KeyPath, leaf: &Array, what: &str) -> Option<isize> {
        match self {
            AxisSpec::All(a) => *a,
            AxisSpec::ByLeaf(f) => f(path, leaf),
            AxisSpec::PerLeaf(_) | AxisSpec::PerArgument(_) => panic!(
                "vmap: {what}: inside AxisSpec::PerArgument, give each argument All or ByLeaf"
            ),
        }
    }

    /// The spec for each leaf of `tree` (filtered-out leaves skipped).
    fn resolve<T: PyTree>(&self, tree: &T, what: &str) -> Vec<Option<isize>> {
        let leaves = tree::leaves_with_path(tree);
        match self {
            AxisSpec::All(a) => vec![*a; leaves.len()],
            AxisSpec::PerLeaf(v) => {
                assert_eq!(
                    v.len(),
                    leaves.len(),
                    "vmap: {what} has {} entries but the tree has {} leaves",
                    v.len(),
                    leaves.len()
                );
                v.clone()
            }
            AxisSpec::ByLeaf(f) => leaves.iter().map(|(p, l)| f(p, l)).collect(),
            AxisSpec::PerArgument(specs) => {
                // The arguments are the tuple's top-level elements: leaf paths start `.0`, `.1`...
                let mut out = Vec::with_capacity(leaves.len());
                for (p, l) in &leaves {
                    let arg = first_position(p).unwrap_or_else(|| {
                        panic!("vmap: AxisSpec::PerArgument needs a function of several arguments")
                    });
                    let spec = specs.get(arg).unwrap_or_else(|| {
                        panic!(
                            "vmap: {what} has {} per-argument entries but argument {arg} exists",
                            specs.len()
                        )
                    });
                    out.push(spec.for_leaf(p, l, what));
                }
                out
            }
        }
    }
}

/// Options of [`vmap_with`]: `in_axes`, `out_axes`, `axis_name`, `axis_size`.
#[derive(Clone)]
pub struct VmapSpec {
    /// The mapped axis of each input leaf (default: 0 for all).
    pub in_axes: AxisSpec,
    /// Where the mapped axis goes in each output leaf (default: 0 for all).
    pub out_axes: AxisSpec,
    /// The name collectives (`psum`, `pmean`, `axis_index`...) use to refer to this axis.
    pub axis_name: Option<String>,
    /// The size of the mapped axis; required when no input is mapped.
    pub axis_size: Option<usize>,
}

impl Default for VmapSpec {
    fn default() -> VmapSpec {
        VmapSpec {
            in_axes: AxisSpec::All(Some(0)),
            out_axes: AxisSpec::All(Some(0)),
            axis_name: None,
            axis_size: None,
        }
    }
}

impl VmapSpec {
    /// Sets `in_axes`.
    pub fn in_axes(mut self, a: impl Into<AxisSpec>) -> VmapSpec {
        self.in_axes = a.into();
        self
    }
    /// Sets `out_axes`.
    pub fn out_axes(mut self, a: impl Into<AxisSpec>) -> VmapSpec {
        self.out_axes = a.into();
        self
    }
    /// Names the mapped axis for collectives.
    pub fn axis_name(mut self, name: impl Into<String>) -> VmapSpec {
        self.axis_name = Some(name.into());
        self
    }
    /// Sets the size of the mapped axis.
    pub fn axis_size(mut self, n: usize) -> VmapSpec {
        self.axis_size = Some(n);
        self
    }
}

/// The tuple position a leaf path starts with (`.1.weight` → 1).
fn first_position(p: &KeyPath) -> Option<usize> {
    match p.keys().first() {
        Some(crate::tree::PathKey::Position(i)) => Some(*i),
        _ => None,
    }
}

fn normalize_axis(axis: isize, ndim: usize, what: &str, aval: &crate::ShapeDtype) -> usize {
    let n = ndim as isize;
    if axis < -n || axis >= n {
        if what == "in_axes" {
            let needed = if axis < 0 { -axis } else { axis + 1 };
            panic!(
                "vmap: {what} axis {axis} is out of bounds for {aval} (rank {ndim}): vmap was \
                 requested to map its argument along axis {axis}, which implies that its rank \
                 should be at least {needed}, but is only {ndim} (its shape is {})",
                aval.shape
            );
        }
        panic!("vmap: {what} axis {axis} is out of bounds for {aval} (rank {ndim})");
    }
    axis.rem_euclid(n.max(1)) as usize
}

/// Panics with JAX's message for mapped axes of different sizes: one bullet per size, naming a
/// leaf mapped with that size (its argument position, the path inside it, and its type).
fn inconsistent_sizes<T: PyTree>(
    x: &T,
    leaves: &[Array],
    axes: &[Option<usize>],
    sizes: &[(usize, usize)],
    axis_size: Option<usize>,
) -> ! {
    let paths: Vec<KeyPath> = tree::leaves_with_path(x)
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    let describe = |i: usize| {
        let l = &leaves[i];
        let d = axes[i].expect("a mapped leaf");
        let arg = match paths.get(i).filter(|_| paths.len() == leaves.len()) {
            Some(p) => match first_position(p) {
                Some(k) if p.keys().len() == 1 => format!("argument {k}"),
                Some(k) => format!("argument {k} (leaf {p})"),
                None => format!("argument {p}"),
            },
            None => format!("leaf {i}"),
        };
        format!("axis {d} of {arg} of type {}", l.aval().type_str())
    };
    let mut groups: Vec<(usize, Vec<usize>)> = Vec::new();
    for &(i, n) in sizes {
        match groups.iter_mut().find(|(s, _)| *s == n) {
            Some((_, members)) => members.push(i),
            None => groups.push((n, vec![i])),
        }
    }
    let mut lines: Vec<String> = Vec::new();
    if let Some(s) = axis_size {
        lines.push(format!("axis_size was given as {s}"));
    }
    for (n, members) in &groups {
        lines.push(if members.len() == 1 {
            format!("one axis had size {n}: {}", describe(members[0]))
        } else {
            format!(
                "some axes ({} of them) had size {n}, e.g. {}",
                members.len(),
                describe(members[0])
            )
        });
    }
    panic!(
        "vmap got inconsistent sizes for array axes to be mapped:\n  * {}",
        lines.join(";\n  * ")
    );
}

/// `jax.vmap` with every axis mapped at 0: a function of the same arguments as `f` that maps
/// `f` over axis 0 of every leaf of every argument and stacks the results along axis 0.
///
/// ```
/// use equinox_core::{numpy as jnp, transforms::vmap, Array};
/// let dot = |a: &Array, b: &Array| (a * b).sum(None);
/// let xs = jnp::arange(6.0).reshape([2, 3]);
/// let out = vmap(dot)(&xs, &xs);
/// assert_eq!(out.to_vec::<f32>(), vec![5.0, 50.0]);
/// ```
pub fn vmap<'f, M, F>(f: F) -> F::With<F::Output>
where
    F: FnArgsAll<'f, M>,
    F::Tuple: PyTree,
    F::Output: PyTree,
{
    vmap_with(f, VmapSpec::default())
}

/// `jax.vmap` with explicit options ([`VmapSpec`]). `in_axes` applies to the leaves of all
/// arguments in order; [`AxisSpec::PerArgument`] gives one spec per argument.
///
/// ```
/// use equinox_core::{numpy as jnp, transforms::{vmap_with, AxisSpec, VmapSpec}, Array};
/// // Map over the rows of `x` while `w` is shared (not mapped), stacking results on axis 1.
/// let f = vmap_with(
///     |w: &Array, x: &Array| w.matmul(x),
///     VmapSpec::default().in_axes(AxisSpec::PerArgument(vec![None.into(), 0.into()])).out_axes(1),
/// );
/// let out = f(&jnp::ones([2, 3]), &jnp::ones([5, 3]));
/// assert_eq!(out.shape(), &[2, 5]);
/// ```
pub fn vmap_with<'f, M, F>(f: F, spec: VmapSpec) -> F::With<F::Output>
where
    F: FnArgsAll<'f, M>,
    F::Tuple: PyTree,
    F::Output: PyTree,
{
    f.map_all(move |g, args| vmap_tuple(g, &spec, args))
}

/// The body of `vmap`: `f` mapped over the leaves of `x` as `spec` says.
fn vmap_tuple<T: PyTree, R: PyTree>(f: &dyn Fn(&T) -> R, spec: &VmapSpec, x: &T) -> R {
    let in_axes = spec.in_axes.resolve(x, "in_axes");
    let (leaves, def) = tree::flatten(x);
    let axes: Vec<Option<usize>> = leaves
        .iter()
        .zip(&in_axes)
        .map(|(l, a)| a.map(|a| normalize_axis(a, l.ndim(), "in_axes", l.aval())))
        .collect();
    let sizes: Vec<(usize, usize)> = axes
        .iter()
        .enumerate()
        .filter_map(|(i, d)| d.map(|d| (i, leaves[i].shape()[d])))
        .collect();
    let mut size = spec.axis_size;
    if let Some(&(_, n)) = sizes.first()
        && size.is_none()
    {
        size = Some(n);
    }
    if let Some(s) = size
        && sizes.iter().any(|&(_, n)| n != s)
    {
        inconsistent_sizes(x, &leaves, &axes, &sizes, spec.axis_size);
    }
    let axis_size = size.unwrap_or_else(|| {
        panic!("vmap: no input is mapped (every in_axes is None), so axis_size must be given")
    });
    let trace = Rc::new(BatchTrace {
        tag: new_tag(),
        parent: current(),
        axis_size,
        axis_name: spec.axis_name.clone(),
    });
    let inputs: Vec<Array> = leaves
        .into_iter()
        .zip(axes)
        .map(|(l, d)| trace.wrap(l, d))
        .collect();
    let out = {
        let _guard = set_current(Some(trace.clone() as Rc<dyn Trace>));
        f(&tree::unflatten(&def, inputs))
    };
    let out_axes = spec.out_axes.resolve(&out, "out_axes");
    let outs: Vec<Array> = tree::leaves(&out)
        .into_iter()
        .zip(out_axes)
        .map(|(o, oa)| {
            let (v, bdim) = trace.unwrap(o);
            match (oa, bdim) {
                (None, None) => v,
                (None, Some(_)) => panic!(
                    "vmap: an output with out_axes None depends on the mapped inputs (it is {} per lane)",
                    o.aval()
                ),
                (Some(a), Some(b)) => {
                    let d = normalize_axis(a, v.ndim(), "out_axes", v.aval());
                    if b == d {
                        v
                    } else {
                        moveaxis(&v, b, d)
                    }
                }
                (Some(a), None) => {
                    let d = normalize_axis(a, v.ndim() + 1, "out_axes", v.aval());
                    let mut shape = v.shape().to_vec();
                    shape.insert(d, axis_size);
                    v.expand_dims(d as isize).broadcast_to(shape)
                }
            }
        })
        .collect();
    tree::rebuild(&out, outs)
}
