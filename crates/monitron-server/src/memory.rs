//! Keeping resident memory close to what is in use, on glibc.
//!
//! glibc gives every thread that allocates its own arena and rarely hands freed pages
//! back. The engine allocates on every runtime and database thread (check futures,
//! result batches), so each arena keeps its high-water mark: with 10,000 monitors that
//! was most of the process's memory. Capping the arenas and trimming them now and then
//! returns it.

/// Caps the number of malloc arenas; call once, first thing in `main`.
pub fn limit_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets allocator parameters; called before other threads exist.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

/// Returns free memory at the top of every arena to the system.
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim is thread-safe and only releases memory malloc no longer uses.
    unsafe {
        libc::malloc_trim(0);
    }
}
