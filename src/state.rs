//! The app state and its reducer (yew's `function_todomvc` shape). Everything the views show is
//! derived from here; the trace and its timeline geometry are computed once per run, so
//! stepping only moves `cursor`.

use crate::logic::buckets::TimelineModel;
use crate::logic::nav::{self, Nav};
use crate::logic::source::{self, RuntimeError, Side};
use crate::logic::view::View;
use impnet_core::expect::{check_trace, expect_for_line, Verdict, MAX_EXPECTS};
use impnet_core::scenario::{parse_toml, Scenario, ScenarioError};
use impnet_core::trace::Trace;
use crate::presets;
use crate::rules::RuleTexts;
pub use crate::toml_text::to_toml;
use crate::toml_text::TomlText;
use impnet_core::{codec, run, RunOptions};
use std::rc::Rc;
use yew::Reducible;

/// Where the trace on screen came from. A recorded live session (browser live mode) is
/// stepped through exactly like a simulated run.
#[derive(Clone, Debug, PartialEq)]
pub enum TraceSource {
    Simulated,
    Live { label: String },
}

/// Play speeds offered, in trace lines per second.
pub const SPEEDS: [u32; 6] = [1, 2, 5, 10, 25, 100];

#[derive(Clone, Debug, PartialEq)]
pub enum Dialog {
    Share { link: String, snippet: String, copied: bool },
}

/// What the page was opened with (URL fragment and query, localStorage): see `url`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Init {
    pub fragment: Option<String>,
    pub preset: Option<String>,
    pub embed: bool,
    /// `?steps=1`: open the preset as its step list rather than its device code.
    pub steps: bool,
    pub stored_toml: Option<String>,
}

impl Init {
    /// The share link's fragment, when there is one: it wins over `?preset=`.
    pub fn link(&self) -> Option<&str> {
        self.fragment.as_deref().filter(|f| !f.trim_start_matches('#').is_empty())
    }
}

/// The two forms every preset comes in (issue 10 item 4): its Squirrel program (the gallery's
/// default) or the step list it was first written as. Both give the same trace (§14 twins).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PresetForm {
    Code,
    Steps,
}

/// A preset as a scenario in the given form: the code form keeps the preset's parameters,
/// outages, seed and `end_ms` and runs its `.nut` twin instead of the step lists.
pub fn preset_scenario(p: &impnet_core::presets::Preset, form: PresetForm) -> Result<Scenario, ScenarioError> {
    match form {
        PresetForm::Code => p.twin_scenario(),
        PresetForm::Steps => parse_toml(p.toml),
    }
}

#[derive(Clone, Debug)]
pub struct State {
    pub scenario: Rc<Scenario>,
    /// The TOML editor's text: the scenario's TOML, or what the user typed (maybe invalid).
    /// Read it with `toml_text()`.
    pub toml: TomlText,
    pub toml_error: Option<ScenarioError>,
    /// The device code in the editor (issue 10): the scenario's `code` when it has one, or what
    /// was typed and does not compile yet (the trace on screen stays that of the last program
    /// that did). A step-list scenario shows its preset's twin here; an edit makes it code.
    pub code: Rc<str>,
    /// The agent code in its editor (issue 11, SPEC §15): the scenario's `agent_code`, or what
    /// was typed and does not compile yet.
    pub agent_code: Rc<str>,
    pub run_error: Option<String>,
    /// A message for the user about how the page was opened (a link that did not decode).
    pub notice: Option<String>,
    pub trace: Rc<Trace>,
    pub model: Rc<TimelineModel>,
    /// The scenario's `[[expect]]` verdicts over `trace`, one per expectation (issue #12).
    pub checks: Rc<Vec<Verdict>>,
    /// The program's uncaught runtime errors in `trace` (§14 `squirrel_error`).
    pub runtime_errors: Rc<Vec<RuntimeError>>,
    /// Bumped whenever `trace` changes; cheap dependency for memoised views.
    pub generation: u64,
    pub source: TraceSource,
    /// The preset the scenario came from, until it is edited.
    pub preset: Option<&'static str>,
    pub cursor: usize,
    pub playing: bool,
    pub speed: u32,
    pub view: View,
    pub embed: bool,
    pub dialog: Option<Dialog>,
    /// The rules' and choices' texts for the detail panel and "About the model": compiled in,
    /// or fetched by the bundle (`crate::rules`).
    pub texts: RuleTexts,
}

