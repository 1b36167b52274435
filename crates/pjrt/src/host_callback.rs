//! Host callbacks on host (CPU) plugins: one XLA FFI handler, registered through the plugin's
//! FFI extension, runs the Rust function a module's `equinox_host_callback` custom call names
//! (`pure_callback`, `debug_callback`, a raising `error_if`, `eig`, collectives; see
//! `equinox_core::jaxpr::host_callback`). It is what JAX's CPU backend does for its callbacks
//! (`xla_ffi_python_cpu_callback`) and for LAPACK.
//!
//! The declarations below are XLA's FFI C API (`xla/ffi/api/c_api.h`, API 0.1) and the PJRT FFI
//! extension (`pjrt_c_api_ffi_extension.h`, version 2 and later), written from the headers:
//! only the parts the handler reads.

use crate::ffi::{Error, ExtensionBase};
use crate::plugin::Plugin;
use equinox_core::jaxpr::host_callback::{lookup, HOST_CALLBACK_TARGET};
use equinox_core::numpy::npy::{from_le_bytes, to_le_bytes};
use equinox_core::{Array, DType};
use std::ffi::{c_char, c_int, c_void, CString};

/// `PJRT_Extension_Type_FFI`.
const EXTENSION_FFI: c_int = 5;

#[repr(C)]
struct RegisterHandlerArgs {
    struct_size: usize,
    target_name: *const c_char,
    target_name_size: usize,
    handler: *mut c_void,
    platform_name: *const c_char,
    platform_name_size: usize,
    traits: u32,
}

#[repr(C)]
struct FfiExtension {
    base: ExtensionBase,
    type_id_register: *mut c_void,
    user_data_add: *mut c_void,
    register_handler: Option<unsafe extern "C" fn(*mut RegisterHandlerArgs) -> *mut Error>,
}

#[repr(C)]
struct XlaExtensionBase {
    struct_size: usize,
    ty: c_int,
    next: *mut XlaExtensionBase,
}

/// `XLA_FFI_Extension_Metadata`: the call asks for the handler's API version and traits.
const XLA_EXTENSION_METADATA: c_int = 1;
/// `XLA_FFI_ExecutionStage_EXECUTE`.
const XLA_STAGE_EXECUTE: c_int = 3;
/// `XLA_FFI_ArgType_BUFFER` (and `XLA_FFI_RetType_BUFFER`).
const XLA_BUFFER: c_int = 1;
/// `XLA_FFI_AttrType_SCALAR`.
const XLA_ATTR_SCALAR: c_int = 3;
/// `XLA_FFI_Error_Code_INTERNAL`.
const XLA_ERROR_INTERNAL: c_int = 13;

#[repr(C)]
struct XlaApiVersion {
    struct_size: usize,
    extension_start: *mut XlaExtensionBase,
    major_version: c_int,
    minor_version: c_int,
}

#[repr(C)]
struct XlaMetadata {
    struct_size: usize,
    api_version: XlaApiVersion,
    traits: u32,
}

#[repr(C)]
struct XlaMetadataExtension {
    base: XlaExtensionBase,
    metadata: *mut XlaMetadata,
}

#[repr(C)]
struct XlaBuffer {
    struct_size: usize,
    extension_start: *mut XlaExtensionBase,
    dtype: c_int,
    data: *mut c_void,
    rank: i64,
    dims: *const i64,
}

/// `XLA_FFI_Args` and `XLA_FFI_Rets`, which have one layout.
#[repr(C)]
struct XlaList {
    struct_size: usize,
    extension_start: *mut XlaExtensionBase,
    size: i64,
    types: *const c_int,
    items: *const *mut c_void,
}

#[repr(C)]
struct XlaAttrs {
    struct_size: usize,
    extension_start: *mut XlaExtensionBase,
    size: i64,
    types: *const c_int,
    names: *const *const XlaByteSpan,
    attrs: *const *const c_void,
}

#[repr(C)]
struct XlaByteSpan {
    ptr: *const c_char,
    len: usize,
}

#[repr(C)]
struct XlaScalar {
    dtype: c_int,
    value: *const c_void,
}

#[repr(C)]
struct XlaCallFrame {
    struct_size: usize,
    extension_start: *mut XlaExtensionBase,
    api: *const XlaApi,
    ctx: *mut c_void,
    stage: c_int,
    args: XlaList,
    rets: XlaList,
    attrs: XlaAttrs,
}

#[repr(C)]
struct XlaErrorCreateArgs {
    struct_size: usize,
    extension_start: *mut XlaExtensionBase,
    message: *const c_char,
    errc: c_int,
}

#[repr(C)]
struct XlaApi {
    struct_size: usize,
    extension_start: *mut XlaExtensionBase,
    api_version: XlaApiVersion,
    internal_api: *mut c_void,
    error_create: Option<unsafe extern "C" fn(*mut XlaErrorCreateArgs) -> *mut c_void>,
}

