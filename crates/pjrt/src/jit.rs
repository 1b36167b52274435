//! `jit` onto a PJRT device: trace once per input signature, lower, compile, run.

use crate::buffer::DeviceBuffer;
use crate::client::Client;
use crate::error::PjrtError;
use crate::executable::Executable;
use crate::on_device::{OnDevice, Structure};
use equinox_core::compiler::optimize::optimize;
use equinox_core::transforms::make_jaxpr;
use equinox_core::tree::{self, PyTree};
use equinox_core::{Array, ShapeDtype};
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// A function compiled for a PJRT device on first use with each input signature (the shapes
/// and dtypes of the leaves, and which leaves are filtered out), as `jax.jit(f, device=...)`.
/// Built by [`Client::jit`]. The signature does not cover what the function reads from its
/// arguments' non-array fields (an activation function, say): use one `DeviceJit` per such
/// configuration.
pub struct DeviceJit<T, R, F> {
    client: Client,
    f: F,
    cache: Mutex<HashMap<Signature, Arc<Compiled<R>>>>,
    _types: std::marker::PhantomData<fn(&T)>,
}

/// What one executable is compiled for: the inputs' shapes and dtypes, which leaves are
/// present, and whether the inputs are donated.
type Signature = (Vec<ShapeDtype>, Vec<bool>, bool);

/// One signature's executable and the structure of its outputs.
struct Compiled<R> {
    executable: Executable,
    out: Structure<R>,
}

impl Client {
    /// Compiles `f` for this client's default device, lazily per input signature.
    pub fn jit<T: PyTree, R: PyTree, F: Fn(&T) -> R>(&self, f: F) -> DeviceJit<T, R, F> {
        DeviceJit {
            client: self.clone(),
            f,
            cache: Mutex::new(HashMap::new()),
            _types: std::marker::PhantomData,
        }
    }
}

impl<T: PyTree, R: PyTree, F: Fn(&T) -> R> DeviceJit<T, R, F> {
    /// The executable for inputs of `structure`; `like` builds an input of that structure to
    /// trace with, only when it is not compiled yet.
    fn compiled(
        &self,
        structure: &Structure<T>,
        like: impl FnOnce() -> T,
        donate: bool,
    ) -> Result<Arc<Compiled<R>>, PjrtError> {
        let key: Signature = (structure.avals(), structure.present().to_vec(), donate);
        if let Some(c) = self
            .cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
        {
            return Ok(c.clone());
        }
        // One trace gives both the program and the outputs' structure.
        let out = RefCell::new(None);
        let program = make_jaxpr(|x: &T| {
            let r = (self.f)(x);
            *out.borrow_mut() = Some(Structure::of(&r));
            r
        })(&like());
        let out = out.into_inner().expect("the function was traced");
        let donated = vec![donate; key.0.len()];
        let executable = Executable::compile(&self.client, &optimize(&program), &donated)?;
        let compiled = Arc::new(Compiled { executable, out });
        self.cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key, compiled.clone());
        Ok(compiled)
    }

    /// Runs `f` on the device: copies the arrays of `x` there, runs, copies the outputs back.
    pub fn call(&self, x: &T) -> Result<R, PjrtError> {
        let compiled = self.compiled(
            &Structure::of(x),
            || x.map_leaves(&mut |l| l.clone()),
            false,
        )?;
        let leaves: Vec<&Array> = tree::leaves(x);
        let outs = compiled.executable.call(&leaves)?;
        Ok(compiled.out.rebuild(outs, |a| a))
    }

    /// Runs `f` on a tree already on the device; the outputs stay there. A loop that feeds
    /// each step's outputs to the next never copies its state to or from the host.
    pub fn call_resident(&self, x: &OnDevice<T>) -> Result<OnDevice<R>, PjrtError> {
        let compiled = self.compiled(x.structure(), || x.structure().zeros(), false)?;
        let args: Vec<&DeviceBuffer> = x.leaves().iter().map(|b| &**b).collect();
        let outs = compiled.executable.execute(&args)?;
        Ok(OnDevice::from_parts(
            compiled.out.clone(),
            outs.into_iter().map(Arc::new).collect(),
        ))
    }

    /// [`DeviceJit::call_resident`], donating `x` (`jax.jit(f, donate_argnums=...)`): each
    /// of its buffers that nothing else holds may receive an output of its shape and dtype,
    /// so a training step updates its parameters in place instead of allocating new ones.
    /// Buffers still shared with another [`OnDevice`] are copied instead.
    pub fn call_resident_donating(&self, x: OnDevice<T>) -> Result<OnDevice<R>, PjrtError> {
        let compiled = self.compiled(x.structure(), || x.structure().zeros(), true)?;
        let (_, leaves) = x.into_parts();
        // A buffer held only here is donated; a shared one stays alive for its other holders.
        let owned: Vec<Result<DeviceBuffer, Arc<DeviceBuffer>>> =
            leaves.into_iter().map(Arc::try_unwrap).collect();
        let donate: Vec<bool> = owned.iter().map(|b| b.is_ok()).collect();
        let args: Vec<&DeviceBuffer> = owned
            .iter()
            .map(|b| match b {
                Ok(b) => b,
                Err(shared) => &**shared,
            })
            .collect();
        let outs = compiled.executable.execute_donating(&args, &donate)?;
        Ok(OnDevice::from_parts(
            compiled.out.clone(),
            outs.into_iter().map(Arc::new).collect(),
        ))
    }

    /// The executable for inputs like `x` (compiling it if needed), e.g. to read its
    /// StableHLO or compile time.
    pub fn executable_for(&self, x: &T) -> Result<ExecutableRef<'_, R>, PjrtError> {
        Ok(ExecutableRef {
            compiled: self.compiled(
                &Structure::of(x),
                || x.map_leaves(&mut |l| l.clone()),
                false,
            )?,
            _jit: std::marker::PhantomData,
        })
    }
}

/// A borrowed view of one of a [`DeviceJit`]'s executables.
pub struct ExecutableRef<'a, R> {
    compiled: Arc<Compiled<R>>,
    _jit: std::marker::PhantomData<&'a ()>,
}

impl<R> std::ops::Deref for ExecutableRef<'_, R> {
    type Target = Executable;
    fn deref(&self) -> &Executable {
        &self.compiled.executable
    }
}
