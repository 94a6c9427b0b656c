//! Keeping resident memory small on glibc.
//!
//! glibc gives each thread that allocates its own malloc arena and keeps each arena's
//! high-water mark. The agent's work happens on the runtime thread and one or two blocking
//! threads, so a single arena costs nothing in contention and keeps the footprint within the
//! agent's 10 MB budget.

/// Caps malloc at one arena; call first thing in `main`, before any thread exists.
pub fn limit_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets allocator parameters; called before other threads exist.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}
