//! Equinox's pretty-printer (`eqx.tree_pformat`): a Wadler–Lindig layout of documents, ported
//! from the `wadler_lindig` package Equinox uses, so trees print with the same line breaks and
//! indentation as in Python.

use super::PyTree;
use std::borrow::Cow;

/// A document: text not yet laid out to a width (`wadler_lindig.AbstractDoc`).
///
/// Build one with [`Doc::text`], [`Doc::brk`], [`Doc::concat`], [`Doc::nest`], [`Doc::group`],
/// or the helpers [`bracketed`], [`named`] and [`comma`]; lay it out with [`pformat_doc`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Doc {
    /// Unbroken text (may contain newlines).
    Text(Cow<'static, str>),
    /// A place where a newline may go; prints its text when laid out horizontally.
    Break(&'static str),
    /// Documents one after another.
    Concat(Vec<Doc>),
    /// Extra indentation for the newlines inside the child, when laid out vertically.
    Nest(usize, Box<Doc>),
    /// Children laid out all horizontally or all vertically, whichever fits.
    Group(Box<Doc>),
}

impl Doc {
    /// A text document.
    pub fn text(s: impl Into<Cow<'static, str>>) -> Doc {
        Doc::Text(s.into())
    }

    /// A break: a newline in vertical layout, `s` in horizontal layout.
    pub fn brk(s: &'static str) -> Doc {
        Doc::Break(s)
    }

    /// Concatenation.
    pub fn concat(docs: impl IntoIterator<Item = Doc>) -> Doc {
        Doc::Concat(docs.into_iter().collect())
    }

    /// This document with its vertical-layout newlines indented by `indent` more.
    pub fn nest(self, indent: usize) -> Doc {
        Doc::Nest(indent, Box::new(self))
    }

    /// This document as a group (laid out horizontally if it fits).
    pub fn group(self) -> Doc {
        Doc::Group(Box::new(self))
    }

    /// `self` followed by `other`.
    pub fn then(self, other: Doc) -> Doc {
        match self {
            Doc::Concat(mut v) => {
                v.push(other);
                Doc::Concat(v)
            }
            d => Doc::Concat(vec![d, other]),
        }
    }
}

/// A comma followed by a break that is a space in horizontal layout (`wl.comma`).
pub fn comma() -> Doc {
    Doc::concat([Doc::text(","), Doc::brk(" ")])
}

/// `key=value` (`wl.named_objs`).
pub fn named(key: &'static str, value: Doc) -> Doc {
    Doc::concat([Doc::text(key), Doc::text("="), value])
}

/// `docs` separated by `sep` (`wl.join`).
pub fn join(sep: impl Fn() -> Doc, docs: Vec<Doc>) -> Doc {
    let mut out = Vec::with_capacity(docs.len() * 2);
    for (i, d) in docs.into_iter().enumerate() {
        if i > 0 {
            out.push(sep());
        }
        out.push(d);
    }
    Doc::Concat(out)
}

/// A bracketed sequence, `begin` + elements + `end`, with the elements indented on their own
/// lines when it does not fit (`wl.bracketed`, the "(break-group).nest-break" pattern).
pub fn bracketed(begin: Doc, docs: Vec<Doc>, end: Doc, indent: usize) -> Doc {
    if docs.is_empty() {
        return begin.then(end).group();
    }
    let docs = docs.into_iter().map(Doc::group).collect();
    let nested = Doc::concat([Doc::brk(""), join(comma, docs).group()]).nest(indent);
    Doc::concat([begin, nested, Doc::brk(""), end]).group()
}

/// A struct-like node: `Name(field=value, ...)` (how Equinox prints a Module).
pub fn named_fields(name: &'static str, fields: Vec<Doc>, opts: &PrettyOptions) -> Doc {
    bracketed(
        Doc::concat([Doc::text(name), Doc::text("(")]),
        fields,
        Doc::text(")"),
        opts.indent,
    )
}

/// Options for [`tree_pformat_with`] (the keyword arguments of `eqx.tree_pformat`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrettyOptions {
    /// The desired maximum line width (best effort). Default 80.
    pub width: usize,
    /// Indentation per nesting level. Default 2.
    pub indent: usize,
    /// Print arrays as `f32[3,4]` rather than in full. Default true.
    pub short_arrays: bool,
    /// Print every leaf as `*` (how a tree structure prints).
    pub leaves_as_star: bool,
}

impl Default for PrettyOptions {
    fn default() -> PrettyOptions {
        PrettyOptions {
            width: 80,
            indent: 2,
            short_arrays: true,
            leaves_as_star: false,
        }
    }
}

/// Number of characters Python's `len` would count.
fn text_len(s: &str) -> usize {
    s.chars().count()
}

