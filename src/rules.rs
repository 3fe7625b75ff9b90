//! Rule texts for the detail panel and the "About the model" section.
//!
//! The texts live in the core (`impnet_core::explain`, shared with `impnet explain`); this
//! module is the playground's one door to them, so views do not care where they come from.

/// The SPEC text of rule `id` (`"S2"`), if the core knows it.
pub fn rule_text(id: &str) -> Option<String> {
    core_rule_text(id)
}

/// The `[choice]` rules: (id, why we chose what we chose).
pub fn choices() -> Vec<(String, String)> {
    core_choices()
}

// Until `impnet_core::explain` is merged the core has no texts to give.
fn core_rule_text(_id: &str) -> Option<String> {
    None
}

fn core_choices() -> Vec<(String, String)> {
    Vec::new()
}
