//! Scaling by the parameters' own size (`optax.scale_by_param_block_norm`,
//! `scale_by_param_block_rms`, `scale_by_trust_ratio`): stateless, and each needs the
//! parameters in `update`.

use equinox_core::{numpy as jnp, Array};

use super::stateless::{impl_stateless, Leafwise};
use crate::numerics::{safe_norm, safe_root_mean_squares};

/// Scales each update by its parameter's norm ([`scale_by_param_block_norm`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScaleByParamBlockNorm {
    /// The smallest norm used (1e-3).
    pub min_scale: f64,
}

impl Default for ScaleByParamBlockNorm {
    fn default() -> Self {
        ScaleByParamBlockNorm { min_scale: 1e-3 }
    }
}

/// Multiplies each update leaf by `max(norm(param), min_scale)`
/// (`optax.scale_by_param_block_norm` with its default `min_scale = 1e-3`; build
/// [`ScaleByParamBlockNorm`] for another). Needs the parameters.
pub fn scale_by_param_block_norm() -> ScaleByParamBlockNorm {
    ScaleByParamBlockNorm::default()
}

impl Leafwise for ScaleByParamBlockNorm {
    const NAME: &'static str = "scale_by_param_block_norm";
    const NEEDS_PARAMS: bool = true;

    fn leaf(&self, update: &Array, param: Option<&Array>) -> Array {
        update * safe_norm(param.expect("checked by apply_leafwise"), self.min_scale)
    }
}

/// Scales each update by its parameter's root mean square ([`scale_by_param_block_rms`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScaleByParamBlockRms {
    /// The smallest root mean square used (1e-3).
    pub min_scale: f64,
}

impl Default for ScaleByParamBlockRms {
    fn default() -> Self {
        ScaleByParamBlockRms { min_scale: 1e-3 }
    }
}

/// Multiplies each update leaf by `max(rms(param), min_scale)`
/// (`optax.scale_by_param_block_rms` with its default `min_scale = 1e-3`; build
/// [`ScaleByParamBlockRms`] for another). Needs the parameters.
pub fn scale_by_param_block_rms() -> ScaleByParamBlockRms {
    ScaleByParamBlockRms::default()
}

impl Leafwise for ScaleByParamBlockRms {
    const NAME: &'static str = "scale_by_param_block_rms";
    const NEEDS_PARAMS: bool = true;

    fn leaf(&self, update: &Array, param: Option<&Array>) -> Array {
        update * safe_root_mean_squares(param.expect("checked by apply_leafwise"), self.min_scale)
    }
}

/// LARS/LAMB's trust ratio ([`scale_by_trust_ratio`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScaleByTrustRatio {
    /// The smallest norm used for parameters and updates (0).
    pub min_norm: f64,
    /// A factor on the ratio (1).
    pub trust_coefficient: f64,
    /// Added to the update's norm (0).
    pub eps: f64,
}

impl Default for ScaleByTrustRatio {
    fn default() -> Self {
        ScaleByTrustRatio {
            min_norm: 0.0,
            trust_coefficient: 1.0,
            eps: 0.0,
        }
    }
}

/// Multiplies each update leaf by `trust_coefficient * norm(param) / (norm(update) + eps)`,
/// or by 1 where either norm is zero (`optax.scale_by_trust_ratio` with its defaults; build
/// [`ScaleByTrustRatio`] for others). Needs the parameters.
pub fn scale_by_trust_ratio() -> ScaleByTrustRatio {
    ScaleByTrustRatio::default()
}

impl Leafwise for ScaleByTrustRatio {
    const NAME: &'static str = "scale_by_trust_ratio";
    const NEEDS_PARAMS: bool = true;

    fn leaf(&self, update: &Array, param: Option<&Array>) -> Array {
        let param = param.expect("checked by apply_leafwise");
        let param_norm = safe_norm(param, self.min_norm);
        let update_norm = safe_norm(update, self.min_norm);
        let trust_ratio = self.trust_coefficient * &param_norm / (&update_norm + self.eps);
        let zero = Array::weak_scalar(0.0f64);
        let zero_norm = jnp::logical_or(
            &jnp::equal(&param_norm, &zero),
            &jnp::equal(&update_norm, &zero),
        );
        let one = jnp::ones_dtype((), param.dtype());
        update * jnp::where_(&zero_norm, &one, &trust_ratio)
    }
}

impl_stateless!(
    ScaleByParamBlockNorm,
    ScaleByParamBlockRms,
    ScaleByTrustRatio
);
