//! Checkpoints survive `kill -9` mid-save: a child process saves a model over and over and is
//! killed at a random moment; the file on disk must always load as one whole save (never a
//! mix or a truncation), and the next save must sweep the temporary file the killed writer
//! left behind.
//!
//! The child is this test binary run again with `EQX_KILL_CHILD_DIR` set, which turns the same
//! test into the writer loop. `EQX_KILL_TRIALS` sets the number of kills (default 20 in CI;
//! the reliability figures in the README use 200).

use equinox as eqx;
use eqx::{numpy as jnp, Array};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

const TEST_NAME: &str = "kill_during_save_never_corrupts_and_the_next_save_sweeps";

/// A model whose every element is `value`: 4 leaves, 4 MiB in all, so a save takes long
/// enough to be killed part way.
fn model(value: f32) -> Vec<Array> {
    (0..4).map(|_| jnp::full([512, 512], value)).collect()
}

/// The writer loop of the child process, counting up from `start`: never returns; killed by
/// the parent.
fn child(dir: &Path, start: f32) -> ! {
    let path = dir.join("ckpt.eqx");
    let mut i = start;
    loop {
        eqx::tree_serialise_leaves(&path, &model(i)).expect("the child's save");
        i += 1.0;
    }
}

fn temporaries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect()
}

/// The value a whole save wrote, or a panic naming what is wrong with the file.
fn saved_value(path: &Path) -> f32 {
    let loaded = eqx::tree_deserialise_leaves(path, &model(0.0))
        .unwrap_or_else(|e| panic!("the checkpoint does not load: {e}"));
    let first = loaded[0].to_vec::<f32>()[0];
    for (i, leaf) in loaded.iter().enumerate() {
        assert!(
            leaf.to_vec::<f32>().iter().all(|&v| v == first),
            "leaf {i} mixes two saves"
        );
    }
    first
}

#[cfg(unix)]
#[test]
fn kill_during_save_never_corrupts_and_the_next_save_sweeps() {
    if let Some(dir) = std::env::var_os("EQX_KILL_CHILD_DIR") {
        let start = std::env::var("EQX_KILL_START").unwrap().parse().unwrap();
        child(Path::new(&dir), start);
    }
    let trials: usize = std::env::var("EQX_KILL_TRIALS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let dir = std::env::temp_dir().join(format!("eqx-kill-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("ckpt.eqx");
    eqx::tree_serialise_leaves(&path, &model(0.0)).unwrap();

    let exe = std::env::current_exe().unwrap();
    let (mut left_behind, mut last) = (0, 0.0);
    // A fixed sequence of kill delays (no clock-seeded randomness: a failure must replay).
    let mut delay_state = 0x9e37_79b9u32;
    for trial in 0..trials {
        let mut child = Command::new(&exe)
            .args([TEST_NAME, "--exact", "--nocapture", "--test-threads=1"])
            .env("EQX_KILL_CHILD_DIR", &dir)
            .env("EQX_KILL_START", (last + 1.0).to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        delay_state ^= delay_state << 13;
        delay_state ^= delay_state >> 17;
        delay_state ^= delay_state << 5;
        std::thread::sleep(Duration::from_millis(20 + u64::from(delay_state % 80)));
        child.kill().unwrap(); // SIGKILL: no destructor, no clean-up runs
        child.wait().unwrap();
        let value = saved_value(&path);
        assert!(
            value >= last,
            "trial {trial}: went back from save {last} to {value}"
        );
        last = value;
        left_behind += temporaries(&dir).len();
    }
    // Most kills land inside a save, leaving its temporary file behind.
    assert!(
        left_behind > 0,
        "no kill landed mid-save; the test proves nothing"
    );
    println!("{trials} kills; {left_behind} left a temporary file behind; saves reached {last}");
    eqx::tree_serialise_leaves(&path, &model(-1.0)).unwrap();
    assert_eq!(temporaries(&dir), Vec::<String>::new());
    assert_eq!(saved_value(&path), -1.0);
    std::fs::remove_dir_all(&dir).unwrap();
}
