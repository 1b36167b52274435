//! Where an example trains (`--device`): our own CPU executor, or XLA through a PJRT plugin
//! (`xla-cpu`: XLA's CPU plugin, `gpu`: a GPU plugin), with the training state kept on the
//! device between steps.

use equinox as eqx;
use equinox_pjrt::{Client, OnDevice, PjrtError, Plugin, PLUGIN_ENV};
use eqx::tree::PyTree;
use eqx::Array;
use std::path::PathBuf;

/// The `--device` flag's values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DeviceArg {
    /// Equinox for Rust's own CPU executor (the default).
    Cpu,
    /// XLA's CPU plugin: `EQX_PJRT_PLUGIN`, or the copy `.ci/xla-cpu-plugin` downloads.
    XlaCpu,
    /// A GPU plugin named by `EQX_PJRT_PLUGIN` (e.g. `jax-cuda12-pjrt`'s `.so`).
    Gpu,
}

/// What runs the training steps.
pub enum Backend {
    /// Our executor (`filter_jit`).
    Cpu,
    /// A PJRT client.
    Pjrt(Client),
}

/// Where `.ci/xla-cpu-plugin` keeps XLA's CPU plugin.
fn cached_xla_cpu_plugin() -> Option<PathBuf> {
    let cache = std::env::var_os("EQX_PJRT_CACHE")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("XDG_CACHE_HOME").map(|c| PathBuf::from(c).join("equinox/pjrt"))
        })
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/equinox/pjrt"))
        })?;
    let path = cache.join("xla_cpu_pjrt-0.0.1/xla_plugins/xla_cpu_pjrt/xla_cpu_pjrt.so");
    path.is_file().then_some(path)
}

fn connect(device: DeviceArg) -> Result<Client, String> {
    let from_env = std::env::var_os(PLUGIN_ENV).map(PathBuf::from);
    let path = match (device, from_env) {
        (_, Some(path)) => path,
        (DeviceArg::XlaCpu, None) => cached_xla_cpu_plugin().ok_or_else(|| {
            format!("no XLA CPU plugin: run .ci/xla-cpu-plugin to download it, or set {PLUGIN_ENV}")
        })?,
        _ => {
            return Err(format!(
                "--device gpu needs {PLUGIN_ENV}: the path of a GPU plugin"
            ))
        }
    };
    let client = Plugin::load(&path)
        .and_then(Client::new)
        .map_err(|e: PjrtError| e.to_string())?;
    let platform = client.platform_name().to_string();
    let wants_cpu = device == DeviceArg::XlaCpu;
    if wants_cpu != (platform == "cpu") {
        return Err(format!(
            "{} is a plugin for platform {platform:?}, not for --device {device:?}",
            path.display()
        ));
    }
    Ok(client)
}

/// The backend for `--device`, or an exit with the reason it is not there.
pub fn backend(program: &str, device: DeviceArg) -> Backend {
    if device == DeviceArg::Cpu {
        return Backend::Cpu;
    }
    match connect(device) {
        Ok(client) => {
            let d = client.default_device();
            println!(
                "device: {} ({}, device {} of {})",
                client.platform_name(),
                d.kind(),
                d.id(),
                client.devices().len()
            );
            Backend::Pjrt(client)
        }
        Err(e) => {
            eprintln!("{program}: {e}");
            std::process::exit(1)
        }
    }
}

type HostStep<S> = Box<dyn Fn(S, &Array, &Array) -> (S, Array)>;
type DeviceStep<S> =
    Box<dyn Fn(OnDevice<(S, (Array, Array))>) -> Result<OnDevice<(S, Array)>, PjrtError>>;

/// A training loop's state (model, optimiser state, ...) and its compiled step
/// `(state, x, y) → (state, loss)`, on the backend chosen. On a PJRT device the state stays
/// there between steps and is donated to each (the new state is written over the old); each
/// step copies its batch over and the loss back.
pub enum Trainer<S> {
    /// On our executor: the step is `filter_jit_donate`d, so the old state's buffers receive
    /// the new one.
    Host {
        /// The current state (taken while a step runs).
        state: Option<S>,
        /// The compiled step.
        step: HostStep<S>,
    },
    /// On a PJRT device.
    Device {
        /// The client the state lives on.
        client: Client,
        /// The current state (taken while a step runs).
        state: Option<OnDevice<S>>,
        /// The compiled step.
        step: DeviceStep<S>,
    },
}

impl<S: PyTree + 'static> Trainer<S> {
    /// Starts from `state`, stepping with `step`.
    pub fn new(
        backend: &Backend,
        state: S,
        step: impl Fn(&S, &Array, &Array) -> (S, Array) + 'static,
    ) -> Trainer<S> {
        match backend {
            Backend::Cpu => Trainer::Host {
                state: Some(state),
                step: Box::new(eqx::filter_jit_donate(
                    move |s: &S, x: &Array, y: &Array| step(s, x, y),
                )),
            },
            Backend::Pjrt(client) => {
                let jit = client.jit(move |(s, (x, y)): &(S, (Array, Array))| step(s, x, y));
                Trainer::Device {
                    client: client.clone(),
                    state: Some(client.put(&state).unwrap_or_else(|e| fail(&e))),
                    step: Box::new(move |args| jit.call_resident_donating(args)),
                }
            }
        }
    }

    /// One step on the batch `(x, y)`; returns the loss.
    pub fn step(&mut self, x: &Array, y: &Array) -> f32 {
        match self {
            Trainer::Host { state, step } => {
                let (next, loss) = step(state.take().expect("a state between steps"), x, y);
                *state = Some(next);
                loss.item::<f32>()
            }
            Trainer::Device {
                client,
                state,
                step,
            } => {
                let mut run = || -> Result<f32, PjrtError> {
                    let batch = client.put(&(x.clone(), y.clone()))?;
                    let current = state.take().expect("a state between steps");
                    let pair = OnDevice::join(&current, &batch);
                    // The pair becomes the only holder of the state's buffers: they are donated.
                    drop(current);
                    let (next, loss) = step(pair)?.split();
                    *state = Some(next);
                    Ok(loss.get()?.item::<f32>())
                };
                run().unwrap_or_else(|e| fail(&e))
            }
        }
    }

    /// The current state, on the host (copied back from a device).
    pub fn state(&self) -> S {
        match self {
            Trainer::Host { state, .. } => {
                let s = state.as_ref().expect("a state between steps");
                s.map_leaves(&mut |l| l.clone())
            }
            Trainer::Device { state, .. } => state
                .as_ref()
                .expect("a state between steps")
                .get()
                .unwrap_or_else(|e| fail(&e)),
        }
    }
}

fn fail(e: &PjrtError) -> ! {
    eprintln!("the device failed: {e}");
    std::process::exit(1)
}
