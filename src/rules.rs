//! Rule texts for the detail panel and the "About the model" section. They live in the core
//! (`impnet_core::rules::Rule` and `impnet_core::explain`, shared with `impnet explain`); this
//! is the playground's one door to them.

pub use impnet_core::rules::Rule;

/// The `[choice]` rules: (rule, what we chose and why).
pub fn choices() -> &'static [(Rule, &'static str)] {
    impnet_core::explain::choices()
}

/// The first choice the model makes under `rule`, if any.
pub fn choice_of(rule: Rule) -> Option<&'static str> {
    impnet_core::explain::choices_of(rule).next()
}
