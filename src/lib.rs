//! The impnet playground: a Yew app over `impnet-core`'s trace.

pub mod app;
pub mod live;
pub use app::App;
