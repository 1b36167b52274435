//! What can go wrong talking to a plugin.

use std::fmt;
use std::path::PathBuf;

/// An error from loading a plugin, compiling or running a program on it, or moving data.
#[derive(Debug)]
pub enum PjrtError {
    /// No plugin was named: neither an explicit path nor `EQX_PJRT_PLUGIN`.
    NoPlugin,
    /// The shared library could not be opened, or does not export `GetPjrtApi`.
    Load {
        /// The file.
        path: PathBuf,
        /// The loader's message.
        message: String,
    },
    /// The plugin speaks another version of the PJRT C API than this crate.
    Version {
        /// The file.
        path: PathBuf,
        /// The plugin's `(major, minor)` API version.
        plugin: (i32, i32),
        /// The major version this crate is built for.
        expected_major: i32,
        /// The oldest minor version this crate can use.
        expected_min_minor: i32,
    },
    /// A call into the plugin failed; the plugin's own status code and message.
    Plugin {
        /// What was being done (`"compile"`, `"execute"`, ...).
        during: &'static str,
        /// The absl status code (`3` invalid argument, `8` resource exhausted, ...).
        code: i32,
        /// The plugin's message.
        message: String,
    },
    /// The program uses something the StableHLO lowering does not cover.
    Lowering(equinox_core::jaxpr::stablehlo::LoweringError),
    /// An argument does not match what the executable was compiled for, or a dtype has no
    /// PJRT buffer type.
    Argument(String),
}

impl PjrtError {
    /// True for a device out of memory (`RESOURCE_EXHAUSTED`).
    pub fn is_out_of_memory(&self) -> bool {
        matches!(self, PjrtError::Plugin { code: 8, .. })
    }
}

impl fmt::Display for PjrtError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PjrtError::NoPlugin => write!(
                f,
                "no PJRT plugin configured: pass a path to `Plugin::load` or set EQX_PJRT_PLUGIN \
                 to the plugin's shared library (e.g. xla_cpu_pjrt.so)"
            ),
            PjrtError::Load { path, message } => {
                write!(f, "cannot load PJRT plugin {}: {message}", path.display())
            }
            PjrtError::Version {
                path,
                plugin,
                expected_major,
                expected_min_minor,
            } => write!(
                f,
                "PJRT plugin {} implements PJRT C API {}.{}, but this build needs {}.x with x >= {}",
                path.display(),
                plugin.0,
                plugin.1,
                expected_major,
                expected_min_minor
            ),
            PjrtError::Plugin {
                during,
                code,
                message,
            } => write!(f, "PJRT {during} failed (status {code}): {message}"),
            PjrtError::Lowering(e) => write!(f, "{e}"),
            PjrtError::Argument(m) => write!(f, "{m}"),
        }
    }
}

impl std::error::Error for PjrtError {}

impl From<equinox_core::jaxpr::stablehlo::LoweringError> for PjrtError {
    fn from(e: equinox_core::jaxpr::stablehlo::LoweringError) -> PjrtError {
        PjrtError::Lowering(e)
    }
}
