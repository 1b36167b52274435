//! Lion.

use super::{decayed, Decayed};
use crate::schedule::ScalarOrSchedule;
use crate::transform::{Mask, ScaleByLion, WeightDecay};

/// [`lion`]'s chain.
pub type Lion<L, W = f64> = Decayed<ScaleByLion, L, W>;

/// The options of [`lion_with_options`], with Optax's defaults (the weight decay as in
/// [`AdamWOptions`](crate::AdamWOptions)).
#[derive(Clone, Debug)]
pub struct LionOptions<W = f64> {
    /// `b1` (0.9), `b2` (0.99), `mu_dtype`.
    pub lion: ScaleByLion,
    /// The weight decay (1e-3).
    pub weight_decay: W,
    /// The leaves to decay (default: all).
    pub mask: Option<Mask>,
}

impl Default for LionOptions {
    fn default() -> Self {
        LionOptions {
            lion: ScaleByLion::default(),
            weight_decay: 1e-3,
            mask: None,
        }
    }
}

/// Lion (`optax.lion` with its defaults: `b1 = 0.9`, `b2 = 0.99`, weight decay 1e-3).
pub fn lion<L: ScalarOrSchedule>(learning_rate: L) -> Lion<L> {
    lion_with_options(learning_rate, LionOptions::default())
}

/// [`lion`] with options (`optax.lion`).
pub fn lion_with_options<L: ScalarOrSchedule, W: WeightDecay>(
    learning_rate: L,
    options: LionOptions<W>,
) -> Lion<L, W> {
    decayed(
        options.lion,
        options.weight_decay,
        options.mask,
        learning_rate,
    )
}
