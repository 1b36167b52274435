//! `jit` onto a PJRT device: trace once per input signature, lower, compile, run.

use crate::buffer::DeviceBuffer;
use crate::client::Client;
use crate::error::PjrtError;
use crate::executable::Executable;
use equinox_core::compiler::optimize::optimize;
use equinox_core::transforms::{eval_shape, make_jaxpr};
use equinox_core::tree::{self, PyTree};
use equinox_core::{Array, ShapeDtype};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// A function compiled for a PJRT device on first use with each input signature (shapes and
/// dtypes of the leaves), as `jax.jit(f, device=...)`. Built by [`Client::jit`].
pub struct DeviceJit<T, R, F> {
    client: Client,
    f: F,
    cache: Mutex<HashMap<Vec<ShapeDtype>, Arc<Compiled<R>>>>,
    _types: std::marker::PhantomData<fn(&T)>,
}

/// One signature's executable and the structure of its outputs.
struct Compiled<R> {
    executable: Executable,
    /// The outputs' structure (every leaf a placeholder), rebuilt around the results.
    out_template: R,
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
    fn compiled(&self, x: &T) -> Result<Arc<Compiled<R>>, PjrtError> {
        let key: Vec<ShapeDtype> = tree::leaves(x)
            .into_iter()
            .map(|l| ShapeDtype::new(l.shape().to_vec(), l.dtype()))
            .collect();
        if let Some(c) = self
            .cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
        {
            return Ok(c.clone());
        }
        let program = optimize(&make_jaxpr(|x: &T| (self.f)(x))(x));
        let out_template = eval_shape(|x: &T| (self.f)(x), x);
        let executable = self.client.compile(&program)?;
        let compiled = Arc::new(Compiled {
            executable,
            out_template,
        });
        self.cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key, compiled.clone());
        Ok(compiled)
    }

    /// Runs `f` on the device: copies the leaves of `x` there, runs, copies the outputs back.
    pub fn call(&self, x: &T) -> Result<R, PjrtError> {
        let compiled = self.compiled(x)?;
        let leaves: Vec<&Array> = tree::leaves(x);
        let outs = compiled.executable.call(&leaves)?;
        // Every leaf of the template is a placeholder (from `eval_shape`), one per output.
        let mut outs = outs.into_iter();
        Ok(compiled
            .out_template
            .map_leaves(&mut |_| outs.next().expect("one output per leaf")))
    }

    /// Runs `f` on leaves already on the device (in `tree::leaves(x)` order, for an `x` like
    /// `like`); the output leaves stay on the device.
    pub fn call_on_device(
        &self,
        like: &T,
        leaves: &[&DeviceBuffer],
    ) -> Result<Vec<DeviceBuffer>, PjrtError> {
        self.compiled(like)?.executable.execute(leaves)
    }

    /// The executable for inputs like `x` (compiling it if needed), e.g. to read its
    /// StableHLO or compile time.
    pub fn executable_for(&self, x: &T) -> Result<ExecutableRef<'_, R>, PjrtError> {
        Ok(ExecutableRef {
            compiled: self.compiled(x)?,
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
