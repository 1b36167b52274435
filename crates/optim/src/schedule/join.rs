//! Joining schedules end to end (`optax.join_schedules`).

use equinox_core::{numpy as jnp, Array};

use super::DynSchedule;

/// `schedules[0]` until `boundaries[0]`, then `schedules[1]` counted from that boundary, and
/// so on (`optax.join_schedules`). As in Optax, schedules and boundaries pair up as far as
/// both go (Python's `zip`): extra boundaries or schedules are ignored.
///
/// ```
/// use std::sync::Arc;
/// use equinox_optim::{constant_schedule, join_schedules, linear_schedule, Schedule};
/// let s = join_schedules(
///     vec![Arc::new(constant_schedule(1.0)), Arc::new(linear_schedule(1.0, 0.0, 4))],
///     &[3],
/// );
/// assert_eq!(s.at(2), 1.0);
/// assert_eq!(s.at(5), 0.5);
/// ```
///
/// # Panics
/// If `schedules` is empty.
#[track_caller]
pub fn join_schedules(
    schedules: Vec<DynSchedule>,
    boundaries: &[i64],
) -> impl Fn(&Array) -> Array + Clone + Send + Sync + use<> {
    assert!(
        !schedules.is_empty(),
        "join_schedules: expected at least one schedule, got none"
    );
    let boundaries = boundaries.to_vec();
    move |step: &Array| {
        let mut output = schedules[0](step);
        for (&boundary, schedule) in boundaries.iter().zip(&schedules[1..]) {
            output = switch_at(step, boundary, &output, &schedule(&(step - boundary)));
        }
        output
    }
}

/// `jnp.where(step < boundary, before, after)`: one boundary of a join.
pub(super) fn switch_at(step: &Array, boundary: i64, before: &Array, after: &Array) -> Array {
    jnp::where_(
        &jnp::less(step, &Array::weak_scalar(boundary)),
        before,
        after,
    )
}