/// Cheap equality: the big parts are compared by pointer (they are replaced, never mutated).
impl PartialEq for State {
    fn eq(&self, o: &Self) -> bool {
        Rc::ptr_eq(&self.scenario, &o.scenario)
            && self.toml == o.toml
            && Rc::ptr_eq(&self.code, &o.code)
            && Rc::ptr_eq(&self.agent_code, &o.agent_code)
            && Rc::ptr_eq(&self.trace, &o.trace)
            && Rc::ptr_eq(&self.checks, &o.checks)
            && self.generation == o.generation
            && self.toml_error == o.toml_error
            && self.run_error == o.run_error
            && self.notice == o.notice
            && self.source == o.source
            && self.preset == o.preset
            && self.cursor == o.cursor
            && self.playing == o.playing
            && self.speed == o.speed
            && self.view == o.view
            && self.embed == o.embed
            && self.dialog == o.dialog
            && self.texts == o.texts
    }
}

pub enum Action {
    /// A preset as device code (the gallery's default).
    LoadPreset(&'static str),
    /// A preset as its step list.
    LoadPresetSteps(&'static str),
    /// A device + agent preset pair (§15).
    LoadPair(&'static str),
    /// A share-link fragment (the address bar's `#…` changed).
    OpenFragment(String),
    /// An edit from the form or the step editor.
    SetScenario(Box<Scenario>),
    /// An edit in the TOML editor: applied if it parses, else shown as an error.
    EditToml(String),
    /// An edit in the code editor (debounced by the editor): run if it compiles.
    EditCode(String),
    /// An edit in the agent code editor (debounced): run if it compiles.
    EditAgentCode(String),
    /// A click on a source line of the device or agent program: step to the first trace line
    /// it made (again: the next one).
    GoToSourceLine(Side, u32),
    /// Show a trace that was not simulated here (browser live mode records one).
    LoadTrace(Rc<Trace>, TraceSource),
    Go(Nav),
    TogglePlay,
    Pause,
    /// One play step (from the interval timer).
    Tick,
    SetSpeed(u32),
    Zoom { factor: f64, anchor: f64 },
    Pan(f64),
    FitView,
    OpenShare { link: String, snippet: String },
    MarkCopied,
    CloseDialog,
    DismissNotice,
    /// A message for the notice bar (a preset whose files could not be fetched).
    Notice(String),
    /// Add an expectation that the call on trace line `index` returns what it returned.
    ExpectLine(usize),
    /// The fetch of the rule texts ended (`crate::rules::fetch`).
    Texts(RuleTexts),
}

/// The scenario shown when nothing else was asked for: the first preset, as code.
pub fn default_scenario() -> (Scenario, Option<&'static str>) {
    // The first preset's texts are always compiled in (`impnet_core::presets`).
    match impnet_core::presets::ALL.first() {
        Some(p) => match preset_scenario(p, PresetForm::Code) {
            Ok(s) => (s, Some(p.id)),
            Err(_) => (Scenario::default(), None),
        },
        None => (Scenario { title: "Empty scenario".into(), ..Scenario::default() }, None),
    }
}

impl State {
    pub fn new(init: Init) -> State {
        let mut notice = None;
        let mut preset = None;
        let scenario = if let Some(frag) = init.link() {
            match codec::decode(frag) {
                Ok(s) => s,
                Err(e) => {
                    notice = Some(format!("This link could not be opened ({e}). Showing the default scenario instead."));
                    let (s, p) = default_scenario();
                    preset = p;
                    s
                }
            }
        } else if let Some(id) = init.preset.as_deref() {
            let form = if init.steps { PresetForm::Steps } else { PresetForm::Code };
            match presets::find(id).map(|p| (p, preset_scenario(&p, form))) {
                Some((p, Ok(s))) => {
                    preset = Some(p.id);
                    s
                }
                _ => {
                    notice = Some(if presets::missing(id) {
                        format!("The preset “{id}” could not be loaded. Showing the default scenario instead.")
                    } else {
                        format!("There is no preset called “{id}”. Showing the default scenario instead.")
                    });
                    let (s, p) = default_scenario();
                    preset = p;
                    s
                }
            }
        } else if let Some(s) = init.stored_toml.as_deref().and_then(|t| parse_toml(t).ok()) {
            s
        } else {
            let (s, p) = default_scenario();
            preset = p;
            s
        };
        let mut st = State {
            scenario: Rc::new(scenario),
            toml: TomlText::of_scenario(),
            toml_error: None,
            code: crate::logic::code::STARTER.into(),
            agent_code: "".into(),
            run_error: None,
            notice,
            trace: Rc::default(),
            model: Rc::default(),
            checks: Rc::default(),
            runtime_errors: Rc::default(),
            generation: 0,
            source: TraceSource::Simulated,
            preset,
            cursor: 0,
            playing: false,
            speed: 5,
            view: View::fit(0),
            embed: init.embed,
            dialog: None,
            texts: RuleTexts::at_start(),
        };
        st.sync_code();
        st.simulate();
        st
    }

    /// Run the scenario and show its trace, keeping the cursor near the same virtual time.
    fn simulate(&mut self) {
        match run(&self.scenario, &RunOptions::default()) {
            Ok(trace) => {
                self.run_error = None;
                self.set_trace(Rc::new(trace), TraceSource::Simulated);
            }
            Err(e) => {
                self.run_error = Some(e.to_string());
                self.set_trace(Rc::default(), TraceSource::Simulated);
            }
        }
    }

    fn set_trace(&mut self, trace: Rc<Trace>, source: TraceSource) {
        let t_before = self.current_time();
        let first_load = self.generation == 0;
        self.model = Rc::new(TimelineModel::build(&trace, &self.scenario));
        self.checks = Rc::new(check_trace(&self.scenario.expect, &trace));
        self.runtime_errors = Rc::new(source::runtime_errors(&trace));
        self.trace = trace;
        self.source = source;
        self.generation += 1;
        self.cursor = match t_before {
            Some(t) if !first_load => nav::index_at_time(&self.trace.entries, t),
            _ => 0,
        };
        self.view = if first_load { View::fit(self.model.total_us) } else { self.view.rescaled(self.model.total_us) };
        self.playing = false;
    }

    /// The TOML editor's text (written from the scenario the first time it is asked for).
    pub fn toml_text(&self) -> Rc<str> {
        self.toml.get(&self.scenario)
    }

    /// What to remember for the next visit: the editor's text when it is valid (it is the
    /// scenario's), else the scenario on screen (the last valid text's).
    pub fn valid_toml(&self) -> Rc<str> {
        match self.toml_error {
            None => self.toml_text(),
            Some(_) => to_toml(&self.scenario).into(),
        }
    }

    pub fn current_time(&self) -> Option<u64> {
        self.trace.entries.get(self.cursor).map(|e| e.t.micros)
    }

    /// Whether `code` belongs to what is on screen (the scenario's own code or its preset's
    /// twin) rather than the editor's starter program: embeds show it only then.
    pub fn shows_code(&self) -> bool {
        self.scenario.code.is_some() || self.preset.is_some()
    }

    /// The program the editor shows: the scenario's own code, else its preset's Squirrel twin
    /// (the same calls as the step list, §14); otherwise what the editor already holds.
    fn sync_code(&mut self) {
        self.agent_code = self.scenario.agent_code.as_deref().unwrap_or("").into();
        if let Some(c) = &self.scenario.code {
            self.code = c.as_str().into();
        } else if let Some(p) = self.preset.and_then(presets::find) {
            self.code = p.twin.into();
        }
    }

    fn load_pair(&mut self, id: &'static str) {
        if let Some(Ok(sc)) = presets::find_pair(id).map(|p| p.scenario()) {
            self.set_scenario(sc, None);
            self.preset = None;
            self.sync_code();
            self.cursor = 0;
            self.view = View::fit(self.model.total_us);
        }
    }

    /// An edit of the agent program (§15): it runs beside the device program once it compiles;
    /// an empty editor removes it. Agent code needs device code: a step-list scenario keeps the
    /// text in the editor and says so.
    fn edit_agent_code(&mut self, text: String) {
        self.agent_code = text.as_str().into();
        let agent = (!text.trim().is_empty()).then_some(text);
        if self.scenario.agent_code == agent {
            return;
        }
        if self.scenario.code.is_none() {
            self.run_error = Some("agent code runs beside device code: write the device program first (§15)".into());
            return;
        }
        if agent.as_deref().is_some_and(|a| crate::logic::code::compile_check(a).is_err()) {
            return;
        }
        let mut sc = (*self.scenario).clone();
        sc.agent_code = agent;
        self.run_edited(sc);
    }

    /// Runs an edited scenario and, when it runs, makes it the one on screen (no longer the
    /// preset it came from). When it cannot run (e.g. a `#require` of a library the scenario
    /// does not carry) the message shows and the last good trace stays.
    fn run_edited(&mut self, sc: Scenario) {
        match run(&sc, &RunOptions::default()) {
            Ok(trace) => {
                self.toml = TomlText::of_scenario();
                self.toml_error = None;
                self.scenario = Rc::new(sc);
                self.preset = None;
                self.run_error = None;
                self.set_trace(Rc::new(trace), TraceSource::Simulated);
            }
            Err(e) => self.run_error = Some(e.to_string()),
        }
    }

    fn load_preset(&mut self, id: &'static str, form: PresetForm) {
        if let Some(Ok(sc)) = presets::find(id).map(|p| preset_scenario(&p, form)) {
            self.set_scenario(sc, None);
            self.preset = Some(id);
            self.sync_code();
            self.cursor = 0;
            self.view = View::fit(self.model.total_us);
        }
    }

    /// An edit of the program: a program that compiles becomes the scenario's `code` (step
    /// lists give way to it, §14) and runs; one that does not stays in the editor with its
    /// error while the last good trace stays on screen.
    fn edit_code(&mut self, text: String) {
        if self.scenario.code.as_deref() == Some(text.as_str()) {
            self.code = text.into();
            return;
        }
        self.code = text.as_str().into();
        if crate::logic::code::compile_check(&text).is_err() {
            return;
        }
        let mut sc = (*self.scenario).clone();
        sc.steps.clear();
        sc.on_connect.clear();
        sc.on_unexpected_disconnect.clear();
        sc.code = Some(text);
        self.run_edited(sc);
    }

    fn set_scenario(&mut self, s: Scenario, text: Option<Rc<str>>) {
        self.toml = text.map_or_else(TomlText::of_scenario, TomlText::typed);
        self.toml_error = None;
        self.scenario = Rc::new(s);
        if self.scenario.code.is_some() {
            self.sync_code();
        }
        self.simulate();
    }
}

impl State {
    /// The scenario gains an expectation for the call at `index`. Expectations do not change
    /// the run, so the trace (and the cursor) stay; only the checklist is recomputed.
    fn expect_line(&mut self, index: usize) {
        if self.scenario.expect.len() >= MAX_EXPECTS {
            return;
        }
        let lines: Vec<_> = self.trace.entries.iter().map(|e| e.to_json()).collect();
        let Some(e) = expect_for_line(&lines, index) else { return };
        let mut sc = (*self.scenario).clone();
        sc.expect.push(e);
        self.toml = TomlText::of_scenario();
        self.toml_error = None;
        self.scenario = Rc::new(sc);
        self.checks = Rc::new(check_trace(&self.scenario.expect, &self.trace));
        self.preset = None;
    }
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut s = (*self).clone();
        match action {
            Action::LoadPreset(id) => s.load_preset(id, PresetForm::Code),
            Action::LoadPresetSteps(id) => s.load_preset(id, PresetForm::Steps),
            Action::LoadPair(id) => s.load_pair(id),
            Action::EditAgentCode(text) => s.edit_agent_code(text),
            Action::OpenFragment(frag) => match codec::decode(&frag) {
                Ok(sc) => {
                    s.set_scenario(sc, None);
                    s.preset = None;
                    s.notice = None;
                    s.cursor = 0;
                    s.view = View::fit(s.model.total_us);
                }
                Err(e) => s.notice = Some(format!("This link could not be opened ({e}). The scenario on screen is unchanged.")),
            },
            Action::SetScenario(sc) => {
                s.set_scenario(*sc, None);
                s.preset = None;
            }
            Action::EditCode(text) => s.edit_code(text),
            Action::GoToSourceLine(side, line) => {
                if let Some(i) = source::jump_to_line(&s.trace.entries, s.cursor, side, line) {
                    s.cursor = i;
                    s.playing = false;
                    if let Some(t) = s.current_time() {
                        s.view = s.view.follow(t as f64);
                    }
                }
            }
            Action::EditToml(text) => match parse_toml(&text) {
                Ok(sc) => {
                    s.set_scenario(sc, Some(text.into()));
                    s.preset = None;
                }
                Err(e) => {
                    s.toml = TomlText::typed(text.into());
                    s.toml_error = Some(e);
                }
            },
            Action::LoadTrace(trace, source) => s.set_trace(trace, source),
            Action::Go(n) => {
                s.cursor = nav::apply(&s.trace.entries, s.cursor, n);
                if let Some(t) = s.current_time() {
                    s.view = s.view.follow(t as f64);
                }
            }
            Action::TogglePlay => {
                let at_end = s.cursor + 1 >= s.trace.entries.len();
                if !s.playing && at_end {
                    s.cursor = 0;
                }
                s.playing = !s.playing && !s.trace.entries.is_empty();
            }
            Action::Pause => s.playing = false,
            Action::Tick => {
                if !s.playing {
                    return self;
                }
                if s.cursor + 1 >= s.trace.entries.len() {
                    s.playing = false;
                } else {
                    s.cursor += 1;
                    if let Some(t) = s.current_time() {
                        s.view = s.view.follow(t as f64);
                    }
                }
            }
            Action::SetSpeed(v) => s.speed = v.max(1),
            Action::Zoom { factor, anchor } => s.view = s.view.zoom(factor, anchor),
            Action::Pan(f) => s.view = s.view.pan(f),
            Action::FitView => s.view = View::fit(s.model.total_us),
            Action::OpenShare { link, snippet } => s.dialog = Some(Dialog::Share { link, snippet, copied: false }),
            Action::MarkCopied => {
                if let Some(Dialog::Share { copied, .. }) = &mut s.dialog {
                    *copied = true;
                }
            }
            Action::CloseDialog => s.dialog = None,
            Action::DismissNotice => s.notice = None,
            Action::Notice(text) => s.notice = Some(text),
            Action::ExpectLine(index) => s.expect_line(index),
            Action::Texts(texts) => s.texts = texts,
        }
        Rc::new(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logic::buckets::synthetic_trace;
    // Tests have every preset's texts compiled in (the dev-dependency's `preset-texts`).
    use impnet_core::presets;

    fn reduce(s: State, a: Action) -> State {
        (*Rc::new(s).reduce(a)).clone()
    }

    #[test]
    fn a_bad_link_shows_a_message_and_the_default_scenario() {
        let s = State::new(Init { fragment: Some("#v1.%%%garbage".into()), ..Init::default() });
        assert!(s.notice.as_deref().unwrap().contains("could not be opened"), "{:?}", s.notice);
        assert_eq!(*s.scenario, default_scenario().0);
    }

    #[test]
    fn spec_10_a_pasted_link_replaces_the_scenario_and_a_bad_one_keeps_it() {
        let s = State::new(Init::default());
        let mut sc = (*s.scenario).clone();
        sc.title = "pasted".into();
        let s = reduce(s, Action::OpenFragment(codec::encode(&sc)));
        assert_eq!(*s.scenario, sc);
        let s = reduce(s, Action::OpenFragment("zgarbage".into()));
        assert_eq!(s.scenario.title, "pasted");
        assert!(s.notice.as_deref().unwrap().contains("could not be opened"));
    }

    #[test]
    fn issue10_a_preset_opens_its_squirrel_twin_in_the_editor_and_edits_stay() {
        let s = State::new(Init { preset: Some("transmitter-retry".into()), ..Init::default() });
        assert_eq!(&*s.code, presets::find("transmitter-retry").unwrap().twin);
        let s = reduce(s, Action::LoadPreset("zero-timeout-trap"));
        assert_eq!(&*s.code, presets::find("zero-timeout-trap").unwrap().twin);
        let s = reduce(s, Action::EditCode("server.log(1);\n".into()));
        assert_eq!(&*s.code, "server.log(1);\n");
        let mut sc = (*s.scenario).clone();
        sc.title = "edited".into();
        let s = reduce(s, Action::SetScenario(Box::new(sc)));
        assert_eq!(&*s.code, "server.log(1);\n", "editing the step list leaves the program alone");
    }

    fn code_preset(p: &presets::Preset) -> Scenario {
        preset_scenario(p, PresetForm::Code).unwrap()
    }

    fn json_lines(t: &impnet_core::trace::Trace) -> Vec<String> {
        t.entries.iter().map(|e| e.to_json_line()).collect()
    }

    #[test]
    fn issue10_a_preset_runs_its_program_and_its_step_list_form_stays_available() {
        for p in presets::ALL {
            let s = State::new(Init { preset: Some(p.id.into()), ..Init::default() });
            assert_eq!(s.scenario.code.as_deref(), Some(p.twin), "{}: opens as code", p.id);
            let want = run(&code_preset(p), &RunOptions::default()).unwrap();
            assert_eq!(json_lines(&s.trace), json_lines(&want), "{}: the trace is the program's (§14), as `impnet run` gives it", p.id);
            assert!(s.trace.entries.iter().any(|e| source::line_of(e).is_some()), "{}: calls name their source line", p.id);
            let s = reduce(s, Action::LoadPresetSteps(p.id));
            assert!(s.scenario.code.is_none() && !s.scenario.steps.is_empty(), "{}", p.id);
            assert!(s.trace.entries.iter().all(|e| source::line_of(e).is_none()), "{}: step lists make no source lines", p.id);
            assert_eq!(s.preset, Some(p.id));
        }
    }

    #[test]
    fn issue10_an_edit_that_compiles_runs_and_one_that_does_not_keeps_the_last_good_trace() {
        let s = State::new(Init { preset: Some("zero-timeout-trap".into()), ..Init::default() });
        let s = reduce(s, Action::EditCode("server.log(\"one\");\nserver.log(\"two\");\n".into()));
        assert_eq!(s.scenario.code.as_deref(), Some("server.log(\"one\");\nserver.log(\"two\");\n"));
        assert_eq!(s.preset, None, "an edited preset is the user's own");
        let logs: Vec<_> = crate::logic::log::log_lines(&s.trace).into_iter().map(|l| l.text).collect();
        assert_eq!(logs, ["one", "two"]);
        assert!(s.toml_text().contains("code = "), "the TOML tab (and the stored scenario) follow: {}", s.toml_text());
        let (trace, generation) = (s.trace.clone(), s.generation);
        let s = reduce(s, Action::EditCode("server.log(\"one\";\n".into()));
        assert_eq!(&*s.code, "server.log(\"one\";\n", "the editor keeps what was typed");
        assert!(Rc::ptr_eq(&s.trace, &trace) && s.generation == generation, "no re-run on a compile error");
        assert!(s.scenario.code.as_deref().unwrap().contains("two"), "the scenario is the last good program");
    }

    #[test]
    fn issue10_an_edit_of_a_step_list_scenario_makes_it_code() {
        let s = State::new(Init { preset: Some("zero-timeout-trap".into()), steps: true, ..Init::default() });
        let s = reduce(s, Action::EditCode("server.log(\"hi\");\n".into()));
        assert!(s.scenario.steps.is_empty() && s.scenario.code.is_some());
        assert_eq!(s.scenario.network, parse_toml(presets::find("zero-timeout-trap").unwrap().toml).unwrap().network, "parameters stay");
    }

    #[test]
    fn issue10_a_click_on_a_source_line_steps_to_its_calls() {
        let s = State::new(Init { preset: Some("zero-timeout-trap".into()), ..Init::default() });
        let line = s.trace.entries.iter().filter_map(source::line_of).nth(3).expect("the trap's program makes calls");
        let made: Vec<usize> = (0..s.trace.entries.len()).filter(|&i| source::line_of(&s.trace.entries[i]) == Some(line)).collect();
        let s = reduce(s, Action::GoToSourceLine(Side::Device, line));
        assert_eq!(s.cursor, made[0]);
        if made.len() > 1 {
            let s = reduce(s, Action::GoToSourceLine(Side::Device, line));
            assert_eq!(s.cursor, made[1], "again: the next one");
        }
    }

    #[test]
    fn issue11_a_pair_opens_both_programs_and_an_agent_edit_runs_section15() {
        let pair = presets::PAIRS[0];
        let s = reduce(State::new(Init::default()), Action::LoadPair(pair.id));
        assert_eq!(&*s.code, pair.device);
        assert_eq!(&*s.agent_code, pair.agent);
        let want = run(&pair.scenario().unwrap(), &RunOptions::default()).unwrap();
        assert_eq!(json_lines(&s.trace), json_lines(&want));
        let line = s.trace.entries.iter().find_map(|e| source::line_on(e, Side::Agent)).expect("the agent makes calls");
        let s = reduce(s, Action::GoToSourceLine(Side::Agent, line));
        assert_eq!(source::line_on(&s.trace.entries[s.cursor], Side::Agent), Some(line));
        // An agent that only logs: no ACKs come back down.
        let s = reduce(s, Action::EditAgentCode("device.on(\"reading\", function(v) { server.log(\"got\"); });\n".into()));
        assert!(s.scenario.agent_code.as_deref().unwrap().contains("got"));
        assert!(crate::logic::log::log_lines(&s.trace).iter().any(|l| l.text == "got"), "{}", s.trace.to_json_lines());
        let generation = s.generation;
        let s = reduce(s, Action::EditAgentCode("device.on(\"reading\", function(v) {\n".into()));
        assert_eq!(s.generation, generation, "a compile error keeps the last good trace");
        assert!(s.agent_code.ends_with("{\n"));
    }

    #[test]
    fn issue10_a_link_carries_the_program_into_the_editor() {
        let mut report = Vec::new();
        for p in presets::ALL {
            let frag = codec::encode(&code_preset(p));
            report.push(format!("{}: {} chars", p.id, frag.len() + 1));
            let s = State::new(Init { fragment: Some(frag), ..Init::default() });
            assert_eq!(s.notice, None, "{}: the link decodes", p.id);
            assert_eq!(&*s.code, p.twin, "{}", p.id);
            assert!(s.shows_code());
        }
        // Link lengths (fragment with `#`) for the report: `cargo test -p impnet-playground
        // issue10_a_link -- --nocapture`.
        println!("{}", report.join("\n"));
    }

    /// SPEC §15 with §14 "Where the code comes from": a pair's link carrying the agent's
    /// `#require`d library opens with it and runs it (the playground runs the core's `run`).
    #[test]
    fn section15_a_pair_link_carrying_agent_libraries_runs_them() {
        let mut sc = presets::PAIRS[0].scenario().unwrap();
        sc.agent_code = Some("#require \"Helper.lib.nut:1.0.0\"\nserver.log(helper.tag);\n".into());
        sc.libs.insert("Helper.lib.nut".into(), "helper <- { tag = \"from the library\" };\n".into());
        let s = State::new(Init { fragment: Some(codec::encode(&sc)), ..Init::default() });
        assert_eq!((s.notice.as_deref(), s.run_error.as_deref()), (None, None));
        assert_eq!(*s.scenario, sc);
        assert!(crate::logic::log::log_lines(&s.trace).iter().any(|l| l.text == "from the library"), "{}", s.trace.to_json_lines());
        // An edit of the agent program keeps its libraries.
        let s = reduce(s, Action::EditAgentCode("#require \"Helper.lib.nut:1.0.0\"\nserver.log(helper.tag + \"!\");\n".into()));
        assert!(crate::logic::log::log_lines(&s.trace).iter().any(|l| l.text == "from the library!"), "{}", s.trace.to_json_lines());
    }

    #[test]
    fn an_unknown_preset_names_itself_in_the_message() {
        let s = State::new(Init { preset: Some("no_such_thing".into()), ..Init::default() });
        assert!(s.notice.as_deref().unwrap().contains("no_such_thing"));
    }

    #[test]
    fn s10_toml_errors_name_the_field_and_keep_the_last_good_scenario() {
        let s = State::new(Init::default());
        let good = s.scenario.clone();
        let s = reduce(s, Action::EditToml("[network]\nrtt_ms = \"slow\"\n".into()));
        let err = s.toml_error.as_ref().expect("refused");
        assert!(err.path.contains("rtt_ms"), "{err:?}");
        assert!(Rc::ptr_eq(&s.scenario, &good), "the trace on screen stays that of the last valid text");
        assert_eq!(&*s.toml_text(), "[network]\nrtt_ms = \"slow\"\n", "the editor keeps what was typed");
        let s = reduce(s, Action::EditToml("title = \"ok\"\n".into()));
        assert!(s.toml_error.is_none());
        assert_eq!(s.scenario.title, "ok");
    }

    #[test]
    fn issue10_the_toml_tab_through_the_link_value_is_the_toml_of_the_scenario() {
        // to_toml goes Scenario -> serde_json::Value -> TOML (one Serialize in the bundle): the
        // text must be what serialising the scenario directly writes, key order included.
        let mut all: Vec<Scenario> = presets::PAIRS.iter().map(|p| p.scenario().unwrap()).collect();
        for p in presets::ALL {
            all.push(preset_scenario(p, PresetForm::Steps).unwrap());
            all.push(code_preset(p));
        }
        let mut edited = all[0].clone();
        edited.expect = parse_toml("[[expect]]\ncall = \"agent.send\"\nnth = 2\nret = 0\nwithin_ms = 1500.5\n").unwrap().expect;
        edited.libs.insert("lib.nut".into(), "function f() {}\n".into());
        all.push(edited);
        for sc in all {
            let text = to_toml(&sc);
            assert_eq!(text, toml::to_string(&sc).unwrap(), "{}", sc.title);
            assert_eq!(parse_toml(&text).unwrap(), sc, "{}", sc.title);
        }
    }

    /// Issue 10 item 6: opening and stepping never write the scenario's TOML (the first paint
    /// runs no TOML writer); the first read writes the scenario's, once for that scenario.
    #[test]
    fn issue10_the_toml_text_is_written_when_first_read() {
        let s = reduce(State::new(Init::default()), Action::Go(Nav::NextCall));
        assert!(!s.toml.is_written(), "opening and stepping leave it unwritten");
        let text = s.toml_text();
        assert_eq!(*text, to_toml(&s.scenario));
        let stepped = reduce(s, Action::Go(Nav::NextCall));
        assert!(Rc::ptr_eq(&stepped.toml_text(), &text), "a step keeps the text written for the scenario");
        let mut sc = (*stepped.scenario).clone();
        sc.title = "renamed".into();
        let s = reduce(stepped, Action::SetScenario(Box::new(sc)));
        assert!(!s.toml.is_written() && s.toml_text().contains("title = \"renamed\""), "a new scenario, a new text");
        // S10: an invalid edit stays in the editor; what is remembered is the last valid scenario.
        let s = reduce(s, Action::EditToml("title = ".into()));
        assert_eq!(&*s.toml_text(), "title = ");
        assert_eq!(parse_toml(&s.valid_toml()).unwrap(), *s.scenario);
        assert_eq!(s.scenario.title, "renamed");
    }

    #[test]
    fn scenario_edits_rewrite_the_toml_text_and_it_parses_back() {
        let s = State::new(Init { preset: Some(presets::ALL[0].id.into()), steps: true, ..Init::default() });
        let mut sc = (*s.scenario).clone();
        sc.network.rtt_ms = 250;
        sc.steps.push(impnet_core::scenario::Step::new(impnet_core::scenario::Call::ServerLog { bytes: 200 }));
        let s = reduce(s, Action::SetScenario(Box::new(sc.clone())));
        assert!(s.toml_text().contains("rtt_ms = 250"), "{}", s.toml_text());
        assert_eq!(parse_toml(&s.toml_text()).unwrap(), sc);
    }

    #[test]
    fn stepping_a_loaded_trace_is_an_index_move_and_play_stops_at_the_end() {
        let s = State::new(Init::default());
        let s = reduce(s, Action::LoadTrace(Rc::new(synthetic_trace(10)), TraceSource::Live { label: "recorded".into() }));
        assert_eq!(s.cursor, 0);
        let g = s.generation;
        let s = reduce(s, Action::Go(Nav::Last));
        assert_eq!(s.cursor, 9);
        assert_eq!(s.generation, g, "stepping never re-runs");
        let s = reduce(s, Action::TogglePlay);
        assert!(s.playing);
        assert_eq!(s.cursor, 0, "play from the end starts over");
        let mut s = s;
        for _ in 0..20 {
            s = reduce(s, Action::Tick);
        }
        assert_eq!(s.cursor, 9);
        assert!(!s.playing);
    }

    #[test]
    fn issue12_expect_this_line_adds_a_passing_expectation_and_keeps_the_trace() {
        let s = State::new(Init { preset: Some("zero-timeout-trap".into()), ..Init::default() });
        assert!(s.checks.is_empty());
        let is_call = |e: &&impnet_core::trace::Entry| matches!(e.line, impnet_core::trace::Line::Call(_));
        let timeout = s.trace.entries.iter().position(|e| is_call(&e) && nav::is_error(e)).expect("the trap times out");
        let trace = s.trace.clone();
        let s = reduce(s, Action::Go(Nav::To(timeout)));
        let s = reduce(s, Action::ExpectLine(timeout));
        assert_eq!(s.scenario.expect.len(), 1);
        assert!(Rc::ptr_eq(&s.trace, &trace), "no re-run");
        assert_eq!(s.cursor, timeout);
        assert!(s.checks[0].passed, "{:?}", s.checks);
        assert_eq!(s.checks[0].evidence.as_ref().unwrap().index, timeout, "its evidence is the line");
        assert!(s.toml_text().contains("[[expect]]"), "{}", s.toml_text());
        // The TOML (and so a link) carries it back.
        assert_eq!(parse_toml(&s.toml_text()).unwrap(), *s.scenario);
        assert_eq!(codec::decode(&codec::encode(&s.scenario)).unwrap().expect, s.scenario.expect);
        // An event line is not a call: nothing is added.
        let s = reduce(s, Action::ExpectLine(0));
        assert_eq!(s.scenario.expect.len(), 1);
    }

    /// Issue 12 with SPEC §15: "expect this" on an agent line pins `side = "agent"`, so it
    /// keeps meaning the agent file's line when the device has a call at the same line.
    #[test]
    fn issue12_expect_this_on_an_agent_line_pins_the_agent_side_section15() {
        let s = reduce(State::new(Init::default()), Action::LoadPair(presets::PAIRS[0].id));
        let agent_log = s.trace.entries.iter().position(|e| source::line_on(e, Side::Agent).is_some()).expect("the agent makes calls");
        let s = reduce(s, Action::ExpectLine(agent_log));
        assert_eq!(s.scenario.expect.len(), 1);
        assert!(s.toml_text().contains("side = \"agent\""), "{}", s.toml_text());
        assert!(s.checks[0].passed, "{:?}", s.checks);
        assert_eq!(s.checks[0].evidence.as_ref().unwrap().index, agent_log);
        assert_eq!(parse_toml(&s.toml_text()).unwrap(), *s.scenario);
    }

    #[test]
    fn issue12_a_failing_expectation_is_checked_after_an_edit() {
        let s = State::new(Init { preset: Some("zero-timeout-trap".into()), ..Init::default() });
        let text = format!("{}\n[[expect]]\nsummary = \"lost_msgs\"\nmax = 0\n", s.toml_text());
        let s = reduce(s, Action::EditToml(text));
        assert!(s.toml_error.is_none(), "{:?}", s.toml_error);
        assert_eq!(s.checks.len(), 1);
        assert!(!s.checks[0].passed, "the trap loses messages");
    }

    #[test]
    fn stepping_keeps_the_cursor_in_view() {
        let s = State::new(Init::default());
        let s = reduce(s, Action::LoadTrace(Rc::new(synthetic_trace(10_000)), TraceSource::Simulated));
        let s = reduce(s, Action::Zoom { factor: 0.01, anchor: 0.0 });
        let s = reduce(s, Action::Go(Nav::Last));
        let t = s.current_time().unwrap() as f64;
        assert!(s.view.start <= t && t <= s.view.end);
    }
}
