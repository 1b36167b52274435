//! Runs Equinox-for-Rust programs on XLA through a PJRT plugin: the compiler and runtime JAX
//! uses, on any device kind with a plugin (CPU, NVIDIA and AMD GPUs, TPUs).
//!
//! A staged program (a [`ClosedJaxpr`](equinox_core::jaxpr::ClosedJaxpr), from `make_jaxpr`
//! or [`Client::jit`]) is lowered to StableHLO by each primitive's lowering rule
//! ([`equinox_core::jaxpr::stablehlo`]), compiled by the plugin, and run on device buffers.
//! The plugin is a shared library loaded at run time ([`Plugin::load`], or the path in
//! `EQX_PJRT_PLUGIN`), so nothing here links XLA and the rest of the workspace stays pure Rust.
//!
//! ```no_run
//! use equinox_core::Array;
//! use equinox_pjrt::Client;
//! let client = Client::from_env()?;
//! let f = client.jit(|x: &Array| (x.sin() * 2.0).sum(None));
//! let y = f.call(&Array::from_vec(vec![0.5f32; 4], [4]))?;
//! assert!((y.item::<f32>() - 8.0 * 0.5f32.sin()).abs() < 1e-6);
//! # Ok::<(), equinox_pjrt::PjrtError>(())
//! ```

mod buffer;
mod client;
mod device_array;
mod error;
mod executable;
mod ffi;
mod host_callback;
mod jit;
mod lru_cache;
mod on_device;
mod plugin;

pub use buffer::DeviceBuffer;
pub use client::{Client, Device};
pub use error::PjrtError;
pub use executable::Executable;
pub use jit::{DeviceJit, ExecutableRef};
pub use on_device::OnDevice;
pub use plugin::{Plugin, PLUGIN_ENV};
