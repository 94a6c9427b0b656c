//! Remembers recently verified Basic credentials for a minute, so that scripts using Basic
//! auth cost one Argon2 verification per minute instead of one per request, and so that
//! only unverified attempts count against the sign-in rate limits.
//!
//! Entries are keyed by a SHA-256 of the header value (never the password itself) and are
//! void as soon as the user's password changes.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::auth::tokens::hash_token;
use crate::db::entities::user;

const TTL: Duration = Duration::from_secs(60);
const MAX_ENTRIES: usize = 10_000;

struct Entry {
    user_id: Uuid,
    password_changed_at: DateTime<Utc>,
    verified_at: Instant,
}

/// Recently verified Basic credentials.
#[derive(Default)]
pub struct BasicCache {
    entries: Mutex<HashMap<String, Entry>>,
}

impl BasicCache {
    /// The user a header value was verified for, if that happened less than a minute ago.
    pub fn get(&self, header: &str) -> Option<Uuid> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(&hash_token(header))
            .filter(|e| e.verified_at.elapsed() < TTL)
            .map(|e| e.user_id)
    }

    /// True while the user's password is the one that was verified.
    pub fn still_valid(&self, header: &str, user: &user::Model) -> bool {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.get(&hash_token(header)).is_some_and(|e| {
            e.user_id == user.id && e.password_changed_at == user.password_changed_at
        })
    }

    /// Records a successful verification.
    pub fn remember(&self, header: &str, user: &user::Model) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_ENTRIES {
            entries.retain(|_, e| e.verified_at.elapsed() < TTL);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(
            hash_token(header),
            Entry {
                user_id: user.id,
                password_changed_at: user.password_changed_at,
                verified_at: Instant::now(),
            },
        );
    }

    /// Drops an entry.
    pub fn forget(&self, header: &str) {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&hash_token(header));
    }
}
