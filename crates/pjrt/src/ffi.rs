//! The part of the PJRT C API (`pjrt_c_api.h`, API 0.x) this crate calls, declared from the
//! header. Every argument struct starts with its own size, so a plugin built against a newer
//! minor version reads only the fields we know; the function table is declared in header order
//! up to the last entry we call, and [`Api::struct_size`] is checked against that before use.

use std::ffi::{c_char, c_int, c_void};

/// The header's major version: plugins with another major version have another ABI.
pub const API_MAJOR: i32 = 0;
/// The oldest minor version whose function table holds every entry declared here.
pub const API_MINOR_MIN: i32 = 40;

/// `PJRT_Extension_Base`: the head of a chain of optional extension structs.
#[repr(C)]
pub struct ExtensionBase {
    pub struct_size: usize,
    pub ty: c_int,
    pub next: *mut ExtensionBase,
}

/// Opaque plugin objects.
macro_rules! opaque {
    ($($name:ident),*) => {$(
        #[repr(C)]
        pub struct $name {
            _private: [u8; 0],
        }
    )*};
}
opaque!(
    Error,
    Event,
    Client,
    Device,
    DeviceDescription,
    Memory,
    Executable,
    LoadedExecutable,
    Buffer
);

/// `PJRT_Api_Version`.
#[repr(C)]
pub struct ApiVersion {
    pub struct_size: usize,
    pub extension_start: *mut ExtensionBase,
    pub major_version: c_int,
    pub minor_version: c_int,
}

/// Declares an argument struct with `struct_size` and `extension_start` first, plus a
/// `new()` that fills those two and zeroes the rest (null pointers, zero sizes).
macro_rules! args {
    ($name:ident { $($field:ident : $ty:ty),* $(,)? }) => {
        #[repr(C)]
        pub struct $name {
            pub struct_size: usize,
            pub extension_start: *mut ExtensionBase,
            $(pub $field: $ty,)*
        }
        impl $name {
            /// Zeroed arguments with the struct's size filled in.
            pub fn new() -> $name {
                // SAFETY: every field is an integer, a raw pointer, an optional function
                // pointer or a plain C enum whose zero value is valid.
                let mut a: $name = unsafe { std::mem::zeroed() };
                a.struct_size = std::mem::size_of::<$name>();
                a
            }
        }
    };
}

args!(ErrorDestroyArgs { error: *mut Error });
args!(ErrorMessageArgs { error: *const Error, message: *const c_char, message_size: usize });
args!(ErrorGetCodeArgs { error: *const Error, code: c_int });

/// `PJRT_NamedValue` (a key-value pair, e.g. a plugin attribute).
#[repr(C)]
pub struct NamedValue {
    pub struct_size: usize,
    pub extension_start: *mut ExtensionBase,
    pub name: *const c_char,
    pub name_size: usize,
    pub ty: c_int,
    /// A union of `const char*`, `int64_t`, `const int64_t*`, `float` and `bool`.
    pub value: u64,
    pub value_size: usize,
}

/// `PJRT_NamedValue_Type` values.
pub const NAMED_VALUE_STRING: c_int = 0;
pub const NAMED_VALUE_INT64: c_int = 1;
pub const NAMED_VALUE_INT64_LIST: c_int = 2;

args!(PluginInitializeArgs {});
args!(PluginAttributesArgs { attributes: *const NamedValue, num_attributes: usize });
args!(EventDestroyArgs { event: *mut Event });
args!(EventAwaitArgs { event: *mut Event });
args!(ClientCreateArgs {
    create_options: *const NamedValue,
    num_options: usize,
    kv_get_callback: *const c_void,
    kv_get_user_arg: *mut c_void,
    kv_put_callback: *const c_void,
    kv_put_user_arg: *mut c_void,
    client: *mut Client,
    kv_try_get_callback: *const c_void,
    kv_try_get_user_arg: *mut c_void,
});
args!(ClientDestroyArgs { client: *mut Client });
args!(ClientPlatformNameArgs {
    client: *mut Client,
    platform_name: *const c_char,
    platform_name_size: usize,
});
args!(ClientAddressableDevicesArgs {
    client: *mut Client,
    addressable_devices: *const *mut Device,
    num_addressable_devices: usize,
});

