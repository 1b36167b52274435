//! PyTrees whose leaves live on a device: what `jax.device_put(tree)` returns, so that a
//! training loop's parameters and optimiser state stay on the device between steps.

use crate::buffer::DeviceBuffer;
use crate::client::Client;
use crate::error::PjrtError;
use equinox_core::tree::{self, PyTree};
use equinox_core::{Array, ShapeDtype};
use std::sync::Arc;

/// The structure of a tree without its data: every leaf a shape-only placeholder, and which
/// of them stand for arrays (the rest were filtered out, as `None` leaves in Equinox).
pub(crate) struct Structure<T> {
    template: T,
    present: Vec<bool>,
}

impl<T: PyTree> Clone for Structure<T> {
    fn clone(&self) -> Structure<T> {
        Structure {
            template: self.template.map_leaves(&mut |l| l.clone()),
            present: self.present.clone(),
        }
    }
}

impl<T: PyTree> Structure<T> {
    /// The structure of `x`.
    pub(crate) fn of(x: &T) -> Structure<T> {
        let mut present = Vec::new();
        x.visit_leaves(&mut |l| present.push(!l.is_filtered_out()));
        Structure {
            template: x.map_leaves(&mut |l| Array::filtered_out(l.aval().clone())),
            present,
        }
    }

    /// The shapes and dtypes of the present leaves, in `tree::leaves` order.
    pub(crate) fn avals(&self) -> Vec<ShapeDtype> {
        let mut out = Vec::new();
        let mut present = self.present.iter();
        self.template.visit_leaves(&mut |l| {
            if *present.next().expect("a flag per leaf") {
                out.push(l.aval().clone())
            }
        });
        out
    }

    /// Which leaves are present, as a cache key's part.
    pub(crate) fn present(&self) -> &[bool] {
        &self.present
    }

    /// The tree with `leaves` in the present places, in order.
    pub(crate) fn rebuild<L>(
        &self,
        leaves: impl IntoIterator<Item = L>,
        f: impl Fn(L) -> Array,
    ) -> T {
        let mut leaves = leaves.into_iter();
        let mut present = self.present.iter();
        self.template.map_leaves(&mut |slot| {
            if *present.next().expect("a flag per leaf") {
                f(leaves.next().expect("a leaf per present place"))
            } else {
                slot.clone()
            }
        })
    }

    /// A tree of this structure with zeros in the present places: something to trace with.
    pub(crate) fn zeros(&self) -> T {
        self.rebuild(self.avals(), |a| {
            equinox_core::numpy::zeros(a.shape.to_vec()).astype(a.dtype)
        })
    }
}

/// A PyTree of type `T` whose arrays live on a device (`jax.device_put(tree)`). Made by
/// [`Client::put`] or returned by [`DeviceJit::call_resident`](crate::DeviceJit::call_resident);
/// [`OnDevice::get`] copies it back. Leaves are shared, so [`OnDevice::join`] and
/// [`OnDevice::split`] rearrange trees without copying.
///
/// ```no_run
/// use equinox_core::{numpy as jnp, Array};
/// use equinox_pjrt::{Client, OnDevice};
/// let client = Client::from_env()?;
/// let step = client.jit(|(w, x): &(Array, Array)| (w - x * 0.1, (w * x).sum(None)));
/// let mut w = client.put(&jnp::ones([3]))?;
/// for _ in 0..10 {
///     let x = client.put(&jnp::ones([3]))?;
///     // The weights never leave the device; only the loss is copied back.
///     let (new_w, loss) = step.call_resident(&OnDevice::join(&w, &x))?.split();
///     w = new_w;
///     println!("{}", loss.get()?);
/// }
/// # Ok::<(), equinox_pjrt::PjrtError>(())
/// ```
pub struct OnDevice<T> {
    structure: Structure<T>,
    leaves: Vec<Arc<DeviceBuffer>>,
}

impl<T: PyTree> Clone for OnDevice<T> {
    fn clone(&self) -> OnDevice<T> {
        OnDevice {
            structure: self.structure.clone(),
            leaves: self.leaves.clone(),
        }
    }
}

impl<T: PyTree> std::fmt::Debug for OnDevice<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OnDevice")
            .field("leaves", &self.leaves)
            .finish()
    }
}

impl<T: PyTree> OnDevice<T> {
    pub(crate) fn from_parts(structure: Structure<T>, leaves: Vec<Arc<DeviceBuffer>>) -> Self {
        OnDevice { structure, leaves }
    }

    pub(crate) fn into_parts(self) -> (Structure<T>, Vec<Arc<DeviceBuffer>>) {
        (self.structure, self.leaves)
    }

    pub(crate) fn structure(&self) -> &Structure<T> {
        &self.structure
    }

    /// The device buffers of the tree's arrays, in `tree::leaves` order.
    pub fn leaves(&self) -> &[Arc<DeviceBuffer>] {
        &self.leaves
    }

    /// Copies the tree back to the host (`jax.device_get`).
    pub fn get(&self) -> Result<T, PjrtError> {
        let arrays = self
            .leaves
            .iter()
            .map(|b| b.device_get())
            .collect::<Result<Vec<_>, _>>()?;
        Ok(self.structure.rebuild(arrays, |a| a))
    }

    /// The pair of two trees on the device, sharing their buffers.
    pub fn join<U: PyTree>(a: &OnDevice<T>, b: &OnDevice<U>) -> OnDevice<(T, U)> {
        let (sa, sb) = (a.structure.clone(), b.structure.clone());
        OnDevice {
            structure: Structure {
                template: (sa.template, sb.template),
                present: sa.present.into_iter().chain(sb.present).collect(),
            },
            leaves: a.leaves.iter().chain(&b.leaves).cloned().collect(),
        }
    }
}

impl<A: PyTree, B: PyTree> OnDevice<(A, B)> {
    /// The two halves of a pair on the device, sharing its buffers.
    pub fn split(self) -> (OnDevice<A>, OnDevice<B>) {
        let Structure {
            template: (a, b),
            mut present,
        } = self.structure;
        let mut n_a = 0;
        a.visit_leaves(&mut |_| n_a += 1);
        let present_b = present.split_off(n_a);
        let real_a = present.iter().filter(|&&p| p).count();
        let mut leaves = self.leaves;
        let leaves_b = leaves.split_off(real_a);
        (
            OnDevice::from_parts(
                Structure {
                    template: a,
                    present,
                },
                leaves,
            ),
            OnDevice::from_parts(
                Structure {
                    template: b,
                    present: present_b,
                },
                leaves_b,
            ),
        )
    }
}

impl Client {
    /// Copies every array of `x` to the default device (`jax.device_put(tree)`).
    pub fn put<T: PyTree>(&self, x: &T) -> Result<OnDevice<T>, PjrtError> {
        let leaves = tree::leaves(x)
            .into_iter()
            .map(|l| self.device_put(l).map(Arc::new))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(OnDevice::from_parts(Structure::of(x), leaves))
    }
}
