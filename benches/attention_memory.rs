//! Peak memory of `nn::dot_product_attention` at T = S = 4096, d = 64 (one head, batch 1),
//! forward and backward, for JAX's formula (`Implementation::Xla`, which forms the (T, S)
//! logits) and the blockwise path (online softmax, blocks of 256 keys).
//!
//! Each implementation runs in its own process, so the peak resident set (`VmHWM`, Linux) is
//! its own: `cargo bench -p equinox --bench attention_memory` runs both and prints a table.

use equinox::nn::{self, AttentionOptions, Implementation};
use equinox::transforms::grad;
use equinox::{random, Array, DType};
use std::process::Command;

const T: usize = 4096;
const D: usize = 64;

/// This process's peak resident set, in MiB.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Runs forward + backward once with `implementation` and prints the peak RSS.
fn measure(implementation: Implementation) {
    let [kq, kk, kv] = random::split_into(random::key(0));
    let q = random::normal(kq, [T, 1, D], DType::F32);
    let k = random::normal(kk, [T, 1, D], DType::F32);
    let v = random::normal(kv, [T, 1, D], DType::F32);
    let before = peak_rss_mib().unwrap_or(f64::NAN);
    let loss = |q: &Array, k: &Array, v: &Array| {
        let options = AttentionOptions {
            is_causal: true,
            implementation,
            ..Default::default()
        };
        nn::dot_product_attention_with_options(q, k, v, options).sum(None)
    };
    let dq = grad(loss)(&q, &k, &v);
    let checksum = dq.sum(None).item::<f32>();
    let after = peak_rss_mib().unwrap_or(f64::NAN);
    println!("{before:.1} {after:.1} {checksum}");
}

fn main() {
    let arg = std::env::args().nth(1).unwrap_or_default();
    match arg.as_str() {
        "xla" => return measure(Implementation::Xla),
        "blockwise" => return measure(Implementation::Blockwise { block_size: 256 }),
        _ => {}
    }
    let exe = std::env::current_exe().expect("the bench binary");
    println!("dot_product_attention, T = S = {T}, d = {D}, causal, forward + backward (grad of q)");
    println!("| implementation | peak RSS before | peak RSS after | d(q) checksum |");
    println!("|---|---|---|---|");
    for name in ["xla", "blockwise"] {
        let out = Command::new(&exe)
            .arg(name)
            .output()
            .expect("run a measurement");
        let text = String::from_utf8_lossy(&out.stdout);
        let fields: Vec<&str> = text.split_whitespace().collect();
        match fields[..] {
            [before, after, checksum] => {
                println!("| {name} | {before} MiB | {after} MiB | {checksum} |")
            }
            _ => println!(
                "| {name} | failed: {} |",
                String::from_utf8_lossy(&out.stderr)
            ),
        }
    }
}
