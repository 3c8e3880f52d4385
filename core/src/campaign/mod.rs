//! Outbound preview campaigns: contact lists and (later) the dialer.

pub mod contacts;
