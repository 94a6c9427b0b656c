//! Refusing the exact replay of a signed request inside the skew window.
//!
//! The signature's timestamp already stops replays after the window; inside it, the guard
//! remembers every accepted signature until its timestamp leaves the window. Memory is
//! bounded: beyond [`MAX_REMEMBERED`] live signatures new requests are refused (fail closed)
//! rather than forgetting one that could then be replayed.

use std::collections::HashMap;

/// Most signatures remembered at once (about 33 signed requests per second, sustained over
/// a five-minute window).
pub const MAX_REMEMBERED: usize = 10_000;

/// Why a signed request was refused as a replay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayError {
    /// The very same signed request was accepted before.
    #[error("this signed request was already used")]
    Replayed,
    /// Too many signed requests inside one window.
    #[error("too many signed requests within the window; retry later")]
    Full,
}

/// Signatures seen inside the window, with their timestamps.
#[derive(Debug)]
pub struct ReplayGuard {
    window_s: i64,
    seen: HashMap<[u8; 32], i64>,
    next_sweep: i64,
}

impl ReplayGuard {
    /// A guard for signatures valid `window_s` seconds either side of now.
    pub fn new(window_s: i64) -> Self {
        Self {
            window_s,
            seen: HashMap::new(),
            next_sweep: i64::MIN,
        }
    }

    /// Records a verified signature (its MAC bytes) with its timestamp; refuses one seen
    /// before.
    pub fn admit(&mut self, mac: [u8; 32], timestamp: i64, now: i64) -> Result<(), ReplayError> {
        if now >= self.next_sweep || self.seen.len() >= MAX_REMEMBERED {
            // A signature can be presented until its timestamp is `window_s` in the past.
            let window_s = self.window_s;
            self.seen.retain(|_, ts| *ts >= now - window_s);
            self.next_sweep = now + 10;
        }
        if self.seen.contains_key(&mac) {
            return Err(ReplayError::Replayed);
        }
        if self.seen.len() >= MAX_REMEMBERED {
            return Err(ReplayError::Full);
        }
        self.seen.insert(mac, timestamp);
        Ok(())
    }

    /// Signatures currently remembered.
    pub fn len(&self) -> usize {
        self.seen.len()
    }

    /// Whether none is remembered.
    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_is_admitted_once_and_forgotten_after_the_window() {
        let mut guard = ReplayGuard::new(300);
        let now = 1_000_000;
        guard.admit([1; 32], now, now).unwrap();
        assert_eq!(
            guard.admit([1; 32], now, now + 5),
            Err(ReplayError::Replayed)
        );
        guard.admit([2; 32], now, now + 5).unwrap();
        // Past the window the timestamp check refuses it anyway; memory is released.
        guard.admit([3; 32], now + 400, now + 400).unwrap();
        assert_eq!(guard.len(), 1);
    }

    #[test]
    fn memory_is_bounded_and_fails_closed() {
        let mut guard = ReplayGuard::new(300);
        let now = 5_000;
        for i in 0..MAX_REMEMBERED {
            let mut mac = [0u8; 32];
            mac[..8].copy_from_slice(&(i as u64).to_le_bytes());
            guard.admit(mac, now, now).unwrap();
        }
        assert_eq!(guard.admit([0xff; 32], now, now), Err(ReplayError::Full));
        assert_eq!(guard.len(), MAX_REMEMBERED);
        // Once the old ones leave the window there is room again.
        guard.admit([0xff; 32], now + 301, now + 301).unwrap();
        assert_eq!(guard.len(), 1);
    }
}
