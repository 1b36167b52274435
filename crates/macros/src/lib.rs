//! `#[derive(Module)]` for Equinox in Rust: implements `equinox::tree::PyTree` (leaves,
//! paths, static structure, Equinox-style printing) for structs and enums.
//!
//! Use it through the `equinox` crate (`use equinox::Module;`), which documents it in full.
//! Attributes:
//! - `#[module(static)]` on a field: keep the field as static structure even if it holds
//!   arrays (Equinox's `eqx.field(static=True)`); its type needs `Clone + Hash + Eq + Debug`.
//! - `#[module(debug)]` on the type: also implement `Debug` with the Equinox layout.
//! - `#[module(transparent)]` on an enum of one-field variants: print each variant as its
//!   content only (for enums that gather layer types).
//! - `#[module(crate = "path")]` on the type: where the core is, when `equinox` is not a direct
//!   dependency under that name (e.g. `crate = "equinox_core"` or a renamed dependency). The
//!   default is `::equinox`.

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2, TokenTree};
use quote::{format_ident, quote, quote_spanned};
use std::collections::HashSet;
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{
    parse_macro_input, parse_quote, Data, DeriveInput, Fields, Generics, Ident, Index, LitStr,
    Path, Type,
};

/// Derives `PyTree` (alias `equinox::Module`) for a struct or enum. See the crate docs and
/// `equinox::Module`.
#[proc_macro_derive(Module, attributes(module))]
pub fn derive_module(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    match expand(input) {
        Ok(ts) => ts.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

/// Container-level options.
struct Options {
    krate: Path,
    debug: bool,
    transparent: bool,
}

fn parse_options(input: &DeriveInput) -> syn::Result<Options> {
    let mut opts = Options {
        krate: parse_quote!(::equinox),
        debug: false,
        transparent: false,
    };
    for attr in &input.attrs {
        if !attr.path().is_ident("module") {
            continue;
        }
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("crate") {
                let s: LitStr = meta.value()?.parse()?;
                opts.krate = s.parse()?;
            } else if meta.path.is_ident("debug") {
                opts.debug = true;
            } else if meta.path.is_ident("transparent") {
                opts.transparent = true;
            } else if meta.path.is_ident("static") {
                return Err(meta.error(
                    "`#[module(static)]` goes on a field, not on the type; a type with no \
                     array fields is already all static",
                ));
            } else {
                return Err(meta.error(
                    "unknown `module` attribute on a type; expected `debug`, `transparent` or \
                     `crate = \"path\"`",
                ));
            }
            Ok(())
        })?;
    }
    if opts.transparent {
        let ok = match &input.data {
            Data::Enum(e) => e.variants.iter().all(|v| v.fields.len() == 1),
            _ => false,
        };
        if !ok {
            return Err(syn::Error::new(
                input.ident.span(),
                "`#[module(transparent)]` needs an enum whose variants each have exactly one \
                 field",
            ));
        }
    }
    Ok(opts)
}

/// One field of a struct or variant, as the generated code sees it.
struct FieldInfo {
    /// A reference to the field: `(&self.name)` / `(&self.0)` for structs; a binding (already a
    /// reference) for enum variants.
    access: TokenStream2,
    /// The same field of `__other` (for `static_diff`).
    other_access: TokenStream2,
    /// The constructor key: `name:` for named fields, nothing for positional ones.
    ctor_key: TokenStream2,
    /// The path key, or `None` for a path-transparent field (one-field tuple variants).
    path_key: Option<TokenStream2>,
    /// The name shown by the printer for named fields.
    name: Option<String>,
    ty: Type,
    is_static: bool,
    span: Span,
}

fn field_is_static(field: &syn::Field) -> syn::Result<bool> {
    let mut is_static = false;
    for attr in &field.attrs {
        if !attr.path().is_ident("module") {
            continue;
        }
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("static") {
                is_static = true;
                Ok(())
            } else {
                Err(meta.error("unknown `module` attribute on a field; expected `static`"))
            }
        })?;
    }
    Ok(is_static)
}

