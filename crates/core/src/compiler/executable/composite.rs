//! Composite formulas: a chain of float equations that a fused loop runs as one per-element
//! formula, with the intermediate values in registers.
//!
//! A fused loop runs each equation as its own pass over a block held in the L1/L2 caches
//! ([`super::fusion`], [`super::row_fusion`]). A cheap step, such as a multiply by a
//! constant, then costs a load and a store per vector, about 1.4 cycles per 16 f32 lanes with
//! AVX-512, where the same multiply on a register costs about a third of a cycle. XLA, which
//! compiles its loops, keeps such chains in registers. Without a code generator, the chains
//! that matter are recognised by their shape and run as formulas written out in Rust, which
//! the compiler vectorises:
//! - `jax.nn.gelu`'s tanh form: eight equations, seven cheap steps around `tanh`;
//! - `jax.nn.silu` (`x * logistic(x)`);
//! - softmax's `exp(x - max)`;
//! - `log1p(abs(x))` (a log-magnitude feature, and the benchmark's two-step chain).
//!
//! A formula performs the chain's own operations in the chain's order. It calls the element
//! functions that the standalone loops call ([`tanh_element`], [`cube`], ...), so a fused
//! program gives the same bits as the unfused one. Operands of the additions and
//! multiplications may come in either order, since both operations commute exactly in IEEE
//! arithmetic (except for which of two NaN operands the result carries, which already depends
//! on the operand order the compiler picks for each loop).

use super::kernels::{ElementwiseOp, Kernel};
use crate::array::{DType, FloatElement};
use crate::backend::cpu::elementwise::{map_into, zip_map_into};
use crate::jaxpr::{Atom, Jaxpr, Var};
use crate::prims::binary::BinaryOp;
use crate::prims::unary::{
    cube, exp_element, log1p_element, logistic_element, tanh_element, UnaryOp,
};
use smallvec::SmallVec;
use std::collections::HashMap;

/// A constant of a formula: the value of a literal of an f32 or f64 program, held exactly as
/// an f64's bits (so formulas compare exactly).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Constant(u64);

impl Constant {
    fn new(v: f64) -> Constant {
        Constant(v.to_bits())
    }

    /// The constant in the program's dtype (exact: it was a literal of that dtype).
    fn get<T: FloatElement>(self) -> T {
        T::from_f64(f64::from_bits(self.0))
    }
}

/// A formula that a fused step runs in place of a chain of equations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Composite {
    /// `jax.nn.gelu(x, approximate=True)` as traced:
    /// `x * (half * (one + tanh(scale * (x + cubic * x³))))`.
    GeluTanh {
        cubic: Constant,
        scale: Constant,
        one: Constant,
        half: Constant,
    },
    /// `jax.nn.silu`: `x * logistic(x)`.
    Silu,
    /// `exp(x - y)` (softmax's exponentials; `y` may be one element, broadcast).
    ExpOfDifference,
    /// `log1p(abs(x))`.
    Log1pOfAbs,
}

impl Composite {
    /// Runs the formula on its operands (`args[i]` unused past the chain's inputs) into `out`.
    pub(crate) fn run<T: FloatElement>(self, args: [&[T]; 3], out: &mut [T]) {
        let [x, y, _] = args;
        // The constants are captured by value (`move`): captured by reference, they are
        // reloaded through their pointers at every element and the loop does not vectorise.
        match self {
            Composite::GeluTanh {
                cubic,
                scale,
                one,
                half,
            } => {
                let (cubic, scale) = (cubic.get::<T>(), scale.get::<T>());
                let (one, half) = (one.get::<T>(), half.get::<T>());
                map_into(x, out, move |v| {
                    v * (half * (one + tanh_element(scale * (v + cubic * cube(v)))))
                });
            }
            Composite::Silu => map_into(x, out, |v| v * logistic_element(v)),
            Composite::ExpOfDifference => zip_map_into(x, y, out, |a, b| exp_element(a - b)),
            Composite::Log1pOfAbs => map_into(x, out, |v| log1p_element(v.abs())),
        }
    }
}

/// One equation of a chain's pattern: what it computes from the value `t` the previous
/// equation made. The first equation reads the chain's inputs.
#[derive(Clone, Copy)]
enum Link {
    /// `op(t)`; first: `op(x)`.
    Unary(UnaryOp),
    /// `t ⊙ c` or `c ⊙ t` for a literal `c` of the program's dtype (`⊙` commutes).
    WithConstant(BinaryOp),
    /// `t ⊙ x` or `x ⊙ t` (`⊙` commutes).
    WithX(BinaryOp),
    /// First only: `x ⊙ y` for any two operands, in that order.
    Binary(BinaryOp),
}

/// A pattern: its links, and the formula made from the constants its links read, in order.
struct Pattern {
    links: &'static [Link],
    formula: fn(&[Constant]) -> Composite,
}

