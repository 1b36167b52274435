//! Functions with user-defined derivatives: `custom_jvp_call`, `custom_vjp_call` and the
//! `custom_lin` equation reverse mode stages for a custom VJP (JAX's `custom_derivatives.py`).
//!
//! The user's functions are kept as flat closures over `Array`s. Two instances are the same
//! primitive only if they hold the same closures (pointer identity), which is what a jit cache
//! key needs.

use crate::array::{Array, ShapeDtype};
use crate::jaxpr::stablehlo::{LoweringContext, LoweringError, Value};
use crate::prims::higher_order_rule::{HigherOrderPrim, HigherOrderRule};
use crate::prims::{bind, rules, LinearArg, Primitive, PrimitiveRule};
use crate::trace::batch::vmap_flat;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// A function of flat arrays.
pub type FlatFn = Arc<dyn Fn(&[Array]) -> Vec<Array> + Send + Sync>;
/// A JVP rule of flat arrays: `(primals, tangents) -> (outputs, output tangents)`.
pub type FlatJvp = Arc<dyn Fn(&[Array], &[Array]) -> (Vec<Array>, Vec<Array>) + Send + Sync>;
/// The forward pass of a custom VJP: `primals -> (outputs, residuals)`.
pub type FlatFwd = Arc<dyn Fn(&[Array]) -> (Vec<Array>, Vec<Array>) + Send + Sync>;
/// The backward pass of a custom VJP: `(residuals, output cotangents) -> input cotangents`.
pub type FlatBwd = Arc<dyn Fn(&[Array], &[Array]) -> Vec<Option<Array>> + Send + Sync>;

/// A primitive wrapping user closures.
#[derive(Clone)]
pub enum CustomOp {
    /// A function with a custom JVP rule.
    Jvp {
        /// Its name, for printing.
        name: String,
        /// The function.
        call: FlatFn,
        /// Its JVP rule.
        jvp: FlatJvp,
        /// The outputs' abstract values.
        out_avals: Vec<ShapeDtype>,
    },
    /// A function with a custom VJP.
    Vjp {
        /// Its name, for printing.
        name: String,
        /// The function.
        call: FlatFn,
        /// Its forward pass (outputs and residuals).
        fwd: FlatFwd,
        /// Its backward pass.
        bwd: FlatBwd,
        /// The outputs' abstract values.
        out_avals: Vec<ShapeDtype>,
    },
    /// A map linear in its last operands given the residuals (its first `num_res` operands),
    /// whose transpose runs a user function: the tangent map of a custom-VJP function at a
    /// point (the input tangents are the linear operands), or `custom_linear_solve`'s solve.
    Lin {
        /// Its name, for printing.
        name: String,
        /// The map itself, when it can be evaluated (`custom_linear_solve`'s solve; forward
        /// mode then applies it to the tangents, ignoring tangents of the residuals). `None`
        /// for a custom-VJP function's tangent map, which forward mode cannot evaluate.
        call: Option<FlatFn>,
        /// The transpose: `(residuals, output cotangents) -> cotangents of the linear operands`.
        bwd: FlatBwd,
        /// How many leading operands are residuals.
        num_res: usize,
        /// The abstract values of the output tangents.
        out_avals: Vec<ShapeDtype>,
    },
}

impl CustomOp {
    fn identity(&self) -> usize {
        match self {
            CustomOp::Jvp { call, .. } | CustomOp::Vjp { call, .. } => {
                Arc::as_ptr(call) as *const u8 as usize
            }
            CustomOp::Lin { bwd, .. } => Arc::as_ptr(bwd) as *const u8 as usize,
        }
    }

    fn display_name(&self) -> &str {
        match self {
            CustomOp::Jvp { name, .. }
            | CustomOp::Vjp { name, .. }
            | CustomOp::Lin { name, .. } => name,
        }
    }

    fn out_avals(&self) -> &[ShapeDtype] {
        match self {
            CustomOp::Jvp { out_avals, .. }
            | CustomOp::Vjp { out_avals, .. }
            | CustomOp::Lin { out_avals, .. } => out_avals,
        }
    }
}

impl PartialEq for CustomOp {
    fn eq(&self, other: &Self) -> bool {
        self.identity() == other.identity() && self.name() == other.name()
    }
}

impl Eq for CustomOp {}

impl Hash for CustomOp {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.identity().hash(state);
    }
}

// Closures are opaque: a custom function's effects are not known, so DCE may drop an unused
// call (as it does a `pure_callback`).
impl HigherOrderRule for CustomOp {}

impl From<CustomOp> for Primitive {
    fn from(op: CustomOp) -> Primitive {
        Primitive::HigherOrder(HigherOrderPrim::new(op))
    }
}

impl fmt::Debug for CustomOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}[name={}]", self.name(), self.display_name())
    }
}

