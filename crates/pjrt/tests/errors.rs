//! Loading errors, which need no plugin: each names the file and what is wrong.

use equinox_pjrt::{Client, PjrtError, Plugin, PLUGIN_ENV};

#[test]
fn a_missing_plugin_file_names_the_path() {
    let err = Plugin::load("/nonexistent/dir/pjrt_plugin.so").unwrap_err();
    assert!(matches!(err, PjrtError::Load { .. }));
    let msg = err.to_string();
    assert!(msg.contains("/nonexistent/dir/pjrt_plugin.so"), "{msg}");
}

#[test]
fn a_library_that_is_not_a_plugin_says_so() {
    // The C library: a shared library on every Linux machine, without `GetPjrtApi`.
    let libc = [
        "/lib/x86_64-linux-gnu/libc.so.6",
        "/usr/lib/x86_64-linux-gnu/libc.so.6",
        "/lib64/libc.so.6",
        "/usr/lib64/libc.so.6",
        "/lib/aarch64-linux-gnu/libc.so.6",
    ]
    .into_iter()
    .find(|p| std::path::Path::new(p).exists())
    .expect("a C library to load");
    let err = Plugin::load(libc).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("not a PJRT plugin") && msg.contains("libc.so.6"),
        "{msg}"
    );
}

#[test]
fn no_configured_plugin_is_a_clear_error() {
    // SAFETY: no other test in this binary reads or writes the environment, so no thread
    // reads it while it changes.
    unsafe { std::env::remove_var(PLUGIN_ENV) };
    let err = Client::from_env().unwrap_err();
    assert!(matches!(err, PjrtError::NoPlugin));
    assert!(err.to_string().contains(PLUGIN_ENV));
}
