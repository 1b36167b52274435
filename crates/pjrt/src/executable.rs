//! Programs compiled by a plugin, and running them.

use crate::buffer::DeviceBuffer;
use crate::client::{Client, ClientInner};
use crate::error::PjrtError;
use crate::ffi;
use equinox_core::jaxpr::stablehlo::{lower_donating, StableHloModule};
use equinox_core::jaxpr::ClosedJaxpr;
use equinox_core::Array;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A serialized `xla.CompileOptionsProto`: `executable_build_options { num_replicas: 1
/// num_partitions: 1 }` (field 3, holding fields 4 and 5), one device, no partitioning.
/// Written out by hand: the message is small and fixed, and a protobuf dependency for six
/// bytes would weigh more than it gives.
const COMPILE_OPTIONS: &[u8] = &[0x1a, 0x04, 0x20, 0x01, 0x28, 0x01];

/// A program compiled for one device, with its constants on that device.
pub struct Executable {
    client: Client,
    raw: *mut ffi::LoadedExecutable,
    consts: Vec<DeviceBuffer>,
    module: StableHloModule,
    compile_time: Duration,
}

// SAFETY: PJRT executables may run from any thread.
unsafe impl Send for Executable {}
// SAFETY: as above; executing does not mutate the executable.
unsafe impl Sync for Executable {}

impl Drop for Executable {
    fn drop(&mut self) {
        let inner = &self.client.inner;
        let mut args = ffi::LoadedExecutableDestroyArgs::new();
        args.executable = self.raw;
        // SAFETY: owned here, not used after.
        let err = unsafe {
            inner
                .plugin
                .api()
                .loaded_executable_destroy
                .expect("PJRT_LoadedExecutable_Destroy")(&mut args)
        };
        let _ = inner.plugin.check("freeing an executable", err);
    }
}

impl Executable {
    /// Lowers and compiles `program`, aliasing the inputs flagged in `donated` to outputs
    /// (see [`lower_donating`]).
    pub(crate) fn compile(
        client: &Client,
        program: &ClosedJaxpr,
        donated: &[bool],
    ) -> Result<Executable, PjrtError> {
        let module = lower_donating(program, donated)?;
        Executable::compile_module(client, module, &program.consts)
    }

    /// Compiles a lowered module; `consts` are its leading arguments.
    pub fn compile_module(
        client: &Client,
        module: StableHloModule,
        consts: &[Array],
    ) -> Result<Executable, PjrtError> {
        if !module.host_callbacks.is_empty()
            && let Err(why) = client.inner.plugin.host_callbacks(client.platform_name())
        {
            let names: Vec<&str> = module
                .host_callbacks
                .iter()
                .filter_map(|h| equinox_core::jaxpr::host_callback::lookup(h.id()))
                .map(|c| c.name)
                .collect();
            return Err(PjrtError::Argument(format!(
                "the program calls host code ({}), which this plugin cannot run: {why}",
                names.join(", ")
            )));
        }
        let start = Instant::now();
        let inner: &Arc<ClientInner> = &client.inner;
        let api = inner.plugin.api();
        let format = b"mlir";
        let program = ffi::Program {
            struct_size: std::mem::size_of::<ffi::Program>(),
            extension_start: std::ptr::null_mut(),
            code: module.text.as_ptr() as *mut _,
            code_size: module.text.len(),
            format: format.as_ptr().cast(),
            format_size: format.len(),
        };
        let mut args = ffi::ClientCompileArgs::new();
        args.client = inner.raw;
        args.program = &program;
        args.compile_options = COMPILE_OPTIONS.as_ptr().cast();
        args.compile_options_size = COMPILE_OPTIONS.len();
        // SAFETY: the text, format and options outlive the call, which only reads them.
        let err = unsafe { api.client_compile.expect("PJRT_Client_Compile")(&mut args) };
        inner.plugin.check("compilation", err)?;
        let compile_time = start.elapsed();
        let consts = consts
            .iter()
            .map(|c| client.device_put(c))
            .collect::<Result<Vec<_>, _>>()?;
        let exe = Executable {
            client: client.clone(),
            raw: args.executable,
            consts,
            module,
            compile_time,
        };
        let n = exe.num_outputs()?;
        if n != exe.module.out_avals.len() {
            return Err(PjrtError::Argument(format!(
                "the compiled program has {n} outputs where the lowered one has {}",
                exe.module.out_avals.len()
            )));
        }
        Ok(exe)
    }

