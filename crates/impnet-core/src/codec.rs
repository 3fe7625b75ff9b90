//! Share links: a scenario ⇄ URL fragment. (Placeholder; the codec lands in its own commits.)

use crate::scenario::Scenario;

/// Why a link could not be decoded. Shown to users as is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkError {
    pub reason: String,
}

impl std::fmt::Display for LinkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "share link: {}", self.reason)
    }
}

impl std::error::Error for LinkError {}

/// The fragment (without `#`) that carries `scenario`.
pub fn encode(_scenario: &Scenario) -> String {
    String::new()
}

/// Accepts a fragment with or without the leading `#`, or a whole URL.
pub fn decode(_fragment: &str) -> Result<Scenario, LinkError> {
    Err(LinkError { reason: "not implemented yet".into() })
}
