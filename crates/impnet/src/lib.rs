//! The parts of the `impnet` binary that tests and examples drive in-process: the live server
//! and the live device client. (The other subcommands stay private to the binary.)

pub mod device;
pub mod load;
pub mod serve;
pub mod text;