/// The `xla::PrimitiveType` number XLA's FFI gives each dtype.
fn xla_type(dtype: DType) -> Option<c_int> {
    Some(match dtype {
        DType::Bool => 1,
        DType::I8 => 2,
        DType::I16 => 3,
        DType::I32 => 4,
        DType::I64 => 5,
        DType::U8 => 6,
        DType::U16 => 7,
        DType::U32 => 8,
        DType::U64 => 9,
        DType::F16 => 10,
        DType::F32 => 11,
        DType::F64 => 12,
        DType::C64 => 15,
        DType::BF16 => 16,
        DType::C128 => 18,
        DType::F8E5M2 => 19,
        DType::F8E4M3Fn => 20,
        DType::F8E4M3B11Fnuz => 23,
        DType::F8E5M2Fnuz => 24,
        DType::F8E4M3Fnuz => 25,
        DType::F8E4M3 => 28,
        DType::F8E3M4 => 29,
        DType::F8E8M0Fnu => 33,
        DType::F4E2M1Fn => return None,
    })
}

fn from_xla_type(code: c_int) -> Option<DType> {
    const ALL: [DType; 23] = [
        DType::Bool,
        DType::I8,
        DType::I16,
        DType::I32,
        DType::I64,
        DType::U8,
        DType::U16,
        DType::U32,
        DType::U64,
        DType::F16,
        DType::F32,
        DType::F64,
        DType::C64,
        DType::BF16,
        DType::C128,
        DType::F8E5M2,
        DType::F8E4M3Fn,
        DType::F8E4M3B11Fnuz,
        DType::F8E5M2Fnuz,
        DType::F8E4M3Fnuz,
        DType::F8E4M3,
        DType::F8E3M4,
        DType::F8E8M0Fnu,
    ];
    ALL.into_iter().find(|&d| xla_type(d) == Some(code))
}

/// Registers the handler with `plugin` for its host platform. Plugins without the FFI
/// extension (or with one too old to register handlers), and device platforms, whose
/// buffers the host cannot read, give the reason host callbacks are unavailable.
pub(crate) fn register(plugin: &Plugin, platform: &str) -> Result<(), String> {
    if platform != "cpu" && platform != "host" {
        return Err(format!(
            "host callbacks run on host (CPU) plugins only; this plugin's platform is `{platform}`"
        ));
    }
    let mut ext = plugin.api().extension_start;
    // SAFETY: the plugin's extension chain is a static linked list of extension structs.
    let ffi = unsafe {
        loop {
            if ext.is_null() {
                return Err("the plugin has no FFI extension".to_string());
            }
            if (*ext).ty == EXTENSION_FFI {
                break ext.cast::<FfiExtension>();
            }
            ext = (*ext).next;
        }
    };
    // SAFETY: `struct_size` tells which fields the plugin's extension has.
    let register = unsafe {
        if (*ffi).base.struct_size < std::mem::size_of::<FfiExtension>() {
            None
        } else {
            (*ffi).register_handler
        }
    };
    let register = register.ok_or("the plugin's FFI extension cannot register handlers")?;
    let platform_name = b"Host";
    let mut args = RegisterHandlerArgs {
        struct_size: std::mem::offset_of!(RegisterHandlerArgs, traits) + std::mem::size_of::<u32>(),
        target_name: HOST_CALLBACK_TARGET.as_ptr().cast(),
        target_name_size: HOST_CALLBACK_TARGET.len(),
        handler: handler as *mut c_void,
        platform_name: platform_name.as_ptr().cast(),
        platform_name_size: platform_name.len(),
        traits: 0,
    };
    // SAFETY: well-formed arguments; the plugin copies the names.
    let err = unsafe { register(&mut args) };
    plugin
        .check("registering the host-callback handler", err)
        .map_err(|e| e.to_string())
}

/// The FFI handler: answers the metadata query, and at execution runs the callback the
/// `callback` attribute names. It never unwinds into XLA: failures become FFI errors.
unsafe extern "C" fn handler(frame: *mut XlaCallFrame) -> *mut c_void {
    // SAFETY: XLA passes a valid call frame for the duration of the call.
    let frame = unsafe { &mut *frame };
    let mut ext = frame.extension_start;
    while !ext.is_null() {
        // SAFETY: a chain of extension structs.
        unsafe {
            if (*ext).ty == XLA_EXTENSION_METADATA {
                let metadata = &mut *(*ext.cast::<XlaMetadataExtension>()).metadata;
                metadata.api_version.major_version = 0;
                metadata.api_version.minor_version = 1;
                metadata.traits = 0;
                return std::ptr::null_mut();
            }
            ext = (*ext).next;
        }
    }
    if frame.stage != XLA_STAGE_EXECUTE {
        return std::ptr::null_mut();
    }
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // SAFETY: the frame's lists and buffers are XLA's, valid during the call.
        unsafe { execute(frame) }
    }));
    let message = match outcome {
        Ok(Ok(())) => return std::ptr::null_mut(),
        Ok(Err(message)) => message,
        Err(_) => "equinox_host_callback: the handler panicked".to_string(),
    };
    // SAFETY: the frame's API table is live during the call.
    unsafe { error(frame.api, &message) }
}