/// `PJRT_Program`: code and its format (`"mlir"`: MLIR bytecode or text).
#[repr(C)]
pub struct Program {
    pub struct_size: usize,
    pub extension_start: *mut ExtensionBase,
    pub code: *mut c_char,
    pub code_size: usize,
    pub format: *const c_char,
    pub format_size: usize,
}

args!(ClientCompileArgs {
    client: *mut Client,
    program: *const Program,
    compile_options: *const c_char,
    compile_options_size: usize,
    executable: *mut LoadedExecutable,
});
args!(ClientBufferFromHostBufferArgs {
    client: *mut Client,
    data: *const c_void,
    ty: c_int,
    dims: *const i64,
    num_dims: usize,
    byte_strides: *const i64,
    num_byte_strides: usize,
    host_buffer_semantics: c_int,
    device: *mut Device,
    memory: *mut Memory,
    device_layout: *mut c_void,
    done_with_host_buffer: *mut Event,
    buffer: *mut Buffer,
});
/// `PJRT_HostBufferSemantics_kImmutableOnlyDuringCall`: the plugin copies the host data
/// before `BufferFromHostBuffer` returns.
pub const HOST_BUFFER_IMMUTABLE_ONLY_DURING_CALL: c_int = 0;

args!(DeviceGetDescriptionArgs { device: *mut Device, device_description: *mut DeviceDescription });
args!(DeviceDescriptionIdArgs { device_description: *mut DeviceDescription, id: c_int });
args!(DeviceDescriptionKindArgs {
    device_description: *mut DeviceDescription,
    device_kind: *const c_char,
    device_kind_size: usize,
});
args!(ExecutableDestroyArgs { executable: *mut Executable });
args!(ExecutableNumOutputsArgs { executable: *mut Executable, num_outputs: usize });
args!(LoadedExecutableDestroyArgs { executable: *mut LoadedExecutable });
args!(LoadedExecutableGetExecutableArgs {
    loaded_executable: *mut LoadedExecutable,
    executable: *mut Executable,
});

/// `PJRT_ExecuteOptions`, all zero: no send/receive callbacks, every input donatable only
/// where the program says so.
#[repr(C)]
pub struct ExecuteOptions {
    pub struct_size: usize,
    pub extension_start: *mut ExtensionBase,
    pub send_callbacks: *mut c_void,
    pub recv_callbacks: *mut c_void,
    pub num_send_ops: usize,
    pub num_recv_ops: usize,
    pub launch_id: c_int,
    pub non_donatable_input_indices: *const i64,
    pub num_non_donatable_input_indices: usize,
    pub context: *mut c_void,
    pub call_location: *const c_char,
    pub num_tasks: usize,
    pub task_ids: *mut c_int,
    pub incarnation_ids: *mut i64,
}

impl ExecuteOptions {
    /// Zeroed options with the struct's size filled in.
    pub fn new() -> ExecuteOptions {
        // SAFETY: integers and null pointers.
        let mut o: ExecuteOptions = unsafe { std::mem::zeroed() };
        o.struct_size = std::mem::size_of::<ExecuteOptions>();
        o
    }
}

args!(LoadedExecutableExecuteArgs {
    executable: *mut LoadedExecutable,
    options: *mut ExecuteOptions,
    argument_lists: *const *const *mut Buffer,
    num_devices: usize,
    num_args: usize,
    output_lists: *const *mut *mut Buffer,
    device_complete_events: *mut *mut Event,
    execute_device: *mut Device,
});
args!(BufferDestroyArgs { buffer: *mut Buffer });
args!(BufferToHostBufferArgs {
    src: *mut Buffer,
    host_layout: *mut c_void,
    dst: *mut c_void,
    dst_size: usize,
    event: *mut Event,
});

/// A table entry returning a `PJRT_Error*` (null on success).
pub type Call<A> = Option<unsafe extern "C" fn(*mut A) -> *mut Error>;
/// A table entry returning nothing.
pub type CallVoid<A> = Option<unsafe extern "C" fn(*mut A)>;
/// A table entry this crate does not call (kept for the table's layout).
pub type Unused = Option<unsafe extern "C" fn()>;

