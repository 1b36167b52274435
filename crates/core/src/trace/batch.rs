//! vmap: a tracer is a value with the mapped axis at a batch dimension (or not mapped).

use super::{current, new_tag, own_payload, set_current, Payload, Trace};
use crate::array::{Array, ShapeDtype};
use crate::prims::{bind, Primitive, PrimitiveRule};
use smallvec::SmallVec;
use std::rc::Rc;

/// The batching trace of one `vmap`.
pub(crate) struct BatchTrace {
    pub(crate) tag: u64,
    pub(crate) parent: Option<Rc<dyn Trace>>,
    /// The size of the mapped axis.
    pub(crate) axis_size: usize,
    /// The axis name collectives (`psum`, `axis_index`, ...) refer to.
    pub(crate) axis_name: Option<String>,
}

impl BatchTrace {
    /// A tracer of this trace for `value` batched along `bdim`; unbatched values stay plain.
    pub(crate) fn wrap(&self, value: Array, bdim: Option<usize>) -> Array {
        match bdim {
            None => value,
            Some(d) => {
                assert_eq!(
                    value.shape().get(d),
                    Some(&self.axis_size),
                    "vmap: batched value {} has no axis {d} of the mapped size {}",
                    value.aval(),
                    self.axis_size
                );
                let mut shape = value.shape().to_vec();
                shape.remove(d);
                let aval = ShapeDtype {
                    shape: shape.into(),
                    dtype: value.dtype(),
                    weak_type: value.weak_type(),
                };
                Array::new_tracer(
                    aval,
                    self.tag,
                    Payload::Batch {
                        value,
                        bdim: Some(d),
                    },
                )
            }
        }
    }

    /// The value and batch dimension of `a` as seen by this trace.
    pub(crate) fn unwrap(&self, a: &Array) -> (Array, Option<usize>) {
        match own_payload(a, self.tag) {
            Some(Payload::Batch { value, bdim }) => (value.clone(), *bdim),
            _ => (a.clone(), None),
        }
    }
}

impl Trace for BatchTrace {
    fn tag(&self) -> u64 {
        self.tag
    }

    fn parent(&self) -> Option<Rc<dyn Trace>> {
        self.parent.clone()
    }

    fn axis_size(&self, name: &str) -> Option<usize> {
        (self.axis_name.as_deref() == Some(name)).then_some(self.axis_size)
    }

    fn axis_name(&self) -> Option<&str> {
        self.axis_name.as_deref()
    }

    fn process_primitive(&self, prim: &Primitive, args: &[&Array]) -> Vec<Array> {
        let mut values: SmallVec<[Array; 4]> = SmallVec::new();
        let mut dims: SmallVec<[Option<usize>; 4]> = SmallVec::new();
        for a in args {
            let (v, d) = self.unwrap(a);
            values.push(v);
            dims.push(d);
        }
        let refs: SmallVec<[&Array; 4]> = values.iter().collect();
        if let Primitive::Collective(c) = prim
            && self.axis_name.as_deref() == Some(c.axis_name())
        {
            let (outs, out_dims) = c.batch_named(&refs, &dims, self.axis_size);
            return outs
                .into_iter()
                .zip(out_dims)
                .map(|(v, d)| self.wrap(v, d))
                .collect();
        }
        if dims.iter().all(Option::is_none) {
            return bind(prim.clone(), &refs);
        }
        let (outs, out_dims) = prim.batch(&refs, &dims, self.axis_size);
        debug_assert_eq!(outs.len(), out_dims.len());
        outs.into_iter()
            .zip(out_dims)
            .map(|(v, d)| self.wrap(v, d))
            .collect()
    }
}

/// vmap over flat arguments with the given batch axes (`None`: not mapped); every output is
/// returned batched at axis 0. The building block for rules that batch a function (custom
/// derivatives, control flow).
pub(crate) fn vmap_flat(
    f: &dyn Fn(&[Array]) -> Vec<Array>,
    args: &[Array],
    dims: &[Option<usize>],
    axis_size: usize,
) -> Vec<Array> {
    let trace = Rc::new(BatchTrace {
        tag: new_tag(),
        parent: current(),
        axis_size,
        axis_name: None,
    });
    let inputs: Vec<Array> = args
        .iter()
        .zip(dims)
        .map(|(a, d)| trace.wrap(a.clone(), *d))
        .collect();
    let outs = {
        let _guard = set_current(Some(trace.clone() as Rc<dyn Trace>));
        f(&inputs)
    };
    outs.iter()
        .map(|o| {
            let (v, d) = trace.unwrap(o);
            crate::prims::rules::bdim_to_front(&v, d, axis_size)
        })
        .collect()
}