/// The patterns, tried in this order at each member.
const PATTERNS: [Pattern; 4] = [
    // `jax.nn.gelu(x, approximate=True)`: `x³`, `· 0.044715`, `+ x`, `· sqrt(2/π)`, `tanh`,
    // `+ 1`, `· 0.5`, `· x`.
    Pattern {
        links: &[
            Link::Unary(UnaryOp::IntegerPow(3)),
            Link::WithConstant(BinaryOp::Mul),
            Link::WithX(BinaryOp::Add),
            Link::WithConstant(BinaryOp::Mul),
            Link::Unary(UnaryOp::Tanh),
            Link::WithConstant(BinaryOp::Add),
            Link::WithConstant(BinaryOp::Mul),
            Link::WithX(BinaryOp::Mul),
        ],
        formula: |c| Composite::GeluTanh {
            cubic: c[0],
            scale: c[1],
            one: c[2],
            half: c[3],
        },
    },
    Pattern {
        links: &[Link::Unary(UnaryOp::Logistic), Link::WithX(BinaryOp::Mul)],
        formula: |_| Composite::Silu,
    },
    Pattern {
        links: &[Link::Binary(BinaryOp::Sub), Link::Unary(UnaryOp::Exp)],
        formula: |_| Composite::ExpOfDifference,
    },
    Pattern {
        links: &[Link::Unary(UnaryOp::Abs), Link::Unary(UnaryOp::Log1p)],
        formula: |_| Composite::Log1pOfAbs,
    },
];

/// A chain among a fused loop's members: the members at positions `first..=last` (in the
/// loop's member order) compute `op` of `inputs`.
#[derive(Clone, Debug)]
pub(crate) struct Chain {
    pub(crate) first: usize,
    pub(crate) last: usize,
    pub(crate) op: Composite,
    pub(crate) inputs: SmallVec<[Atom; 2]>,
}

/// The chains among a fused loop's members, in order and without overlap, and for each member
/// the member whose step computes its value.
#[derive(Debug)]
pub(crate) struct Chains {
    chains: Vec<Chain>,
    ends: Vec<usize>,
}

impl Chains {
    /// Finds the chains among `members`. `kernel(k)` is member `k`'s standalone kernel (if it
    /// has one) and `outside(v)` whether anything but the members reads `v`. A chain's members
    /// are consecutive, and every value but the last is read only by the next member (it never
    /// exists outside the formula).
    pub(crate) fn find<'k>(
        j: &Jaxpr,
        members: &[usize],
        kernel: impl Fn(usize) -> Option<&'k Kernel>,
        outside: impl Fn(Var) -> bool,
    ) -> Chains {
        let mut reads: HashMap<Var, usize> = HashMap::new();
        for &i in members {
            for a in &j.eqns[i].inputs {
                if let Atom::Var(v) = a {
                    *reads.entry(*v).or_default() += 1;
                }
            }
        }
        let private = |v: Var| !outside(v) && reads.get(&v) == Some(&1);
        let mut chains = Vec::new();
        let mut k = 0;
        while k < members.len() {
            let found = PATTERNS.iter().find_map(|p| {
                let (inputs, constants) =
                    match_at(j, &members[k..], &|l| kernel(k + l), p.links, &private)?;
                Some(Chain {
                    first: k,
                    last: k + p.links.len() - 1,
                    op: (p.formula)(&constants),
                    inputs,
                })
            });
            match found {
                Some(chain) => {
                    k = chain.last + 1;
                    chains.push(chain);
                }
                None => k += 1,
            }
        }
        let mut ends: Vec<usize> = (0..members.len()).collect();
        for c in &chains {
            ends[c.first..=c.last].fill(c.last);
        }
        Chains { chains, ends }
    }

    /// For each member, the member whose step computes its value: itself, or the last member
    /// of the chain it belongs to.
    pub(crate) fn ends(&self) -> &[usize] {
        &self.ends
    }

    /// The chain whose last member is `k`, if any.
    pub(crate) fn at_last(&self, k: usize) -> Option<&Chain> {
        // Chains are few and sorted: a binary search keeps a long loop linear.
        self.chains
            .binary_search_by_key(&k, |c| c.last)
            .ok()
            .map(|i| &self.chains[i])
    }
}

