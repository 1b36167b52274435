//! `jax.lax`'s special functions: the gamma family (`lgamma`, `digamma`, `polygamma`,
//! `igamma`, `igammac`, `igamma_grad_a`, `random_gamma_grad`), `betainc`, `zeta`, the scaled
//! Bessel functions and the error functions. Operands must be floating point and (apart from
//! weakly typed scalars) of one dtype; shapes must be equal or 0-d, as in JAX. Derivatives are
//! JAX's (see [`crate::prims::special`]).

use super::operands::same_dtypes;
use crate::array::Array;
use crate::prims::bind1;
use crate::prims::special::SpecialOp;
use crate::prims::unary::UnaryOp;

fn nary(op: SpecialOp, name: &str, args: &[&Array]) -> Array {
    let args = same_dtypes(name, args);
    let refs: Vec<&Array> = args.iter().collect();
    bind1(op, &refs)
}

/// `jax.lax.lgamma`: `ln |Γ(x)|` elementwise.
pub fn lgamma(x: &Array) -> Array {
    bind1(UnaryOp::Lgamma, &[x])
}

/// `jax.lax.digamma`: ψ(x) = d/dx ln Γ(x) elementwise.
pub fn digamma(x: &Array) -> Array {
    bind1(UnaryOp::Digamma, &[x])
}

/// `jax.lax.polygamma`: ψ⁽ᵐ⁾(x), the m-th derivative of digamma, for natural-number `m`
/// (NaN for other `m`); differentiable in `x` only.
pub fn polygamma(m: &Array, x: &Array) -> Array {
    nary(SpecialOp::Polygamma, "polygamma", &[m, x])
}

/// `jax.lax.igamma`: the regularized lower incomplete gamma function P(a, x).
pub fn igamma(a: &Array, x: &Array) -> Array {
    nary(SpecialOp::Igamma, "igamma", &[a, x])
}

/// `jax.lax.igammac`: the regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x).
pub fn igammac(a: &Array, x: &Array) -> Array {
    nary(SpecialOp::Igammac, "igammac", &[a, x])
}

/// `jax.lax.igamma_grad_a`: ∂P(a, x)/∂a (not itself differentiable, as in JAX).
pub fn igamma_grad_a(a: &Array, x: &Array) -> Array {
    nary(SpecialOp::IgammaGradA, "igamma_grad_a", &[a, x])
}

/// `jax.lax.random_gamma_grad`: the derivative with respect to `a` of a `Gamma(a, 1)` sample
/// `x` (implicit reparameterisation, used by `jax.random.gamma`'s gradient).
pub fn random_gamma_grad(a: &Array, x: &Array) -> Array {
    nary(SpecialOp::RandomGammaGrad, "random_gamma_grad", &[a, x])
}

/// `jax.lax.zeta`: the Hurwitz zeta function ζ(x, q) = Σₖ (k + q)^-x.
pub fn zeta(x: &Array, q: &Array) -> Array {
    nary(SpecialOp::Zeta, "zeta", &[x, q])
}

/// `jax.lax.betainc`: the regularized incomplete beta function I_x(a, b); differentiable in
/// `x` only (JAX raises for `a` and `b`).
pub fn betainc(a: &Array, b: &Array, x: &Array) -> Array {
    nary(SpecialOp::RegularizedIncompleteBeta, "betainc", &[a, b, x])
}

/// `jax.lax.bessel_i0e`: the exponentially scaled modified Bessel function e^-|x| I₀(x).
pub fn bessel_i0e(x: &Array) -> Array {
    bind1(SpecialOp::BesselI0e, &[x])
}

/// `jax.lax.bessel_i1e`: the exponentially scaled modified Bessel function e^-|x| I₁(x).
pub fn bessel_i1e(x: &Array) -> Array {
    bind1(SpecialOp::BesselI1e, &[x])
}

/// `jax.lax.erf`: the error function elementwise.
pub fn erf(x: &Array) -> Array {
    bind1(UnaryOp::Erf, &[x])
}

/// `jax.lax.erfc`: the complementary error function 1 - erf(x) elementwise.
pub fn erfc(x: &Array) -> Array {
    bind1(UnaryOp::Erfc, &[x])
}

/// `jax.lax.erf_inv`: the inverse error function elementwise.
pub fn erf_inv(x: &Array) -> Array {
    bind1(UnaryOp::ErfInv, &[x])
}
