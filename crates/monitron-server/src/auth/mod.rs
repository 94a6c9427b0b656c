//! Authentication (who is calling) and authorization (what they may do).
//!
//! Credentials accepted on the API: Bearer access tokens (JWT, tied to a revocable session),
//! `X-API-Key` keys, and Basic auth when an administrator enabled it. Whatever the
//! credential, handlers receive one [`Principal`] and ask it.

pub mod basic_cache;
pub mod password;
pub mod principal;
pub mod role;
pub mod tokens;

pub use principal::{Credential, Principal};
pub use role::{GroupScope, Role};
