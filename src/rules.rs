//! Rule texts for the detail panel and the "About the model" section. They live in the core
//! (`impnet_core::rules::Rule` and `impnet_core::explain`, shared with `impnet explain`); this
//! is the playground's one door to them.
//!
//! The bundle is built without impnet-core's `rule-texts` feature (issue 10 item 6): the texts
//! come from `rules.json` beside the page (trunk copies `www/rules.json`, which a core test
//! keeps equal to the compiled-in texts), fetched once at startup alongside a preset. Until
//! they arrive the views show a rule's ID alone; if the fetch fails they say so. Tests build
//! with the texts compiled in, so there nothing is fetched.

pub use impnet_core::rules::Rule;
use std::cell::RefCell;
use std::rc::Rc;

/// The rule texts as the views have them (`State::texts`). `Eq` (with `Texts`'s) lets the `Rc`s
/// compare by pointer first, so a view's props check does not walk every text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RuleTexts {
    /// `rules.json` is on its way.
    Loading,
    /// The fetch failed: why, for the reader.
    Failed(Rc<str>),
    Here(Rc<Texts>),
}

/// Are the texts compiled in (test builds)? Then nothing is fetched.
pub const COMPILED_IN: bool = impnet_core::explain::TEXTS;

impl RuleTexts {
    /// What the page starts with: the compiled-in texts, else `Loading`.
    pub fn at_start() -> RuleTexts {
        if COMPILED_IN {
            let rules = Rule::ALL.iter().map(|r| r.text().to_string()).collect();
            let choices = impnet_core::explain::choices().iter().map(|&(r, t)| (r, t.to_string())).collect();
            RuleTexts::Here(Rc::new(Texts { rules, choices }))
        } else {
            RuleTexts::Loading
        }
    }
}

/// Every rule's text and every `[choice]`.
#[derive(Debug, PartialEq, Eq)]
pub struct Texts {
    /// Indexed like `Rule::ALL` (declaration order).
    rules: Vec<String>,
    choices: Vec<(Rule, String)>,
}

impl Texts {
    /// Reads `rules.json` (`impnet_core::explain::texts_json`'s layout). Every rule must have
    /// a text; the error names what is wrong.
    pub fn parse(json: &str) -> Result<Texts, String> {
        use serde_json::Value;
        let v: Value = serde_json::from_str(json).map_err(|e| format!("rules.json is not JSON: {e}"))?;
        let by_id = v.get("rules").and_then(Value::as_object).ok_or("rules.json has no \"rules\" object")?;
        let rules = Rule::ALL
            .iter()
            .map(|r| by_id.get(r.id()).and_then(Value::as_str).map(str::to_string).ok_or_else(|| format!("rules.json has no text for {r}")))
            .collect::<Result<_, _>>()?;
        let list = v.get("choices").and_then(Value::as_array).ok_or("rules.json has no \"choices\" list")?;
        let choices = list
            .iter()
            .enumerate()
            .map(|(i, c)| match (c.get(0).and_then(Value::as_str).and_then(Rule::from_id), c.get(1).and_then(Value::as_str)) {
                (Some(rule), Some(text)) => Ok((rule, text.to_string())),
                _ => Err(format!("rules.json: choices[{i}] is not [rule ID, text]")),
            })
            .collect::<Result<_, _>>()?;
        Ok(Texts { rules, choices })
    }

    /// One line saying what `rule` decides.
    pub fn text(&self, rule: Rule) -> &str {
        &self.rules[rule as usize]
    }

    /// The `[choice]` rules: (rule, what we chose and why).
    pub fn choices(&self) -> &[(Rule, String)] {
        &self.choices
    }

    /// The first choice the model makes under `rule`, if any.
    pub fn choice_of(&self, rule: Rule) -> Option<&str> {
        self.choices.iter().find(|(r, _)| *r == rule).map(|(_, t)| t.as_str())
    }
}

/// Where the one fetch of `rules.json` stands.
enum Fetch {
    NotStarted,
    /// Under way; these get the texts when it ends.
    Waiting(Vec<Box<dyn FnOnce(RuleTexts)>>),
    Done(RuleTexts),
}

thread_local! {
    static FETCH: RefCell<Fetch> = const { RefCell::new(Fetch::NotStarted) };
}

/// Gives `then` the fetched texts (`Here` or `Failed`), at once if they are here already.
/// The first call starts the fetch; later ones wait for the same one.
pub fn fetch(then: impl FnOnce(RuleTexts) + 'static) {
    let start = FETCH.with(|f| {
        let mut f = f.borrow_mut();
        match &mut *f {
            Fetch::Done(texts) => {
                let texts = texts.clone();
                drop(f);
                then(texts);
                false
            }
            Fetch::Waiting(list) => {
                list.push(Box::new(then));
                false
            }
            Fetch::NotStarted => {
                *f = Fetch::Waiting(vec![Box::new(then)]);
                true
            }
        }
    });
    if start {
        wasm_bindgen_futures::spawn_local(async {
            let texts = match crate::fetch::get("rules.json").await {
                None => RuleTexts::Failed("rules.json did not load".into()),
                Some(json) => Texts::parse(&json).map_or_else(|e| RuleTexts::Failed(e.into()), |t| RuleTexts::Here(Rc::new(t))),
            };
            let waiting = FETCH.with(|f| std::mem::replace(&mut *f.borrow_mut(), Fetch::Done(texts.clone())));
            if let Fetch::Waiting(list) = waiting {
                for then in list {
                    then(texts.clone());
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 10 item 6: the file the bundle fetches reads back as the texts compiled in (the
    /// core's test keeps the file current; this checks the playground's reading of it).
    #[test]
    fn issue10_the_shipped_rules_json_reads_as_the_compiled_in_texts() {
        let shipped = Texts::parse(include_str!("../www/rules.json")).expect("www/rules.json reads");
        let RuleTexts::Here(compiled) = RuleTexts::at_start() else { panic!("tests have the texts compiled in") };
        assert_eq!(shipped, *compiled);
        assert_eq!(shipped.text(Rule::S5), Rule::S5.text());
        assert_eq!(shipped.choice_of(Rule::S5), impnet_core::explain::choices_of(Rule::S5).next());
        assert_eq!(shipped.choice_of(Rule::U1), None, "U1 is no choice");
    }

    /// A damaged file is refused with a reason the panel shows, never a panic.
    #[test]
    fn issue10_a_damaged_rules_json_says_what_is_wrong() {
        assert!(Texts::parse("<html>").unwrap_err().starts_with("rules.json is not JSON"));
        assert_eq!(Texts::parse("{}").unwrap_err(), "rules.json has no \"rules\" object");
        let without_s5 = include_str!("../www/rules.json").replace("\"S5\":", "\"S5x\":");
        assert_eq!(Texts::parse(&without_s5).unwrap_err(), "rules.json has no text for S5");
        assert_eq!(Texts::parse(r#"{"rules": {}, "choices": []}"#).unwrap_err(), "rules.json has no text for L1");
        let mut all: serde_json::Value = serde_json::from_str(include_str!("../www/rules.json")).unwrap();
        all["choices"][2] = serde_json::json!(["X9", "?"]);
        assert_eq!(Texts::parse(&all.to_string()).unwrap_err(), "rules.json: choices[2] is not [rule ID, text]");
    }
}
