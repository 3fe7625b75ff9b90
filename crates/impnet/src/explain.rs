//! `impnet explain [RULE]`: the model's rules and the choices it makes where impOS's documents
//! are silent (SPEC **[choice]**), from `impnet_core::explain` — the same words the playground
//! shows.

use impnet_core::explain;
use impnet_core::rules::Rule;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// A rule ID such as S5 or U1 (case does not matter); without one, every rule and choice.
    pub rule: Option<String>,
}

pub fn main(args: Args) -> ExitCode {
    match args.rule {
        None => {
            print!("{}", everything());
            ExitCode::SUCCESS
        }
        Some(id) => match one(&id) {
            Some(text) => {
                print!("{text}");
                ExitCode::SUCCESS
            }
            None => {
                let ids: Vec<&str> = explain::rules().iter().map(|r| r.id()).collect();
                eprintln!("impnet explain: no rule `{id}` (rules: {})", ids.join(", "));
                ExitCode::from(2)
            }
        },
    }
}

fn everything() -> String {
    let mut out = String::from("Rules (SPEC.md; * = the model makes a choice here, see below)\n");
    for &rule in explain::rules() {
        let mark = if explain::choices_of(rule).next().is_some() { "*" } else { " " };
        out.push_str(&format!("{rule:>4}{mark} {}\n", rule.text()));
    }
    out.push_str("\nChoices: where the impOS documents are silent or disagree, the model decides\n");
    for (rule, text) in explain::choices() {
        out.push_str(&format!("{rule:>4}  [choice] {text}\n"));
    }
    out
}

fn one(id: &str) -> Option<String> {
    let rule = Rule::from_id(id)?;
    let mut out = format!("{rule}: {}\n", rule.text());
    for choice in explain::choices_of(rule) {
        out.push_str(&format!("  [choice] {choice}\n"));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explain_one_rule_shows_its_text_and_its_choices() {
        let s5 = one("s5").expect("S5 is a rule");
        assert!(s5.starts_with("S5: "), "{s5}");
        assert!(s5.contains(explain::rule_text("S5").unwrap()));
        for (_, c) in explain::choices().iter().filter(|(r, _)| *r == Rule::S5) {
            assert!(s5.contains(c), "{s5}");
        }
        assert!(one("Z9").is_none());
    }

    #[test]
    fn explain_everything_lists_every_rule_and_every_choice() {
        let all = everything();
        for rule in explain::rules() {
            assert!(all.contains(rule.text()), "{rule} missing");
        }
        for (_, choice) in explain::choices() {
            assert!(all.contains(&format!("[choice] {choice}")));
        }
    }
}
