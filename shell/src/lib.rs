//! The `switchboard` shell as a library: the production server
//! ([`server`]) and a small HTTP client ([`client`]) for end-to-end tests
//! and the load tool.

pub mod client;
pub mod server;