    fn num_outputs(&self) -> Result<usize, PjrtError> {
        let inner = &self.client.inner;
        let api = inner.plugin.api();
        let mut get = ffi::LoadedExecutableGetExecutableArgs::new();
        get.loaded_executable = self.raw;
        // SAFETY: a live executable.
        let err = unsafe {
            api.loaded_executable_get_executable
                .expect("PJRT_LoadedExecutable_GetExecutable")(&mut get)
        };
        inner.plugin.check("inspecting an executable", err)?;
        let mut n = ffi::ExecutableNumOutputsArgs::new();
        n.executable = get.executable;
        // SAFETY: the executable view returned just above.
        let err = unsafe {
            api.executable_num_outputs
                .expect("PJRT_Executable_NumOutputs")(&mut n)
        };
        let mut destroy = ffi::ExecutableDestroyArgs::new();
        destroy.executable = get.executable;
        // SAFETY: the view is not used after this.
        let destroy_err =
            unsafe { api.executable_destroy.expect("PJRT_Executable_Destroy")(&mut destroy) };
        inner.plugin.check("inspecting an executable", err)?;
        inner
            .plugin
            .check("inspecting an executable", destroy_err)?;
        Ok(n.num_outputs)
    }

    /// The StableHLO module this was compiled from.
    pub fn module(&self) -> &StableHloModule {
        &self.module
    }

    /// How long the plugin took to compile the module (constants' upload excluded).
    pub fn compile_time(&self) -> Duration {
        self.compile_time
    }

    /// Runs the program on buffers already on the device; the outputs stay there. No argument
    /// is donated.
    pub fn execute(&self, args: &[&DeviceBuffer]) -> Result<Vec<DeviceBuffer>, PjrtError> {
        self.execute_donating(args, &[])
    }

    /// As [`Executable::execute`], donating the arguments flagged in `donate` that the program
    /// aliases to an output (see `StableHloModule::aliases`): their memory may hold the
    /// outputs, and they must not be read again (the plugin refuses a donated buffer).
    pub(crate) fn execute_donating(
        &self,
        args: &[&DeviceBuffer],
        donate: &[bool],
    ) -> Result<Vec<DeviceBuffer>, PjrtError> {
        let expected = &self.module.arg_avals[self.module.num_consts..];
        if args.len() != expected.len() {
            return Err(PjrtError::Argument(format!(
                "executable called with {} arguments, compiled for {}",
                args.len(),
                expected.len()
            )));
        }
        for (i, (a, e)) in args.iter().zip(expected).enumerate() {
            if a.shape() != &e.shape[..] || a.dtype() != e.dtype {
                return Err(PjrtError::Argument(format!(
                    "executable argument {i} is {} but it was compiled for {e}",
                    a.aval()
                )));
            }
        }
        let inner = &self.client.inner;
        let api = inner.plugin.api();
        let inputs: Vec<*mut ffi::Buffer> = self
            .consts
            .iter()
            .map(|b| b.raw)
            .chain(args.iter().map(|b| b.raw))
            .collect();
        let input_lists = [inputs.as_ptr()];
        let mut outputs: Vec<*mut ffi::Buffer> =
            vec![std::ptr::null_mut(); self.module.out_avals.len()];
        let output_lists = [outputs.as_mut_ptr()];
        let mut done: *mut ffi::Event = std::ptr::null_mut();
        // Every aliased argument not donated here is copied rather than overwritten.
        let num_consts = self.module.num_consts;
        let keep: Vec<i64> = self
            .module
            .aliases
            .iter()
            .map(|&(a, _)| a)
            .filter(|&a| a < num_consts || !donate.get(a - num_consts).copied().unwrap_or(false))
            .map(|a| a as i64)
            .collect();
        let mut options = ffi::ExecuteOptions::new();
        options.non_donatable_input_indices = keep.as_ptr();
        options.num_non_donatable_input_indices = keep.len();
        let mut exec = ffi::LoadedExecutableExecuteArgs::new();
        exec.executable = self.raw;
        exec.options = &mut options;
        exec.argument_lists = input_lists.as_ptr();
        exec.num_devices = 1;
        exec.num_args = inputs.len();
        exec.output_lists = output_lists.as_ptr();
        exec.device_complete_events = &mut done;
        // SAFETY: the argument and output lists have the sizes given and outlive the call.
        let err = unsafe {
            api.loaded_executable_execute
                .expect("PJRT_LoadedExecutable_Execute")(&mut exec)
        };
        inner.plugin.check("execution", err)?;
        let outs: Vec<DeviceBuffer> = outputs
            .into_iter()
            .zip(&self.module.out_avals)
            .map(|(raw, aval)| DeviceBuffer::from_raw(inner.clone(), raw, aval.clone()))
            .collect();
        crate::buffer::await_event(inner, done, "execution")?;
        Ok(outs)
    }

    /// Copies `args` to the device (those already there, from [`Client::to_device`], are used
    /// in place), runs the program and copies the outputs back.
    pub fn call(&self, args: &[&Array]) -> Result<Vec<Array>, PjrtError> {
        let buffers = args
            .iter()
            .map(|a| self.client.buffer_of(a))
            .collect::<Result<Vec<_>, _>>()?;
        let refs: Vec<&DeviceBuffer> = buffers.iter().map(|b| &**b).collect();
        self.execute(&refs)?
            .iter()
            .map(DeviceBuffer::device_get)
            .collect()
    }
}