/// `out_avals` with a leading batch axis of `size`.
fn batched_avals(avals: &[ShapeDtype], size: usize) -> Vec<ShapeDtype> {
    avals
        .iter()
        .map(|a| {
            let mut shape = vec![size];
            shape.extend_from_slice(&a.shape);
            ShapeDtype {
                shape: shape.into(),
                dtype: a.dtype,
                weak_type: a.weak_type,
            }
        })
        .collect()
}

/// A cotangent batched at axis 0 put back at an operand's batch axis (summed over the lanes
/// for an operand that was not batched).
fn unbatch_cotangent(ct: Array, dim: Option<usize>) -> Array {
    match dim {
        Some(d) => rules::move_axis(&ct, 0, d),
        None => rules::reduce_sum(&ct, smallvec::smallvec![0]),
    }
}

impl PrimitiveRule for CustomOp {
    fn name(&self) -> &'static str {
        match self {
            CustomOp::Jvp { .. } => "custom_jvp_call",
            CustomOp::Vjp { .. } => "custom_vjp_call",
            CustomOp::Lin { .. } => "custom_lin",
        }
    }

    fn abstract_eval(&self, _args: &[&ShapeDtype]) -> Vec<ShapeDtype> {
        self.out_avals().to_vec()
    }

    fn lower(
        &self,
        cx: &mut LoweringContext,
        args: &[Value],
        _out: &[ShapeDtype],
    ) -> Result<Vec<Value>, LoweringError> {
        // A compiled program only runs the primal: its derivatives were taken before staging.
        match self {
            CustomOp::Jvp { call, .. }
            | CustomOp::Vjp { call, .. }
            | CustomOp::Lin {
                call: Some(call), ..
            } => cx.lower_function(call.as_ref(), args),
            CustomOp::Lin { name, .. } => Err(LoweringError::new(
                "custom_lin",
                format!("the linearised custom_vjp function {name} has no primal to run"),
            )),
        }
    }

    fn eval(&self, args: &[&Array], _out: &[ShapeDtype]) -> Vec<Array> {
        let args: Vec<Array> = args.iter().map(|a| (*a).clone()).collect();
        match self {
            CustomOp::Jvp { call, .. }
            | CustomOp::Vjp { call, .. }
            | CustomOp::Lin {
                call: Some(call), ..
            } => call(&args),
            CustomOp::Lin { name, .. } => panic!(
                "can't apply forward-mode autodiff (jvp) to a custom_vjp function ({name}); use \
                 reverse mode (grad, vjp) or define a custom_jvp instead"
            ),
        }
    }

    fn jvp(
        &self,
        primals: &[&Array],
        tangents: &[Option<&Array>],
    ) -> (Vec<Array>, Vec<Option<Array>>) {
        let ps: Vec<Array> = primals.iter().map(|a| (*a).clone()).collect();
        let ts: Vec<Array> = tangents
            .iter()
            .zip(primals)
            .map(|(t, p)| rules::instantiate(*t, p.aval()))
            .collect();
        match self {
            CustomOp::Jvp { jvp, .. } => {
                let (outs, touts) = jvp(&ps, &ts);
                (outs, touts.into_iter().map(Some).collect())
            }
            CustomOp::Vjp { name, fwd, bwd, .. } => {
                let (outs, res) = fwd(&ps);
                let lin = CustomOp::Lin {
                    name: name.clone(),
                    call: None,
                    bwd: bwd.clone(),
                    num_res: res.len(),
                    out_avals: outs.iter().map(|o| o.aval().clone()).collect(),
                };
                let operands: Vec<&Array> = res.iter().chain(&ts).collect();
                let touts = bind(lin, &operands);
                (outs, touts.into_iter().map(Some).collect())
            }
            CustomOp::Lin {
                call: Some(_),
                num_res,
                ..
            } => {
                let outs = bind(self.clone(), primals);
                let operands: Vec<&Array> = primals[..*num_res]
                    .iter()
                    .copied()
                    .chain(&ts[*num_res..])
                    .collect();
                let touts = bind(self.clone(), &operands);
                (outs, touts.into_iter().map(Some).collect())
            }
            CustomOp::Lin { name, .. } => {
                panic!("can't apply forward-mode autodiff (jvp) to a custom_vjp function ({name})")
            }
        }
    }

    fn transpose(&self, cts: &[Option<&Array>], args: &[LinearArg]) -> Vec<Option<Array>> {
        match self {
            CustomOp::Lin {
                bwd,
                num_res,
                out_avals,
                ..
            } => {
                let res: Vec<Array> = args[..*num_res]
                    .iter()
                    .map(|a| a.known("custom_lin").clone())
                    .collect();
                let cts: Vec<Array> = cts
                    .iter()
                    .zip(out_avals)
                    .map(|(c, a)| rules::instantiate(*c, a))
                    .collect();
                let mut out = vec![None; *num_res];
                out.extend(bwd(&res, &cts));
                out
            }
            _ => rules::not_linear(self.name()),
        }
    }

    fn batch(
        &self,
        args: &[&Array],
        dims: &[Option<usize>],
        axis_size: usize,
    ) -> (Vec<Array>, Vec<Option<usize>>) {
        let dims: Vec<Option<usize>> = dims.to_vec();
        let n = axis_size;
        let batched = match self {
            CustomOp::Jvp {
                name,
                call,
                jvp,
                out_avals,
            } => {
                let (call0, jvp0) = (call.clone(), jvp.clone());
                let d1 = dims.clone();
                let d2: Vec<Option<usize>> = dims.iter().chain(&dims).copied().collect();
                let nout = out_avals.len();
                CustomOp::Jvp {
                    name: name.clone(),
                    call: Arc::new(move |xs: &[Array]| vmap_flat(&*call0, xs, &d1, n)),
                    jvp: Arc::new(move |ps: &[Array], ts: &[Array]| {
                        let both: Vec<Array> = ps.iter().chain(ts).cloned().collect();
                        let f = |xs: &[Array]| {
                            let k = xs.len() / 2;
                            let (o, t) = jvp0(&xs[..k], &xs[k..]);
                            o.into_iter().chain(t).collect()
                        };
                        let mut outs = vmap_flat(&f, &both, &d2, n);
                        let touts = outs.split_off(nout);
                        (outs, touts)
                    }),
                    out_avals: batched_avals(out_avals, n),
                }
            }
            CustomOp::Vjp {
                name,
                call,
                fwd,
                bwd,
                out_avals,
            } => {
                let (call0, fwd0, bwd0) = (call.clone(), fwd.clone(), bwd.clone());
                let (d1, d2, d3) = (dims.clone(), dims.clone(), dims.clone());
                let nout = out_avals.len();
                CustomOp::Vjp {
                    name: name.clone(),
                    call: Arc::new(move |xs: &[Array]| vmap_flat(&*call0, xs, &d1, n)),
                    fwd: Arc::new(move |xs: &[Array]| {
                        let f = |xs: &[Array]| {
                            let (o, r) = fwd0(xs);
                            o.into_iter().chain(r).collect()
                        };
                        let mut outs = vmap_flat(&f, xs, &d2, n);
                        let res = outs.split_off(nout);
                        (outs, res)
                    }),
                    // Residuals and output cotangents arrive batched at axis 0; input cotangents
                    // go back to each operand's batch axis.
                    bwd: Arc::new(move |res: &[Array], cts: &[Array]| {
                        let both: Vec<Array> = res.iter().chain(cts).cloned().collect();
                        let nres = res.len();
                        let zeros_for: Vec<Option<usize>> = vec![Some(0); both.len()];
                        let f = |xs: &[Array]| {
                            bwd0(&xs[..nres], &xs[nres..])
                                .into_iter()
                                .map(|c| {
                                    c.expect(
                                        "custom_vjp bwd under vmap must return every cotangent",
                                    )
                                })
                                .collect()
                        };
                        vmap_flat(&f, &both, &zeros_for, n)
                            .into_iter()
                            .zip(&d3)
                            .map(|(c, d)| Some(unbatch_cotangent(c, *d)))
                            .collect()
                    }),
                    out_avals: batched_avals(out_avals, n),
                }
            }
            CustomOp::Lin {
                name,
                call,
                bwd,
                num_res,
                out_avals,
            } => {
                let bwd0 = bwd.clone();
                let nres = *num_res;
                let d = dims.clone();
                let call = call.clone().map(|call0| {
                    let d1 = dims.clone();
                    Arc::new(move |xs: &[Array]| vmap_flat(&*call0, xs, &d1, n)) as FlatFn
                });
                CustomOp::Lin {
                    name: name.clone(),
                    call,
                    bwd: Arc::new(move |res: &[Array], cts: &[Array]| {
                        let both: Vec<Array> = res.iter().chain(cts).cloned().collect();
                        let mut in_dims: Vec<Option<usize>> = d[..nres].to_vec();
                        in_dims.extend(std::iter::repeat_n(Some(0), cts.len()));
                        let f = |xs: &[Array]| {
                            bwd0(&xs[..nres], &xs[nres..])
                                .into_iter()
                                .map(|c| {
                                    c.expect(
                                        "custom_vjp bwd under vmap must return every cotangent",
                                    )
                                })
                                .collect()
                        };
                        vmap_flat(&f, &both, &in_dims, n)
                            .into_iter()
                            .zip(&d[nres..])
                            .map(|(c, d)| Some(unbatch_cotangent(c, *d)))
                            .collect()
                    }),
                    num_res: nres,
                    out_avals: batched_avals(out_avals, n),
                }
            }
        };
        let outs = bind(batched, args);
        let k = outs.len();
        (outs, vec![Some(0); k])
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        vec![("name", self.display_name().to_string())]
    }
}
