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
    /// a text; the error names what is wrong. On the page the browser's own JSON parser reads
    /// it (`json`): the first paint then runs no JSON deserializer of the bundle's (issue 10
    /// item 6).
    pub fn parse(text: &str) -> Result<Texts, String> {
        use json::Doc;
        let doc = Doc::parse(text).map_err(|e| format!("rules.json is not JSON: {e}"))?;
        let by_id = doc.member("rules").filter(Doc::is_object).ok_or("rules.json has no \"rules\" object")?;
        let rules = Rule::ALL
            .iter()
            .map(|r| by_id.member(r.id()).and_then(|t| t.string()).ok_or_else(|| format!("rules.json has no text for {r}")))
            .collect::<Result<_, _>>()?;
        let list = doc.member("choices").and_then(|c| c.items()).ok_or("rules.json has no \"choices\" list")?;
        let choices = list
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let pair = c.items().unwrap_or_default();
                let rule = pair.first().and_then(Doc::string).and_then(|id| Rule::from_id(&id));
                match (rule, pair.get(1).and_then(Doc::string)) {
                    (Some(rule), Some(text)) => Ok((rule, text)),
                    _ => Err(format!("rules.json: choices[{i}] is not [rule ID, text]")),
                }
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

/// The parsed JSON `Texts::parse` reads: the browser's (`JSON.parse`) in the bundle,
/// serde_json's in native builds (the tests). Both answer the same few questions.
mod json {
    #[cfg(target_arch = "wasm32")]
    pub use self::browser::Doc;
    #[cfg(not(target_arch = "wasm32"))]
    pub use self::native::Doc;

    #[cfg(target_arch = "wasm32")]
    mod browser {
        use js_sys::{Array, Reflect};
        use wasm_bindgen::{JsCast, JsValue};

        pub struct Doc(JsValue);

        impl Doc {
            pub fn parse(text: &str) -> Result<Doc, String> {
                js_sys::JSON::parse(text).map(Doc).map_err(|e| match e.dyn_ref::<js_sys::Error>() {
                    Some(e) => String::from(e.message()),
                    None => "JSON.parse failed".into(),
                })
            }

            /// An object's member. An inherited one (`toString`, `constructor`) is a function,
            /// never the object or string the reader wants, so it is refused like a wrong type.
            pub fn member(&self, key: &str) -> Option<Doc> {
                if !self.is_object() {
                    return None;
                }
                let v = Reflect::get(&self.0, &JsValue::from_str(key)).ok()?;
                (!v.is_undefined()).then_some(Doc(v))
            }

            pub fn is_object(&self) -> bool {
                self.0.is_object() && !Array::is_array(&self.0)
            }

            pub fn items(&self) -> Option<Vec<Doc>> {
                Array::is_array(&self.0).then(|| self.0.unchecked_ref::<Array>().iter().map(Doc).collect())
            }

            pub fn string(&self) -> Option<String> {
                self.0.as_string()
            }
        }
    }

    #[cfg(not(target_arch = "wasm32"))]
    mod native {
        use serde_json::Value;

        pub struct Doc(Value);

        impl Doc {
            pub fn parse(text: &str) -> Result<Doc, String> {
                serde_json::from_str(text).map(Doc).map_err(|e| e.to_string())
            }

            pub fn member(&self, key: &str) -> Option<Doc> {
                self.0.as_object()?.get(key).cloned().map(Doc)
            }

            pub fn is_object(&self) -> bool {
                self.0.is_object()
            }

            pub fn items(&self) -> Option<Vec<Doc>> {
                Some(self.0.as_array()?.iter().cloned().map(Doc).collect())
            }

            pub fn string(&self) -> Option<String> {
                self.0.as_str().map(str::to_string)
            }
        }
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
