//! Password hashing (Argon2id) and the password policy.
//!
//! Hashing is deliberately slow, so it runs on threads of its own: never on the async
//! workers, and not on the runtime's shared blocking pool either, where any other blocking
//! work (a burst of slow name lookups, say) could make sign-ins wait behind it.

use std::sync::mpsc::{sync_channel, SyncSender, TrySendError};
use std::sync::{LazyLock, Mutex};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::rngs::OsRng;

/// Shortest accepted password.
pub const MIN_LEN: usize = 10;
/// Longest accepted password (bounds hashing work per request).
pub const MAX_LEN: usize = 256;

/// Passwords too common to accept, whatever their length.
const COMMON: &[&str] = &[
    "password",
    "password1",
    "password12",
    "password123",
    "password1234",
    "passw0rd",
    "p@ssw0rd",
    "p@ssword123",
    "1234567890",
    "12345678910",
    "123456789",
    "0987654321",
    "1111111111",
    "0000000000",
    "qwertyuiop",
    "qwerty1234",
    "qwerty12345",
    "qwerty123456",
    "1q2w3e4r5t",
    "1qaz2wsx3edc",
    "asdfghjkl1",
    "zxcvbnm123",
    "iloveyou12",
    "iloveyou123",
    "letmein123",
    "welcome123",
    "welcome1234",
    "admin12345",
    "administrator",
    "changeme123",
    "changeme12",
    "football123",
    "baseball123",
    "monkey12345",
    "dragon12345",
    "sunshine123",
    "princess123",
    "trustno1234",
    "superman123",
    "starwars123",
    "whatever123",
    "abcdef1234",
    "abcd123456",
    "abc1234567",
    "aaaaaaaaaa",
    "monitron123",
    "monitron1234",
    "monitoring",
    "monitoring1",
    "secret1234",
    "secret12345",
    "default123",
    "computer123",
    "internet123",
];

/// Checks the policy; returns the reason on failure.
pub fn check_policy(password: &str, username: &str, email: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < MIN_LEN {
        return Err(format!("must be at least {MIN_LEN} characters"));
    }
    if chars > MAX_LEN {
        return Err(format!("must be at most {MAX_LEN} characters"));
    }
    let lower = password.to_lowercase();
    if lower == username.to_lowercase() || lower == email.to_lowercase() {
        return Err("must not be the same as the username or e-mail".into());
    }
    if COMMON.contains(&lower.as_str()) {
        return Err("is too common; choose a less guessable password".into());
    }
    Ok(())
}

fn hash_now(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("Failed to hash password: {e}"))
}

fn verify_now(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash of nothing in particular, verified against when a login names no user, so that
/// unknown and known accounts take the same time to refuse.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_now("monitron-dummy-password").expect("hashing works"));

type Job = Box<dyn FnOnce() + Send>;

/// Argon2 computations waiting for a hashing thread; beyond this, callers are told the
/// server is busy instead of queueing without bound.
const MAX_WAITING: usize = 1024;

/// The hashing threads: one per core. Each computation takes ~19 MiB and a core for tens
/// of milliseconds, so a burst of sign-ins (or guesses) queues here rather than exhausting
/// memory. A process-wide resource, like the cores it uses.
static POOL: LazyLock<SyncSender<Job>> = LazyLock::new(|| {
    let (jobs, waiting) = sync_channel::<Job>(MAX_WAITING);
    let waiting = std::sync::Arc::new(Mutex::new(waiting));
    let threads = std::thread::available_parallelism().map_or(2, usize::from);
    for i in 0..threads {
        let waiting = waiting.clone();
        std::thread::Builder::new()
            .name(format!("password-hash-{i}"))
            .spawn(move || loop {
                let job = waiting.lock().unwrap_or_else(|e| e.into_inner()).recv();
                match job {
                    Ok(job) => job(),
                    Err(_) => return,
                }
            })
            .expect("a password hashing thread starts");
    }
    jobs
});

/// Runs `work` on a hashing thread and waits for its result.
async fn on_hashing_thread<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> anyhow::Result<T> {
    let (done, result) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        let _ = done.send(work());
    });
    match POOL.try_send(job) {
        Ok(()) => Ok(result.await?),
        Err(TrySendError::Full(_)) => anyhow::bail!("too many password checks are waiting"),
        Err(TrySendError::Disconnected(_)) => anyhow::bail!("the password hashing threads stopped"),
    }
}

/// Hashes a password with Argon2id and a random salt.
pub async fn hash(password: String) -> anyhow::Result<String> {
    on_hashing_thread(move || hash_now(&password)).await?
}

/// Verifies a password against a stored hash; `None` verifies against a dummy hash and
/// returns false, taking the same time.
pub async fn verify(password: String, hash: Option<String>) -> bool {
    on_hashing_thread(move || match hash {
        Some(h) => verify_now(&password, &h),
        None => {
            verify_now(&password, &DUMMY_HASH);
            false
        }
    })
    .await
    .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_table() {
        let cases = [
            ("short", false),
            ("exactly10!", true),
            ("alice-the-admin", false),   // same as username
            ("ALICE@EXAMPLE.COM", false), // same as e-mail, any case
            ("Password123", false),       // common, any case
            ("1234567890", false),
            ("correct horse battery staple", true),
            ("ünïcødé-pässwörd", true),
        ];
        for (pw, ok) in cases {
            assert_eq!(
                check_policy(pw, "alice-the-admin", "alice@example.com").is_ok(),
                ok,
                "{pw}"
            );
        }
        assert!(check_policy(&"x".repeat(MAX_LEN + 1), "u", "e").is_err());
    }

    #[tokio::test]
    async fn hashes_are_argon2id_salted_and_verify() {
        let a = hash("correct horse battery".into()).await.unwrap();
        let b = hash("correct horse battery".into()).await.unwrap();
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b, "salted");
        assert!(verify("correct horse battery".into(), Some(a.clone())).await);
        assert!(!verify("wrong horse battery".into(), Some(a)).await);
        assert!(!verify("anything".into(), None).await);
        assert!(!verify("anything".into(), Some("not a hash".into())).await);
    }

    /// Regression: password hashing ran on the runtime's shared blocking pool, so blocking
    /// work elsewhere (slow checks) could make every sign-in wait.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_full_blocking_pool_does_not_delay_hashing() {
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        let stopped = std::sync::Arc::new(Mutex::new(stopped));
        // Tokio's default blocking pool has 512 threads: occupy all of them and more.
        for _ in 0..600 {
            let stopped = stopped.clone();
            tokio::task::spawn_blocking(move || {
                let _ = stopped
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .recv_timeout(std::time::Duration::from_secs(30));
            });
        }
        let started = std::time::Instant::now();
        let hashed = hash("correct horse battery".into()).await.unwrap();
        assert!(verify("correct horse battery".into(), Some(hashed)).await);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(2),
            "hashing waited {:?} behind blocking work",
            started.elapsed()
        );
        drop(stop);
    }
}
