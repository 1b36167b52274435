//! Loading a PJRT plugin: the shared library, its function table and its version.

use crate::error::PjrtError;
use crate::ffi;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

/// The environment variable naming the plugin [`Plugin::from_env`] loads.
pub const PLUGIN_ENV: &str = "EQX_PJRT_PLUGIN";

/// A loaded PJRT plugin (`.so` exporting `GetPjrtApi`), initialised once per process.
pub struct Plugin {
    api: *const ffi::Api,
    path: PathBuf,
    version: (i32, i32),
    /// Whether the host-callback FFI handler is registered, or why not (tried once).
    host_callbacks: OnceLock<Result<(), String>>,
    /// Keeps the library mapped while the table is used; never unloaded (plugins start
    /// threads that outlive any handle).
    _library: libloading::Library,
}

// SAFETY: the PJRT C API is thread-safe: its function table is immutable after
// `PJRT_Plugin_Initialize`, and clients, buffers and executables may be used from any thread.
unsafe impl Send for Plugin {}
// SAFETY: as above.
unsafe impl Sync for Plugin {}

impl std::fmt::Debug for Plugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plugin")
            .field("path", &self.path)
            .field("version", &self.version)
            .finish()
    }
}

fn loaded() -> &'static Mutex<HashMap<PathBuf, Arc<Plugin>>> {
    static LOADED: OnceLock<Mutex<HashMap<PathBuf, Arc<Plugin>>>> = OnceLock::new();
    LOADED.get_or_init(|| Mutex::new(HashMap::new()))
}

