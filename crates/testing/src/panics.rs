//! What a panic said: for tests that check a misuse's message, and for tests that run many
//! golden cases, catch each one's failure and report them all together.

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// The message of a panic payload: `panic!` with a format string leaves a `String`, with a
/// plain literal a `&str`; any other payload has none.
pub fn payload_text(payload: &(dyn Any + Send)) -> Option<String> {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
}

/// The message `f` panics with.
///
/// # Panics
/// If `f` returns, or panics with a payload that is not a message.
pub fn panic_message(f: impl FnOnce()) -> String {
    let payload = catch_unwind(AssertUnwindSafe(f)).expect_err("it panics");
    payload_text(&*payload).expect("a panic message")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatted_and_literal_messages_are_read() {
        assert_eq!(panic_message(|| panic!("n = {}", 3)), "n = 3");
        assert_eq!(panic_message(|| panic!("plain")), "plain");
        assert_eq!(payload_text(&5u8), None);
    }

    #[test]
    #[should_panic(expected = "it panics")]
    fn a_function_that_returns_fails() {
        panic_message(|| {});
    }
}