/// An FFI error carrying `message` (XLA takes ownership).
unsafe fn error(api: *const XlaApi, message: &str) -> *mut c_void {
    let text = CString::new(message.replace('\0', " ")).expect("no interior NUL");
    // SAFETY: a live API table; `error_create` copies the message.
    unsafe {
        let Some(create) = api.as_ref().and_then(|a| a.error_create) else {
            // No way to report: XLA then sees success, which is why this is checked at
            // registration time by XLA's own version test.
            return std::ptr::null_mut();
        };
        let mut args = XlaErrorCreateArgs {
            struct_size: std::mem::size_of::<XlaErrorCreateArgs>(),
            extension_start: std::ptr::null_mut(),
            message: text.as_ptr(),
            errc: XLA_ERROR_INTERNAL,
        };
        create(&mut args)
    }
}

/// The `callback` attribute's id.
unsafe fn callback_id(attrs: &XlaAttrs) -> Result<u64, String> {
    for i in 0..attrs.size as usize {
        // SAFETY: `size` names, types and values.
        unsafe {
            let name = &**attrs.names.add(i);
            let name = std::slice::from_raw_parts(name.ptr.cast::<u8>(), name.len);
            if name == b"callback" && *attrs.types.add(i) == XLA_ATTR_SCALAR {
                let scalar = &*(*attrs.attrs.add(i)).cast::<XlaScalar>();
                if scalar.dtype == 5 {
                    return Ok(*scalar.value.cast::<i64>() as u64);
                }
            }
        }
    }
    Err("equinox_host_callback: the call has no i64 `callback` attribute".to_string())
}

/// A buffer's dtype and shape, and the address and length of its bytes.
unsafe fn buffer_parts(buffer: &XlaBuffer) -> Result<(DType, Vec<usize>, *mut u8, usize), String> {
    let dtype = from_xla_type(buffer.dtype).ok_or_else(|| {
        format!(
            "equinox_host_callback: unsupported buffer type {}",
            buffer.dtype
        )
    })?;
    // SAFETY: `rank` dimensions.
    let shape: Vec<usize> = (0..buffer.rank as usize)
        .map(|d| unsafe { *buffer.dims.add(d) } as usize)
        .collect();
    let len = shape.iter().product::<usize>() * dtype.size_in_bytes();
    Ok((dtype, shape, buffer.data.cast::<u8>(), len))
}

unsafe fn execute(frame: &XlaCallFrame) -> Result<(), String> {
    // SAFETY: the caller's frame.
    let id = unsafe { callback_id(&frame.attrs)? };
    let callback = lookup(id).ok_or_else(|| {
        format!("equinox_host_callback: no host callback {id} (its executable was dropped)")
    })?;
    let mut args = Vec::with_capacity(frame.args.size as usize);
    for i in 0..frame.args.size as usize {
        // SAFETY: `size` typed arguments.
        let buffer = unsafe {
            if *frame.args.types.add(i) != XLA_BUFFER {
                return Err(format!("{}: argument {i} is not a buffer", callback.name));
            }
            &*(*frame.args.items.add(i)).cast::<XlaBuffer>()
        };
        // SAFETY: XLA's buffer, a dense host buffer of its shape and dtype.
        let (dtype, shape, data, len) = unsafe { buffer_parts(buffer)? };
        let bytes = if len == 0 {
            &[][..]
        } else {
            // SAFETY: as above.
            unsafe { std::slice::from_raw_parts(data, len) }
        };
        args.push(from_le_bytes(dtype, &shape, bytes));
    }
    let results: Vec<Array> = callback.call(&args)?;
    if results.len() != frame.rets.size as usize {
        return Err(format!(
            "{}: {} results for {} result buffers",
            callback.name,
            results.len(),
            frame.rets.size
        ));
    }
    for (i, r) in results.iter().enumerate() {
        // SAFETY: `size` typed results.
        let buffer = unsafe {
            if *frame.rets.types.add(i) != XLA_BUFFER {
                return Err(format!("{}: result {i} is not a buffer", callback.name));
            }
            &*(*frame.rets.items.add(i)).cast::<XlaBuffer>()
        };
        // SAFETY: XLA's result buffer.
        let (dtype, shape, data, len) = unsafe { buffer_parts(buffer)? };
        if dtype != r.dtype() || shape != r.shape() {
            return Err(format!(
                "{}: result {i} is {} but its buffer is {dtype}{shape:?}",
                callback.name,
                r.aval()
            ));
        }
        let bytes = to_le_bytes(r);
        debug_assert_eq!(bytes.len(), len);
        // SAFETY: the result buffer is ours to write during the call, `len` bytes long.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), data, len) };
    }
    Ok(())
}