/// Whether `doc` needs more than `width` columns on one line (`wadler_lindig._vertical`).
fn needs_vertical(doc: &Doc, width: isize) -> bool {
    let mut width = width;
    let mut todo: Vec<&Doc> = vec![doc];
    while width >= 0 {
        let Some(d) = todo.pop() else { break };
        match d {
            Doc::Text(t) => width -= t.lines().map(text_len).max().unwrap_or(0) as isize,
            Doc::Break(t) => width -= text_len(t) as isize,
            Doc::Concat(children) => todo.extend(children.iter().rev()),
            Doc::Nest(_, child) | Doc::Group(child) => todo.push(child),
        }
    }
    width < 0
}

/// Lays a document out to `width` columns (`wadler_lindig.pformat_doc`).
///
/// ```
/// use equinox_core::tree::{bracketed, pformat_doc, Doc};
/// let items = (0..4).map(|i| Doc::text(format!("item{i}"))).collect::<Vec<_>>();
/// let doc = bracketed(Doc::text("["), items, Doc::text("]"), 2);
/// assert_eq!(pformat_doc(&doc, 80), "[item0, item1, item2, item3]");
/// assert_eq!(pformat_doc(&doc, 10), "[\n  item0,\n  item1,\n  item2,\n  item3\n]");
/// ```
pub fn pformat_doc(doc: &Doc, width: usize) -> String {
    enum Item<'a> {
        Doc(&'a Doc),
        Vertical(bool),
        Indent(usize),
    }
    let width = width as isize;
    let mut out = String::new();
    let mut width_so_far: isize = 0;
    let mut indent = 0usize;
    // The whole document is a group: horizontal if it fits at all.
    let mut vertical = needs_vertical(doc, width);
    let mut todo = vec![Item::Doc(doc)];
    while let Some(item) = todo.pop() {
        match item {
            Item::Vertical(v) => vertical = v,
            Item::Indent(i) => indent = i,
            Item::Doc(Doc::Text(t)) => {
                if t.contains('\n') {
                    let pad = format!("\n{}", " ".repeat(width_so_far.max(0) as usize));
                    out.push_str(&t.replace('\n', &pad));
                } else {
                    out.push_str(t);
                }
                width_so_far += text_len(t.rsplit('\n').next().unwrap_or("")) as isize;
            }
            Item::Doc(Doc::Break(t)) => {
                if vertical {
                    out.push('\n');
                    out.push_str(&" ".repeat(indent));
                    width_so_far = indent as isize;
                } else {
                    out.push_str(t);
                    width_so_far += text_len(t) as isize;
                }
            }
            Item::Doc(Doc::Concat(children)) => {
                todo.extend(children.iter().rev().map(Item::Doc));
            }
            Item::Doc(Doc::Nest(extra, child)) => {
                todo.push(Item::Indent(indent));
                todo.push(Item::Doc(child));
                indent += extra;
            }
            Item::Doc(Doc::Group(child)) => {
                if vertical && !needs_vertical(child, width - width_so_far) {
                    todo.push(Item::Vertical(true));
                    todo.push(Item::Doc(child));
                    vertical = false;
                } else {
                    todo.push(Item::Doc(child));
                }
            }
        }
    }
    out
}

/// Pretty-formats a tree the way `eqx.tree_pformat` does, at width 80 with indent 2: arrays as
/// `f32[3,4]` (`weak_f32[]` for weakly typed ones), filtered-out leaves as `None`, modules as
/// `Name(field=value, ...)`, sequences as `[...]`, tuples as `(...)`, maps as `{key: value}`.
/// Static values print with Rust's `Debug` (`true`, `"relu"`, `3`, `0.5`) and `fn` pointers
/// as `<function>`.
///
/// ```
/// use equinox_core::{numpy as jnp, tree::tree_pformat, DType};
/// let tree = (jnp::zeros([4, 3]), vec![1usize, 2], Some(jnp::ones_dtype([2], DType::I32)));
/// assert_eq!(tree_pformat(&tree), "(f32[4,3], [1, 2], i32[2])");
/// ```
pub fn tree_pformat<T: PyTree>(tree: &T) -> String {
    tree_pformat_with(tree, &PrettyOptions::default())
}

/// [`tree_pformat`] with explicit options.
pub fn tree_pformat_with<T: PyTree>(tree: &T, opts: &PrettyOptions) -> String {
    pformat_doc(&tree.pdoc(opts), opts.width)
}

/// Prints [`tree_pformat`] to standard output (`eqx.tree_pprint`).
pub fn tree_pprint<T: PyTree>(tree: &T) {
    println!("{}", tree_pformat(tree));
}
