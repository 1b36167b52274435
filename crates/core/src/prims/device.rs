//! Eager operations on arrays that live on a device (`Array::from_device`): `bind` hands a
//! primitive with such an operand to the backend that holds it. Backends register here
//! ([`register_device_backend`]), as JAX's backends register their factories, so the core
//! links none of them.

use super::{Primitive, PrimitiveRule};
use crate::array::{Array, ShapeDtype};
use std::sync::RwLock;

/// How a backend runs a primitive: `None` when no operand lives on its devices; otherwise the
/// outputs (`out` are their abstract values, already checked by the primitive's shape rule),
/// left on its device. Host operands are the backend's to copy over.
pub type DeviceEval = fn(&Primitive, &[&Array], &[ShapeDtype]) -> Option<Vec<Array>>;

static BACKENDS: RwLock<Vec<DeviceEval>> = RwLock::new(Vec::new());

/// Registers a backend's evaluator (once per backend; registering the same function again
/// does nothing).
pub fn register_device_backend(eval: DeviceEval) {
    let mut backends = BACKENDS.write().unwrap_or_else(|p| p.into_inner());
    if !backends.iter().any(|&f| std::ptr::fn_addr_eq(f, eval)) {
        backends.push(eval);
    }
}

/// Runs `prim` where its device operands live, if it has any.
pub(crate) fn eval_on_device(prim: &Primitive, args: &[&Array]) -> Option<Vec<Array>> {
    let device = args.iter().find_map(|a| a.device_data())?;
    let avals: Vec<&ShapeDtype> = args.iter().map(|a| a.aval()).collect();
    let out = prim.abstract_eval(&avals);
    let backends = BACKENDS.read().unwrap_or_else(|p| p.into_inner());
    match backends.iter().find_map(|eval| eval(prim, args, &out)) {
        Some(outs) => Some(outs),
        None => panic!(
            "{}: an operand lives on {}, whose backend registered no evaluator",
            prim.name(),
            device.describe()
        ),
    }
}
