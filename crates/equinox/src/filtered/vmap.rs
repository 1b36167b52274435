//! `filter_vmap`.

use crate::transforms::{vmap_with, FnArgsAll, VmapSpec};
use crate::Module;

/// `eqx.filter_vmap` with Equinox's defaults: every array leaf of the argument is mapped over
/// axis 0 and every array output is stacked on axis 0; non-array fields are static, shared by
/// all lanes. Mapping a constructor over a batch of keys builds an ensemble.
///
/// ```
/// use equinox as eqx;
/// use eqx::{numpy as jnp, random, Array, Module};
///
/// #[derive(Module, Clone)]
/// struct Affine { w: Array, b: Array }
///
/// let make = |k: &random::Key| {
///     let [kw, kb] = random::split_into(k.clone());
///     Affine { w: random::normal(kw, [3], eqx::DType::F32), b: random::normal(kb, [], eqx::DType::F32) }
/// };
/// let ensemble = eqx::filter_vmap(make)(&random::split(random::key(0), 5));
/// assert_eq!(ensemble.w.shape(), &[5, 3]);
/// let outs = eqx::filter_vmap(|m: &Affine| (&m.w * 2.0).sum(None) + &m.b)(&ensemble);
/// assert_eq!(outs.shape(), &[5]);
/// ```
pub fn filter_vmap<'f, M, F>(f: F) -> F::With<F::Output>
where
    F: FnArgsAll<'f, M>,
    F::Tuple: Module,
    F::Output: Module,
{
    vmap_with(f, VmapSpec::default())
}

/// `eqx.filter_vmap` with explicit `in_axes`/`out_axes` (per leaf), `axis_name` and
/// `axis_size` ([`VmapSpec`]).
pub fn filter_vmap_with<'f, M, F>(f: F, spec: VmapSpec) -> F::With<F::Output>
where
    F: FnArgsAll<'f, M>,
    F::Tuple: Module,
    F::Output: Module,
{
    vmap_with(f, spec)
}