impl Plugin {
    /// Loads the plugin at `path` (once per process: later calls return the same plugin),
    /// checks its API version and initialises it.
    pub fn load(path: impl AsRef<Path>) -> Result<Arc<Plugin>, PjrtError> {
        let path = path.as_ref();
        let key = path.canonicalize().map_err(|e| PjrtError::Load {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        let mut cache = loaded().lock().unwrap_or_else(|p| p.into_inner());
        if let Some(p) = cache.get(&key) {
            return Ok(p.clone());
        }
        let plugin = Arc::new(Plugin::open(&key)?);
        cache.insert(key, plugin.clone());
        Ok(plugin)
    }

    /// Loads the plugin named by `EQX_PJRT_PLUGIN`.
    pub fn from_env() -> Result<Arc<Plugin>, PjrtError> {
        match std::env::var_os(PLUGIN_ENV) {
            Some(p) if !p.is_empty() => Plugin::load(PathBuf::from(p)),
            _ => Err(PjrtError::NoPlugin),
        }
    }

    fn open(path: &Path) -> Result<Plugin, PjrtError> {
        let load_error = |message: String| PjrtError::Load {
            path: path.to_path_buf(),
            message,
        };
        // SAFETY: loading a library runs its initialisers; a PJRT plugin's are its own
        // business, as they are for JAX.
        let library =
            unsafe { libloading::Library::new(path) }.map_err(|e| load_error(e.to_string()))?;
        // SAFETY: `GetPjrtApi` has this signature in every PJRT plugin.
        let get: libloading::Symbol<ffi::GetPjrtApi> = unsafe { library.get(b"GetPjrtApi\0") }
            .map_err(|e| load_error(format!("not a PJRT plugin (no GetPjrtApi): {e}")))?;
        // SAFETY: the plugin returns a pointer to its static function table.
        let api = unsafe { get() };
        if api.is_null() {
            return Err(load_error("GetPjrtApi returned null".to_string()));
        }
        // SAFETY: non-null, and the version fields come first in every API version.
        let version = unsafe {
            (
                (*api).pjrt_api_version.major_version,
                (*api).pjrt_api_version.minor_version,
            )
        };
        // SAFETY: `struct_size` is the table's first field.
        let table_size = unsafe { (*api).struct_size };
        check_version(path, version, table_size)?;
        let plugin = Plugin {
            api,
            path: path.to_path_buf(),
            version,
            host_callbacks: OnceLock::new(),
            _library: library,
        };
        let mut args = ffi::PluginInitializeArgs::new();
        // SAFETY: the table is checked to be large enough; the arguments are well formed.
        let err = unsafe {
            plugin
                .api()
                .plugin_initialize
                .expect("PJRT_Plugin_Initialize")(&mut args)
        };
        plugin.check("plugin initialisation", err)?;
        Ok(plugin)
    }

    /// The function table.
    pub(crate) fn api(&self) -> &ffi::Api {
        // SAFETY: the table is static in the plugin, which stays loaded.
        unsafe { &*self.api }
    }

    /// Registers the host-callback handler for `platform` (once; see `host_callback.rs`), or
    /// says why host callbacks cannot run on this plugin.
    pub(crate) fn host_callbacks(&self, platform: &str) -> Result<(), String> {
        self.host_callbacks
            .get_or_init(|| crate::host_callback::register(self, platform))
            .clone()
    }

    /// The file the plugin was loaded from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The PJRT C API version the plugin implements, `(major, minor)`.
    pub fn api_version(&self) -> (i32, i32) {
        self.version
    }

    /// The plugin's attributes (`xla_version`, `stablehlo_current_version`, ...) as text.
    pub fn attributes(&self) -> Result<Vec<(String, String)>, PjrtError> {
        let mut args = ffi::PluginAttributesArgs::new();
        // SAFETY: well-formed arguments; the entry exists in every table we accept.
        let err = unsafe {
            self.api()
                .plugin_attributes
                .expect("PJRT_Plugin_Attributes")(&mut args)
        };
        self.check("reading plugin attributes", err)?;
        let mut out = Vec::with_capacity(args.num_attributes);
        for i in 0..args.num_attributes {
            // SAFETY: the plugin returned `num_attributes` values living as long as the process.
            let a = unsafe { &*args.attributes.add(i) };
            let name = unsafe { text(a.name, a.name_size) };
            let value = match a.ty {
                ffi::NAMED_VALUE_STRING => unsafe { text(a.value as *const _, a.value_size) },
                ffi::NAMED_VALUE_INT64 => (a.value as i64).to_string(),
                ffi::NAMED_VALUE_INT64_LIST => {
                    let p = a.value as *const i64;
                    let items: Vec<String> = (0..a.value_size)
                        // SAFETY: `value_size` elements.
                        .map(|j| unsafe { *p.add(j) }.to_string())
                        .collect();
                    format!("[{}]", items.join(", "))
                }
                _ => continue,
            };
            out.push((name, value));
        }
        Ok(out)
    }

    /// Turns a returned `PJRT_Error*` into a `Result`, freeing the error.
    pub(crate) fn check(
        &self,
        during: &'static str,
        err: *mut ffi::Error,
    ) -> Result<(), PjrtError> {
        if err.is_null() {
            return Ok(());
        }
        let api = self.api();
        let mut msg = ffi::ErrorMessageArgs::new();
        msg.error = err;
        // SAFETY: `err` is a live error from this plugin.
        unsafe { api.error_message.expect("PJRT_Error_Message")(&mut msg) };
        let message = unsafe { text(msg.message, msg.message_size) };
        let mut code = ffi::ErrorGetCodeArgs::new();
        code.error = err;
        // SAFETY: as above; a failure to read the code leaves it unknown (2).
        let code_err = unsafe { api.error_get_code.expect("PJRT_Error_GetCode")(&mut code) };
        let code = if code_err.is_null() { code.code } else { 2 };
        let mut destroy = ffi::ErrorDestroyArgs::new();
        destroy.error = err;
        // SAFETY: the error is not used after this.
        unsafe { api.error_destroy.expect("PJRT_Error_Destroy")(&mut destroy) };
        Err(PjrtError::Plugin {
            during,
            code,
            message,
        })
    }
}

/// Refuses a plugin of another major API version, or one too old to have every entry this
/// crate calls.
fn check_version(path: &Path, version: (i32, i32), table_size: usize) -> Result<(), PjrtError> {
    if version.0 != ffi::API_MAJOR
        || version.1 < ffi::API_MINOR_MIN
        || table_size < std::mem::size_of::<ffi::Api>()
    {
        return Err(PjrtError::Version {
            path: path.to_path_buf(),
            plugin: version,
            expected_major: ffi::API_MAJOR,
            expected_min_minor: ffi::API_MINOR_MIN,
        });
    }
    Ok(())
}

/// Copies a (pointer, length) string from the plugin.
///
/// # Safety
/// `ptr` must point to `len` readable bytes (or be null).
pub(crate) unsafe fn text(ptr: *const std::ffi::c_char, len: usize) -> String {
    if ptr.is_null() {
        return String::new();
    }
    // SAFETY: the caller's contract.
    let bytes = unsafe { std::slice::from_raw_parts(ptr as *const u8, len) };
    String::from_utf8_lossy(bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_api_versions_are_refused_with_both_versions_named() {
        let path = Path::new("/opt/plugins/pjrt_gpu.so");
        let full = std::mem::size_of::<ffi::Api>();
        assert!(check_version(path, (0, 81), full).is_ok());
        assert!(check_version(path, (0, ffi::API_MINOR_MIN), full).is_ok());
        for (version, size) in [
            ((1, 0), full),
            ((0, ffi::API_MINOR_MIN - 1), full),
            ((0, 81), full - 8),
        ] {
            let msg = check_version(path, version, size).unwrap_err().to_string();
            assert!(msg.contains("/opt/plugins/pjrt_gpu.so"), "{msg}");
            assert!(
                msg.contains(&format!("{}.{}", version.0, version.1)),
                "{msg}"
            );
            assert!(
                msg.contains(&format!("needs 0.x with x >= {}", ffi::API_MINOR_MIN)),
                "{msg}"
            );
        }
    }
}
