//! The parts of the `impnet` binary that tests and examples drive in-process: the live server,
//! the live device client, and what several subcommands share (the scenario loader). The other
//! subcommands stay private to the binary.

pub mod code;
pub mod device;
pub mod input;
pub mod load;
pub mod serve;
pub mod text;
pub mod timeline;
