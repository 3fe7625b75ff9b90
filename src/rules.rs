//! Rule texts for the detail panel and the "About the model" section. They live in the core
//! (`impnet_core::explain`, shared with `impnet explain`); this is the playground's one door
//! to them.

/// The SPEC text of rule `id` (`"S2"`), if the model has one.
pub fn rule_text(id: &str) -> Option<&'static str> {
    impnet_core::explain::rule_text(id)
}

/// The `[choice]` rules: (id, what we chose and why).
pub fn choices() -> &'static [(&'static str, &'static str)] {
    impnet_core::explain::choices()
}
