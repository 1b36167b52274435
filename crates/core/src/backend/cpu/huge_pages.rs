//! Large buffers backed by transparent huge pages.
//!
//! A fresh allocation above glibc's largest mmap threshold (32 MiB) is a new mapping every
//! time, and its first touch takes one page fault per 4 KiB page: about 20 ms for 40 MB on a
//! virtual machine, several times the cost of computing into it. Linux's transparent huge pages
//! map such a buffer in 2 MiB pages instead (measured here: 20 ms to 4.4 ms for the first write
//! of 40 MB), but where the system setting is `madvise` (the usual default) only for memory that
//! asks for them. These helpers ask, for large buffers only; [`keep_freed_buffers`] keeps
//! freed buffers below that size in the allocator instead.

/// Buffers of at least this many bytes are advised to use huge pages: glibc serves smaller
/// ones from its heap, where freed memory is reused without new page faults.
pub const HUGE_PAGE_MIN_BYTES: usize = 32 << 20;

/// Asks the kernel to back the 2 MiB-aligned part of `v`'s allocated capacity with huge pages,
/// if the capacity is at least [`HUGE_PAGE_MIN_BYTES`]. Call it before the first write. Advice
/// only: nothing changes where the system does not offer huge pages.
pub(crate) fn advise<T>(v: &mut Vec<T>) {
    let bytes = v.capacity() * std::mem::size_of::<T>();
    if bytes < HUGE_PAGE_MIN_BYTES {
        return;
    }
    #[cfg(target_os = "linux")]
    {
        const HUGE: usize = 2 << 20;
        let start = v.as_mut_ptr() as usize;
        let (first, last) = (start.next_multiple_of(HUGE), (start + bytes) / HUGE * HUGE);
        if last > first {
            // SAFETY: [first, last) lies inside the vector's own allocation, which stays mapped
            // while `v` is borrowed; madvise changes no contents and no permissions, and its
            // result (it fails where huge pages are unavailable) is advice we may ignore.
            unsafe {
                libc::madvise(
                    first as *mut libc::c_void,
                    last - first,
                    libc::MADV_HUGEPAGE,
                );
            }
        }
    }
}

/// A vector of `n` zeros, on huge pages when it is large (see the module's documentation): for
/// buffers another library fills, such as an MPI receive buffer.
pub fn zeroed_vec<T: Copy + Default>(n: usize) -> Vec<T> {
    let mut v: Vec<T> = Vec::with_capacity(n);
    advise(&mut v);
    v.resize(n, T::default());
    v
}

/// Tells the C allocator (glibc) to keep freed buffers of up to 64 MiB for reuse instead of
/// returning them to the system: a training loop frees and reallocates the same large
/// temporaries every step, and memory returned and taken back costs a page fault (and a page
/// of zeroing) per 4 KiB. Measured here on the data-parallel MLP step: the gradient exchange
/// went from 5.7 to 0.9 ms. The price is a process that keeps its peak heap. A process-wide
/// setting: runtimes call it when they start (`equinox::distributed::mpi::initialize`); returns
/// whether the allocator took it (false where the C library is not glibc).
pub fn keep_freed_buffers() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        const KEEP: libc::c_int = 64 << 20;
        // SAFETY: mallopt only changes two allocator thresholds; it is safe to call at any
        // time from any thread.
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, KEEP) == 1
                && libc::mallopt(libc::M_TRIM_THRESHOLD, 2 * KEEP) == 1
        }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zeroed_vectors_are_zero_large_and_small() {
        assert_eq!(zeroed_vec::<f32>(5), vec![0.0; 5]);
        let big = zeroed_vec::<u64>(HUGE_PAGE_MIN_BYTES / 8 + 3);
        assert_eq!(big.len(), HUGE_PAGE_MIN_BYTES / 8 + 3);
        assert!(big.iter().all(|&x| x == 0));
    }
}
