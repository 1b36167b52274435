//! Prints a jaxpr the way `jax.make_jaxpr` does:
//!
//! ```text
//! { lambda ; a:f32[3] b:f32[3]. let
//!     c:f32[3] = sin a
//!     d:f32[3] = mul c b
//!   in (d,) }
//! ```

use super::{Atom, ClosedJaxpr, Jaxpr, Var};
use crate::array::ShapeDtype;
use crate::prims::PrimitiveRule;
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;

/// JAX's variable names: a..z, then ba, bb, ... (base 26 with `a` as the zero digit, so no
/// name but `a` itself starts with `a`).
fn var_name(mut n: usize) -> String {
    let mut digits = Vec::new();
    loop {
        digits.push(b'a' + (n % 26) as u8);
        n /= 26;
        if n == 0 {
            break;
        }
    }
    digits.reverse();
    String::from_utf8(digits).expect("ASCII letters")
}

/// The names given so far while printing one top-level jaxpr. As in JAX's printer, a variable
/// is named when it is first printed as a binder (constants, inputs, then each equation's
/// outputs before its parameters), unused outputs print as `_` and take no name, and the
/// sub-programs in parameters (cond, while, scan) continue the same sequence instead of
/// starting again at `a`.
#[derive(Default)]
struct Names {
    next: usize,
    /// Keyed by the jaxpr's address and the variable.
    names: HashMap<(usize, Var), String>,
}

thread_local! {
    static NAMES: RefCell<Option<Names>> = const { RefCell::new(None) };
}

/// Ends the naming scope of a top-level print (also when formatting panics).
struct NamesScope;

impl Drop for NamesScope {
    fn drop(&mut self) {
        NAMES.with(|n| *n.borrow_mut() = None);
    }
}

/// Opens a naming scope unless one is open (a sub-program printed inside a parameter).
fn open_names() -> Option<NamesScope> {
    NAMES.with(|n| {
        let mut n = n.borrow_mut();
        if n.is_some() {
            None
        } else {
            *n = Some(Names::default());
            Some(NamesScope)
        }
    })
}

fn key(j: &Jaxpr, v: Var) -> (usize, Var) {
    (j as *const Jaxpr as usize, v)
}

/// The name of `v` of `j`, giving it the next one if it has none yet (a variable is bound
/// before it is read in a well-formed jaxpr, so reads find the name its binder took).
fn bind_name(j: &Jaxpr, v: Var) -> String {
    NAMES.with(|n| {
        let mut n = n.borrow_mut();
        let n = n.as_mut().expect("a naming scope is open while printing");
        if let Some(name) = n.names.get(&key(j, v)) {
            return name.clone();
        }
        let name = var_name(n.next);
        n.next += 1;
        n.names.insert(key(j, v), name.clone());
        name
    })
}

/// `f32[2,3]` (JAX's short aval form).
pub(crate) fn short_aval(a: &ShapeDtype) -> String {
    let dims: Vec<String> = a.shape.iter().map(|d| d.to_string()).collect();
    format!("{}[{}]", a.dtype.short_name(), dims.join(","))
}

fn atom_str(j: &Jaxpr, a: &Atom) -> String {
    match a {
        Atom::Var(v) => bind_name(j, *v),
        Atom::Literal(x) => format!("{}:{}", x, short_aval(j.atom_aval(a))),
    }
}

fn binder(j: &Jaxpr, v: Var) -> String {
    format!("{}:{}", bind_name(j, v), short_aval(&j.avals[v as usize]))
}

/// Which variables are read (by an equation or as an output); others print as `_`.
fn used_vars(j: &Jaxpr) -> Vec<bool> {
    let mut used = vec![false; j.avals.len()];
    let mut mark = |a: &Atom| {
        if let Atom::Var(v) = a {
            used[*v as usize] = true;
        }
    };
    j.eqns.iter().flat_map(|e| &e.inputs).for_each(&mut mark);
    j.outvars.iter().for_each(&mut mark);
    used
}

fn eqn_lines(j: &Jaxpr) -> Vec<String> {
    let used = used_vars(j);
    j.eqns
        .iter()
        .map(|e| {
            let outs: Vec<String> = e
                .outputs
                .iter()
                .map(|v| {
                    if used[*v as usize] {
                        binder(j, *v)
                    } else {
                        format!("_:{}", short_aval(&j.avals[*v as usize]))
                    }
                })
                .collect();
            let params = e.prim.params();
            let params = if params.is_empty() {
                String::new()
            } else if params.iter().any(|(_, v)| v.contains('\n')) {
                // Sub-programs: one parameter per line, nested lines indented under it (the
                // layout JAX uses for cond/while/scan).
                let ps: Vec<String> = params
                    .iter()
                    .map(|(k, v)| format!("      {k}={}", v.replace('\n', "\n      ")))
                    .collect();
                format!("[\n{}\n    ]", ps.join("\n"))
            } else {
                let ps: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
                format!("[{}]", ps.join(" "))
            };
            // JAX writes the space before the operands even when there are none (`iota[..] `).
            let ins: Vec<String> = e.inputs.iter().map(|a| atom_str(j, a)).collect();
            format!(
                "{} = {}{} {}",
                outs.join(" "),
                e.prim.name(),
                params,
                ins.join(" ")
            )
        })
        .collect()
}

/// Equation `index` of `j` as it prints inside the program (`c:f32[3] = log b`), for error
/// messages that name where something happened.
pub(crate) fn eqn_line(j: &Jaxpr, index: usize) -> String {
    let _scope = open_names();
    eqn_lines(j).swap_remove(index)
}

impl fmt::Display for Jaxpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let _scope = open_names();
        let consts: Vec<String> = self.constvars.iter().map(|v| binder(self, *v)).collect();
        let ins: Vec<String> = self.invars.iter().map(|v| binder(self, *v)).collect();
        let head = format!("{{ lambda {}; {}. let", consts.join(" "), ins.join(" "));
        let lines = eqn_lines(self);
        let outs: Vec<String> = self.outvars.iter().map(|a| atom_str(self, a)).collect();
        let outs = if outs.len() == 1 {
            format!("({},)", outs[0])
        } else {
            format!("({})", outs.join(", "))
        };
        let one_line = format!("{head} {} in {outs} }}", lines.join("; "));
        // The alternate form (`{:#}`, used for sub-programs in parameters) keeps one line
        // for at most one equation, as JAX's nested layout does.
        let fits = one_line.len() <= 80 && !one_line.contains('\n');
        if fits && (!f.alternate() || lines.len() <= 1) {
            return f.write_str(&one_line);
        }
        writeln!(f, "{head}")?;
        for l in lines {
            writeln!(f, "    {l}")?;
        }
        write!(f, "  in {outs} }}")
    }
}

impl fmt::Display for ClosedJaxpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.jaxpr, f)
    }
}

#[cfg(test)]
mod tests {
    use super::var_name;

    #[test]
    fn variable_name_sequence_follows_jax() {
        assert_eq!(var_name(0), "a");
        assert_eq!(var_name(25), "z");
        assert_eq!(var_name(26), "ba");
        assert_eq!(var_name(27), "bb");
        assert_eq!(var_name(51), "bz");
        assert_eq!(var_name(52), "ca");
    }
}