/// Matches `links` against the first members (`kernel(l)`: the kernel of `members[l]`, if it
/// has one); gives the chain's inputs and the constants its links read, in order.
#[allow(clippy::type_complexity)]
fn match_at<'k>(
    j: &Jaxpr,
    members: &[usize],
    kernel: &dyn Fn(usize) -> Option<&'k Kernel>,
    links: &[Link],
    private: &dyn Fn(Var) -> bool,
) -> Option<(SmallVec<[Atom; 2]>, SmallVec<[Constant; 4]>)> {
    if members.len() < links.len() {
        return None;
    }
    let mut inputs: SmallVec<[Atom; 2]> = SmallVec::new();
    let mut constants = SmallVec::new();
    let mut dtype = None;
    let mut t: Option<Var> = None;
    for (l, (link, &i)) in links.iter().zip(members).enumerate() {
        let e = &j.eqns[i];
        let Some(Kernel::Elementwise { op, dtype: d }) = kernel(l) else {
            return None;
        };
        let same_dtype = dtype.is_none_or(|first| first == *d);
        if !matches!(d, DType::F32 | DType::F64) || !same_dtype || e.outputs.len() != 1 {
            return None;
        }
        dtype = Some(*d);
        let is_t = |a: &Atom| matches!(a, Atom::Var(v) if Some(*v) == t);
        let is_x =
            |a: &Atom| matches!((a, inputs.first()), (Atom::Var(v), Some(Atom::Var(x))) if v == x);
        match (*link, op, &e.inputs[..]) {
            (Link::Unary(u), ElementwiseOp::Unary(o), [a]) if u == *o => {
                if t.is_none() {
                    inputs.push(a.clone());
                } else if !is_t(a) {
                    return None;
                }
            }
            (Link::WithConstant(b), ElementwiseOp::Binary(o), [p, q]) if b == *o => {
                let c = match (p, q) {
                    (v, Atom::Literal(c)) | (Atom::Literal(c), v) if is_t(v) => c,
                    _ => return None,
                };
                if c.dtype() != *d {
                    return None;
                }
                constants.push(Constant::new(c.item::<f64>()));
            }
            (Link::WithX(b), ElementwiseOp::Binary(o), [p, q]) if b == *o => {
                if !((is_t(p) && is_x(q)) || (is_x(p) && is_t(q))) {
                    return None;
                }
            }
            (Link::Binary(b), ElementwiseOp::Binary(o), [p, q]) if b == *o && t.is_none() => {
                inputs.extend([p.clone(), q.clone()]);
            }
            _ => return None,
        }
        // The previous value must be read by this member only.
        if t.is_some_and(|prev| !private(prev)) {
            return None;
        }
        t = Some(e.outputs[0]);
    }
    Some((inputs, constants))
}

/// Asserts `got` and `want` hold the same bits, naming the first element that differs (f32
/// values widen to f64 exactly, so this serves both). Any NaN matches any NaN: which operand's
/// NaN a loop returns depends on the operand order the compiler picked for it.
#[cfg(test)]
pub(crate) fn assert_same_bits_but_nans(got: &[f64], want: &[f64], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    let same = |g: f64, w: f64| g.to_bits() == w.to_bits() || (g.is_nan() && w.is_nan());
    if let Some(i) = (0..got.len()).find(|&i| !same(got[i], want[i])) {
        panic!("{what} at element {i}: {} against {}", got[i], want[i]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Inputs over the ranges the formulas care about, and the special values.
    fn inputs() -> Vec<f32> {
        let mut x: Vec<f32> = (0..4000).map(|i| (i as f32 - 2000.0) * 0.0047).collect();
        x.extend([0.0, -0.0, 1e-30, -1e-38, 9.0, -9.0, 88.7, -104.0]);
        x.extend([f32::INFINITY, f32::NEG_INFINITY, f32::NAN]);
        x
    }

    /// Asserts `got[i]` and `want(i)` hold the same bits for every `i`.
    fn assert_same_bits(got: &[f32], want: impl Fn(usize) -> f32, what: &str) {
        let widen = |v: &[f32]| v.iter().map(|&v| v as f64).collect::<Vec<f64>>();
        let want: Vec<f32> = (0..got.len()).map(want).collect();
        assert_same_bits_but_nans(&widen(got), &widen(&want), what);
    }
    #[test]
    fn formulas_give_the_bits_of_their_equations_one_at_a_time() {
        let x = inputs();
        let mut out = vec![0.0f32; x.len()];
        let scale = (2.0f64 / std::f64::consts::PI).sqrt() as f32;
        let c = |v: f32| Constant::new(v as f64);
        let gelu = Composite::GeluTanh {
            cubic: c(0.044715),
            scale: c(scale),
            one: c(1.0),
            half: c(0.5),
        };
        gelu.run([&x, &[], &[]], &mut out);
        let one_at_a_time = |v: f32| {
            let t = 0.044715f32 * cube(v);
            let t = scale * (v + t);
            v * (0.5 * (1.0 + tanh_element(t)))
        };
        assert_same_bits(&out, |i| one_at_a_time(x[i]), "gelu");

        Composite::Silu.run([&x, &[], &[]], &mut out);
        assert_same_bits(&out, |i| x[i] * logistic_element(x[i]), "silu");

        // A full second operand, then a single broadcast element.
        let y: Vec<f32> = x.iter().rev().copied().collect();
        Composite::ExpOfDifference.run([&x, &y, &[]], &mut out);
        assert_same_bits(&out, |i| exp_element(x[i] - y[i]), "exp(x - y)");
        Composite::ExpOfDifference.run([&x, &[3.5], &[]], &mut out);
        assert_same_bits(&out, |i| exp_element(x[i] - 3.5), "exp(x - 3.5)");

        Composite::Log1pOfAbs.run([&x, &[], &[]], &mut out);
        assert_same_bits(&out, |i| log1p_element(x[i].abs()), "log1p(abs(x))");
    }
}
