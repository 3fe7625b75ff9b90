pub fn choices() -> &'static [(&'static str, &'static str)] { &[] }
pub fn rule_text(_rule: &str) -> Option<&'static str> { None }
