//! The playground's pure logic: no DOM, no clock, testable natively (`cargo test -p
//! impnet-playground`). Components only render what these functions compute.

pub mod buckets;
pub mod code;
pub mod csv;
pub mod edit;
pub mod format;
pub mod log;
pub mod messages;
pub mod nav;
pub mod source;
pub mod view;

#[cfg(test)]
pub(crate) mod fixtures;