/// `PJRT_Api`, in header order up to `PJRT_Buffer_ToHostBuffer`.
#[repr(C)]
pub struct Api {
    pub struct_size: usize,
    pub extension_start: *mut ExtensionBase,
    pub pjrt_api_version: ApiVersion,

    pub error_destroy: CallVoid<ErrorDestroyArgs>,
    pub error_message: CallVoid<ErrorMessageArgs>,
    pub error_get_code: Call<ErrorGetCodeArgs>,

    pub plugin_initialize: Call<PluginInitializeArgs>,
    pub plugin_attributes: Call<PluginAttributesArgs>,

    pub event_destroy: Call<EventDestroyArgs>,
    pub event_is_ready: Unused,
    pub event_error: Unused,
    pub event_await: Call<EventAwaitArgs>,
    pub event_on_ready: Unused,

    pub client_create: Call<ClientCreateArgs>,
    pub client_destroy: Call<ClientDestroyArgs>,
    pub client_platform_name: Call<ClientPlatformNameArgs>,
    pub client_process_index: Unused,
    pub client_platform_version: Unused,
    pub client_devices: Unused,
    pub client_addressable_devices: Call<ClientAddressableDevicesArgs>,
    pub client_lookup_device: Unused,
    pub client_lookup_addressable_device: Unused,
    pub client_addressable_memories: Unused,
    pub client_compile: Call<ClientCompileArgs>,
    pub client_default_device_assignment: Unused,
    pub client_buffer_from_host_buffer: Call<ClientBufferFromHostBufferArgs>,

    pub device_description_id: Call<DeviceDescriptionIdArgs>,
    pub device_description_process_index: Unused,
    pub device_description_attributes: Unused,
    pub device_description_kind: Call<DeviceDescriptionKindArgs>,
    pub device_description_debug_string: Unused,
    pub device_description_to_string: Unused,

    pub device_get_description: Call<DeviceGetDescriptionArgs>,
    pub device_is_addressable: Unused,
    pub device_local_hardware_id: Unused,
    pub device_addressable_memories: Unused,
    pub device_default_memory: Unused,
    pub device_memory_stats: Unused,

    pub memory_id: Unused,
    pub memory_kind: Unused,
    pub memory_debug_string: Unused,
    pub memory_to_string: Unused,
    pub memory_addressable_by_devices: Unused,

    pub executable_destroy: Call<ExecutableDestroyArgs>,
    pub executable_name: Unused,
    pub executable_num_replicas: Unused,
    pub executable_num_partitions: Unused,
    pub executable_num_outputs: Call<ExecutableNumOutputsArgs>,
    pub executable_size_of_generated_code_in_bytes: Unused,
    pub executable_get_cost_analysis: Unused,
    pub executable_output_memory_kinds: Unused,
    pub executable_optimized_program: Unused,
    pub executable_serialize: Unused,

    pub loaded_executable_destroy: Call<LoadedExecutableDestroyArgs>,
    pub loaded_executable_get_executable: Call<LoadedExecutableGetExecutableArgs>,
    pub loaded_executable_addressable_devices: Unused,
    pub loaded_executable_delete: Unused,
    pub loaded_executable_is_deleted: Unused,
    pub loaded_executable_execute: Call<LoadedExecutableExecuteArgs>,
    pub executable_deserialize_and_load: Unused,
    pub loaded_executable_fingerprint: Unused,

    pub buffer_destroy: Call<BufferDestroyArgs>,
    pub buffer_element_type: Unused,
    pub buffer_dimensions: Unused,
    pub buffer_unpadded_dimensions: Unused,
    pub buffer_dynamic_dimension_indices: Unused,
    pub buffer_get_memory_layout: Unused,
    pub buffer_on_device_size_in_bytes: Unused,
    pub buffer_device: Unused,
    pub buffer_memory: Unused,
    pub buffer_delete: Unused,
    pub buffer_is_deleted: Unused,
    pub buffer_copy_to_device: Unused,
    pub buffer_to_host_buffer: Call<BufferToHostBufferArgs>,
}

/// The signature of the plugin's one exported symbol.
pub type GetPjrtApi = unsafe extern "C" fn() -> *const Api;
