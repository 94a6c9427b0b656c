//! Real things for tests to talk to, shared by the probe and server test suites:
//! certificates from a generated CA ([`pki`]) and a DNS server on a loopback port serving
//! a zone the test writes ([`dns`]), and a RabbitMQ broker of its own that a test may kill
//! and restart ([`rabbitmq`]). Test-only; never a dependency of a shipped crate.

pub mod dns;
pub mod pki;
pub mod rabbitmq;