/// Collects the fields of a struct (`self.x`) or variant (bindings `__self_i`/`__other_i`).
fn field_infos(fields: &Fields, krate: &Path, in_enum: bool) -> syn::Result<Vec<FieldInfo>> {
    let single_tuple = matches!(fields, Fields::Unnamed(u) if u.unnamed.len() == 1);
    let mut out = Vec::new();
    for (i, f) in fields.iter().enumerate() {
        let is_static = field_is_static(f)?;
        let (access, other_access, ctor_key, path_key, name) = match &f.ident {
            Some(id) => {
                // A raw identifier (`r#fn`) prints and keys paths by its plain name (`fn`).
                let s = id.unraw().to_string();
                let (a, o) = if in_enum {
                    let (a, o) = (
                        format_ident!("__self_{}", i),
                        format_ident!("__other_{}", i),
                    );
                    (quote!(#a), quote!(#o))
                } else {
                    (quote!((&self.#id)), quote!((&__other.#id)))
                };
                let key = quote!(#krate::tree::PathKey::Field(#s));
                (a, o, quote!(#id:), Some(key), Some(s))
            }
            None => {
                let (a, o) = if in_enum {
                    let (a, o) = (
                        format_ident!("__self_{}", i),
                        format_ident!("__other_{}", i),
                    );
                    (quote!(#a), quote!(#o))
                } else {
                    let idx = Index::from(i);
                    (quote!((&self.#idx)), quote!((&__other.#idx)))
                };
                let key = if in_enum && single_tuple {
                    None
                } else {
                    Some(quote!(#krate::tree::PathKey::Position(#i)))
                };
                (a, o, quote!(), key, None)
            }
        };
        out.push(FieldInfo {
            access,
            other_access,
            ctor_key,
            path_key,
            name,
            ty: f.ty.clone(),
            is_static,
            span: f.ty.span(),
        });
    }
    Ok(out)
}

/// The generated pieces for one list of fields (a struct body or a variant).
struct Parts {
    visit: TokenStream2,
    visit_path: TokenStream2,
    map: TokenStream2,
    map_path: TokenStream2,
    hash: TokenStream2,
    diff: TokenStream2,
    docs: Vec<TokenStream2>,
}

/// Generates each trait method's body for `fields`. Array-holding fields go through
/// `<Ty as PyTree>::...`, spanned on the field's type, so a field type that is not a PyTree is
/// reported on that field.
fn parts(fields: &[FieldInfo], fields_kind: &Fields, krate: &Path) -> Parts {
    let tree = quote!(#krate::tree);
    let mut visit = quote!();
    let mut visit_path = quote!();
    let mut map_fields = Vec::new();
    let mut map_path_fields = Vec::new();
    let mut hash = quote!();
    let mut diff = quote!();
    let mut docs = Vec::new();
    for f in fields {
        let (a, o, ty, key) = (&f.access, &f.other_access, &f.ty, &f.ctor_key);
        let with_key = |body: TokenStream2| match &f.path_key {
            Some(k) => quote!(__path.with(#k, |__path| #body)),
            None => body,
        };
        let at_key = match &f.path_key {
            Some(k) => quote!(.map(|__d| __d.at(#k))),
            None => quote!(),
        };
        let doc = if f.is_static {
            let s = f.span;
            // The helpers' bounds (`Hash`, `Eq`, ...) are reported at the callee path: give it
            // the field type's span so the error points at the field.
            let tree = respan(tree.clone(), s);
            map_fields.push(quote_spanned!(s=> #key ::core::clone::Clone::clone(#a)));
            map_path_fields.push(quote_spanned!(s=> #key ::core::clone::Clone::clone(#a)));
            hash.extend(respan(quote!(#tree::static_hash(#a, __state);), s));
            diff.extend(quote_spanned!(s=>
                if let ::core::option::Option::Some(__d) = #tree::static_value_diff(#a, #o)#at_key {
                    return ::core::option::Option::Some(__d);
                }
            ));
            quote_spanned!(s=> #tree::static_pdoc(#a))
        } else {
            let s = f.span;
            let pt = quote_spanned!(s=> <#ty as #tree::PyTree>);
            visit.extend(quote_spanned!(s=> #pt::visit_leaves(#a, __f);));
            let vp = with_key(quote_spanned!(s=> #pt::visit_leaves_with_path(#a, __path, __f)));
            visit_path.extend(quote!(#vp;));
            map_fields.push(quote_spanned!(s=> #key #pt::map_leaves(#a, __f)));
            let mp = with_key(quote_spanned!(s=> #pt::map_leaves_with_path(#a, __path, __f)));
            map_path_fields.push(quote!(#key #mp));
            hash.extend(quote_spanned!(s=> #pt::hash_static(#a, __state);));
            diff.extend(quote_spanned!(s=>
                if let ::core::option::Option::Some(__d) = #pt::static_diff(#a, #o)#at_key {
                    return ::core::option::Option::Some(__d);
                }
            ));
            quote_spanned!(s=> #pt::pdoc(#a, __opts))
        };
        docs.push(match &f.name {
            Some(n) => quote!(#tree::named(#n, #doc)),
            None => doc,
        });
    }
    let wrap = |items: Vec<TokenStream2>| match fields_kind {
        Fields::Named(_) => quote!({ #(#items),* }),
        Fields::Unnamed(_) => quote!(( #(#items),* )),
        Fields::Unit => quote!(),
    };
    Parts {
        visit,
        visit_path,
        map: wrap(map_fields),
        map_path: wrap(map_path_fields),
        hash,
        diff,
        docs,
    }
}

/// The document of a struct or variant named `name`.
fn node_doc(name: &str, fields_kind: &Fields, docs: &[TokenStream2], krate: &Path) -> TokenStream2 {
    let tree = quote!(#krate::tree);
    match fields_kind {
        Fields::Named(_) | Fields::Unit => {
            quote!(#tree::named_fields(#name, ::std::vec![#(#docs),*], __opts))
        }
        Fields::Unnamed(_) => {
            let begin = format!("{name}(");
            quote!(#tree::bracketed(
                #tree::Doc::text(#begin),
                ::std::vec![#(#docs),*],
                #tree::Doc::text(")"),
                __opts.indent,
            ))
        }
    }
}

/// `ts` with every token's span set to `span`.
fn respan(ts: TokenStream2, span: Span) -> TokenStream2 {
    ts.into_iter()
        .map(|mut t| {
            if let TokenTree::Group(g) = &t {
                let mut ng = proc_macro2::Group::new(g.delimiter(), respan(g.stream(), span));
                ng.set_span(span);
                t = TokenTree::Group(ng);
            } else {
                t.set_span(span);
            }
            t
        })
        .collect()
}

/// True if the token stream mentions one of `params`.
fn mentions(ts: TokenStream2, params: &HashSet<Ident>) -> bool {
    ts.into_iter().any(|t| match t {
        TokenTree::Ident(i) => params.contains(&i),
        TokenTree::Group(g) => mentions(g.stream(), params),
        _ => false,
    })
}

/// Adds `FieldTy: PyTree` (or the static bounds) for every field type that mentions a type
/// parameter. Field types without parameters need no bound: they are checked where used, and
/// leaving them out keeps recursive types (`enum T { Leaf(Array), Node(Vec<T>) }`) working.
fn add_bounds(generics: &mut Generics, fields: &[&FieldInfo], krate: &Path) {
    let params: HashSet<Ident> = generics.type_params().map(|p| p.ident.clone()).collect();
    if params.is_empty() {
        return;
    }
    let wc = generics.make_where_clause();
    for f in fields {
        let ty = &f.ty;
        if !mentions(quote!(#ty), &params) {
            continue;
        }
        if f.is_static {
            wc.predicates.push(parse_quote!(
                #ty: ::core::clone::Clone + ::core::hash::Hash + ::core::cmp::Eq + ::core::fmt::Debug
            ));
        } else {
            wc.predicates.push(parse_quote!(#ty: #krate::tree::PyTree));
        }
    }
}

fn expand(input: DeriveInput) -> syn::Result<TokenStream2> {
    let opts = parse_options(&input)?;
    let krate = &opts.krate;
    let tree = quote!(#krate::tree);
    let name = &input.ident;
    let name_str = name.to_string();
    let mut generics = input.generics.clone();

    let (visit, visit_path, map, map_path, hash, diff, pdoc) = match &input.data {
        Data::Struct(s) => {
            let fields = field_infos(&s.fields, krate, false)?;
            add_bounds(&mut generics, &fields.iter().collect::<Vec<_>>(), krate);
            let p = parts(&fields, &s.fields, krate);
            let doc = node_doc(&name_str, &s.fields, &p.docs, krate);
            let (m, mp) = (&p.map, &p.map_path);
            let (hash, diff) = (&p.hash, &p.diff);
            (
                p.visit.clone(),
                p.visit_path.clone(),
                quote!(#name #m),
                quote!(#name #mp),
                quote!(#hash),
                quote!(#diff ::core::option::Option::None),
                doc,
            )
        }
        Data::Enum(e) if e.variants.is_empty() => {
            let never = quote!(match *self {});
            (
                never.clone(),
                never.clone(),
                never.clone(),
                never.clone(),
                never.clone(),
                never.clone(),
                never,
            )
        }
        Data::Enum(e) => {
            let mut all_fields = Vec::new();
            let mut visit_arms = Vec::new();
            let mut visit_path_arms = Vec::new();
            let mut map_arms = Vec::new();
            let mut map_path_arms = Vec::new();
            let mut hash_arms = Vec::new();
            let mut diff_arms = Vec::new();
            let mut doc_arms = Vec::new();
            let mut name_arms = Vec::new();
            for (vi, v) in e.variants.iter().enumerate() {
                let vname = &v.ident;
                let vstr = vname.to_string();
                let fields = field_infos(&v.fields, krate, true)?;
                let p = parts(&fields, &v.fields, krate);
                let binds = |prefix: &str| -> TokenStream2 {
                    let ids: Vec<Ident> = (0..fields.len())
                        .map(|i| format_ident!("{}_{}", prefix, i))
                        .collect();
                    match &v.fields {
                        Fields::Named(n) => {
                            let names = n.named.iter().map(|f| f.ident.as_ref().expect("named"));
                            quote!({ #(#names: #ids),* })
                        }
                        Fields::Unnamed(_) => quote!(( #(#ids),* )),
                        Fields::Unit => quote!(),
                    }
                };
                let (sb, ob) = (binds("__self"), binds("__other"));
                let (visit, visit_path) = (&p.visit, &p.visit_path);
                let (m, mp, h, d) = (&p.map, &p.map_path, &p.hash, &p.diff);
                visit_arms.push(quote!(Self::#vname #sb => { #visit }));
                visit_path_arms.push(quote!(Self::#vname #sb => { #visit_path }));
                map_arms.push(quote!(Self::#vname #sb => Self::#vname #m));
                map_path_arms.push(quote!(Self::#vname #sb => Self::#vname #mp));
                hash_arms.push(quote!(Self::#vname #sb => {
                    ::core::hash::Hasher::write_usize(__state, #vi);
                    #h
                }));
                diff_arms.push(quote!((Self::#vname #sb, Self::#vname #ob) => {
                    #d
                    ::core::option::Option::None
                }));
                let doc = if opts.transparent {
                    p.docs[0].clone()
                } else if matches!(v.fields, Fields::Unit) {
                    quote!(#tree::Doc::text(#vstr))
                } else {
                    node_doc(&vstr, &v.fields, &p.docs, krate)
                };
                doc_arms.push(quote!(Self::#vname #sb => #doc));
                name_arms.push(quote!(Self::#vname { .. } => #vstr));
                all_fields.extend(fields);
            }
            add_bounds(&mut generics, &all_fields.iter().collect::<Vec<_>>(), krate);
            let variant_name = quote!(
                let __variant = |__v: &Self| -> &'static str {
                    match __v { #(#name_arms,)* }
                };
            );
            (
                quote!(match self { #(#visit_arms)* }),
                quote!(match self { #(#visit_path_arms)* }),
                quote!(match self { #(#map_arms,)* }),
                quote!(match self { #(#map_path_arms,)* }),
                quote!(match self { #(#hash_arms)* }),
                quote!(
                    #variant_name
                    match (self, __other) {
                        #(#diff_arms)*
                        _ => ::core::option::Option::Some(#tree::Difference::new(::std::format!(
                            "enum variants differ: {} != {}", __variant(self), __variant(__other)
                        ))),
                    }
                ),
                quote!(match self { #(#doc_arms,)* }),
            )
        }
        Data::Union(u) => {
            return Err(syn::Error::new(
                u.union_token.span,
                "`Module` cannot be derived for a union: its leaves could not be found",
            ))
        }
    };

    let (impl_g, ty_g, where_c) = generics.split_for_impl();
    let debug_impl = if opts.debug {
        quote!(
            impl #impl_g ::core::fmt::Debug for #name #ty_g #where_c {
                fn fmt(&self, __f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    __f.write_str(&#tree::tree_pformat(self))
                }
            }
        )
    } else {
        quote!()
    };

    Ok(quote!(
        #[automatically_derived]
        // Bindings of static fields go unvisited, and a one-variant enum's fallback arm in
        // `static_diff` is unreachable.
        #[allow(unused_variables, unreachable_patterns)]
        #[allow(clippy::needless_borrow, clippy::clone_on_copy, clippy::unit_arg)]
        impl #impl_g #tree::PyTree for #name #ty_g #where_c {
            #[inline]
            fn visit_leaves<'__a>(&'__a self, __f: &mut impl FnMut(&'__a #krate::Array)) {
                #visit
            }

            fn visit_leaves_with_path<'__a>(
                &'__a self,
                __path: &mut #tree::KeyPath,
                __f: &mut impl FnMut(&#tree::KeyPath, &'__a #krate::Array),
            ) {
                #visit_path
            }

            #[inline]
            fn map_leaves(&self, __f: &mut impl FnMut(&#krate::Array) -> #krate::Array) -> Self {
                #map
            }

            fn map_leaves_with_path(
                &self,
                __path: &mut #tree::KeyPath,
                __f: &mut impl FnMut(&#tree::KeyPath, &#krate::Array) -> #krate::Array,
            ) -> Self {
                #map_path
            }

            fn hash_static<__H: ::core::hash::Hasher>(&self, __state: &mut __H) {
                #hash
            }

            fn static_diff(&self, __other: &Self) -> ::core::option::Option<#tree::Difference> {
                #diff
            }

            fn pdoc(&self, __opts: &#tree::PrettyOptions) -> #tree::Doc {
                #pdoc
            }
        }

        #debug_impl
    ))
}
