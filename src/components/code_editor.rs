//! The Squirrel editor (issue 10 item 1): a textarea over a painted copy of its text. The
//! textarea keeps everything a browser does well (caret, selection, IME, copy/paste, undo);
//! its text is transparent and the `<pre>` under it shows the same characters coloured by the
//! VM's own lexer. Tab, Shift+Tab and Enter are applied with `insertText`, which the browser
//! puts on its undo stack like typing. Compile errors are checked a moment after typing stops
//! and drawn at their line and column.

use crate::logic::code::{self, Edit};
use gloo_timers::callback::Timeout;
use impnet_squirrel::CompileError;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlDocument, HtmlElement, HtmlTextAreaElement};
use yew::prelude::*;

/// Height of one line in CSS pixels; `www/style.css` sets `--code-lh` to the same.
const LINE_PX: f64 = 18.0;
/// How long typing must pause before the program is compiled again.
const CHECK_DELAY_MS: u32 = 250;

#[derive(Properties, PartialEq)]
pub struct CodeEditorProps {
    /// The program. A new value replaces the text (a preset, a link); typing does not come
    /// back through here unless the parent echoes it, and an echo equal to the text is ignored.
    pub code: AttrValue,
    #[prop_or(false)]
    pub readonly: bool,
    /// The source line of the call under the stepping cursor, highlighted.
    #[prop_or_default]
    pub current_line: Option<u32>,
    /// A runtime error to mark: its line and message.
    #[prop_or_default]
    pub runtime_error: Option<(u32, AttrValue)>,
    /// The whole text once typing pauses (with the compile check), not per keystroke: the
    /// parent re-renders on it, which a 2 000-line program cannot afford on every key.
    #[prop_or_default]
    pub onedit: Callback<String>,
    /// A line number clicked (in the gutter; anywhere on a line when read-only).
    #[prop_or_default]
    pub online: Callback<u32>,
}

#[component]
pub fn CodeEditor(props: &CodeEditorProps) -> Html {
    let input = use_node_ref();
    let scroller = use_node_ref();
    let text = use_state(|| Rc::<str>::from(props.code.as_str()));
    let error = use_state(|| code::compile_check(&props.code).err());
    let caret_line = use_state(|| 1u32);
    let timer = use_mut_ref(|| None::<Timeout>);
    let paint = use_node_ref();
    let painted = use_mut_ref(Vec::<String>::new);

    // Compile (and report the text) a moment after the last change; a newer change cancels
    // the pending one.
    let schedule_check = {
        let error = error.setter();
        let timer = timer.clone();
        let onedit = props.onedit.clone();
        Rc::new(move |src: Rc<str>, edited: bool| {
            let (error, onedit) = (error.clone(), onedit.clone());
            *timer.borrow_mut() = Some(Timeout::new(CHECK_DELAY_MS, move || {
                error.set(code::compile_check(&src).err());
                if edited {
                    onedit.emit(src.to_string());
                }
            }));
        })
    };

    // A program from outside (preset, link): into the textarea, unless it already holds it. The
    // textarea has no `value` attribute: yew would write it back after every keystroke, and a
    // script-set value costs the browser its undo history.
    {
        let (input, text, schedule_check) = (input.clone(), text.clone(), schedule_check.clone());
        use_effect_with(props.code.clone(), move |code| {
            if let Some(el) = input.cast::<HtmlTextAreaElement>() {
                if el.value() != code.as_str() {
                    el.set_value(code);
                    let src: Rc<str> = code.as_str().into();
                    text.set(src.clone());
                    schedule_check(src, false);
                }
            }
        });
    }

    let track_caret = {
        let (input, scroller, caret_line) = (input.clone(), scroller.clone(), caret_line.clone());
        move || {
            let Some(el) = input.cast::<HtmlTextAreaElement>() else { return };
            let at = el.selection_end().ok().flatten().unwrap_or(0);
            let line = code::line_of(&el.value(), at);
            caret_line.set(line);
            if let Some(sc) = scroller.cast::<HtmlElement>() {
                scroll_into_view(&sc, line);
            }
        }
    };

    let oninput = {
        let (text, schedule_check, track_caret) = (text.clone(), schedule_check.clone(), track_caret.clone());
        Callback::from(move |e: InputEvent| {
            let src: Rc<str> = e.target_unchecked_into::<HtmlTextAreaElement>().value().into();
            text.set(src.clone());
            schedule_check(src, true);
            track_caret();
        })
    };

    let onkeydown = {
        let readonly = props.readonly;
        Callback::from(move |e: KeyboardEvent| {
            if readonly || e.is_composing() || e.ctrl_key() || e.meta_key() || e.alt_key() {
                return;
            }
            let el = e.target_unchecked_into::<HtmlTextAreaElement>();
            let value = el.value();
            let sel = (el.selection_start().ok().flatten().unwrap_or(0), el.selection_end().ok().flatten().unwrap_or(0));
            let edit = match (e.key().as_str(), e.shift_key()) {
                ("Tab", false) => code::tab(&value, sel),
                ("Tab", true) => code::untab(&value, sel),
                ("Enter", false) => code::newline(&value, sel),
                _ => return,
            };
            e.prevent_default();
            apply(&el, &edit);
        })
    };

    let onselect = {
        let track_caret = track_caret.clone();
        Callback::from(move |_: Event| track_caret())
    };
    let onkeyup = {
        let track_caret = track_caret.clone();
        Callback::from(move |_: KeyboardEvent| track_caret())
    };
    let onclick_text = {
        let (readonly, online, input, track_caret) = (props.readonly, props.online.clone(), input.clone(), track_caret.clone());
        Callback::from(move |_: MouseEvent| {
            track_caret();
            if readonly {
                if let Some(el) = input.cast::<HtmlTextAreaElement>() {
                    online.emit(code::line_of(&el.value(), el.selection_start().ok().flatten().unwrap_or(0)));
                }
            }
        })
    };
    let onclick_gutter = {
        let online = props.online.clone();
        Callback::from(move |e: MouseEvent| {
            let line = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .and_then(|el| el.get_attribute("data-line"))
                .and_then(|n| n.parse().ok());
            if let Some(line) = line {
                online.emit(line);
            }
        })
    };

    // Follow the stepping cursor: its line scrolls into view.
    {
        let scroller = scroller.clone();
        use_effect_with(props.current_line, move |line| {
            if let (Some(line), Some(sc)) = (*line, scroller.cast::<HtmlElement>()) {
                scroll_into_view(&sc, line);
            }
        });
    }

    let lines = code::line_count(&text);
    // The coloured copy is painted outside yew's diff: one element per line, and an edit
    // replaces only the lines whose HTML changed (a keystroke on a 2 000-line program touches
    // one line of the DOM, not the whole overlay).
    {
        let (paint, painted) = (paint.clone(), painted.clone());
        use_effect_with((*text).clone(), move |t| {
            if let Some(pre) = paint.cast::<Element>() {
                repaint(&pre, &mut painted.borrow_mut(), code::paint_lines(t));
            }
        });
    }
    let gutter = use_memo(lines, |&n| Html::from_html_unchecked(gutter_html(n).into()));
    let band = |line: u32, class: &'static str| {
        html! { <div class={classes!("code-band", class)} data-line={line.to_string()} style={format!("top: calc({} * var(--code-lh))", line - 1)} /> }
    };
    let error_mark = error.as_ref().map(|e| error_mark(e, &text));
    let runtime_mark = props.runtime_error.as_ref().map(|(line, msg)| {
        html! {
            <div class="code-msg runtime" id="code-runtime-error" data-line={line.to_string()} role="alert"
                style={format!("top: calc({line} * var(--code-lh))")}>{ format!("{line}: {msg}") }</div>
        }
    });

    html! {
        <div class={classes!("code-editor", props.readonly.then_some("readonly"))}>
            <div class="code-scroll mono" ref={scroller}>
                <div class="code-gutter" aria-hidden="true" onclick={onclick_gutter}
                    data-error-line={error.as_ref().map(|e| e.line.to_string())}>{ (*gutter).clone() }</div>
                <div class="code-area">
                    if !props.readonly { { band(*caret_line, "caret-line") } }
                    if let Some(l) = props.current_line { { band(l, "current") } }
                    if let Some((l, _)) = &props.runtime_error { { band(*l, "runtime-error") } }
                    <pre class="code-paint" aria-hidden="true" ref={paint}></pre>
                    <textarea ref={input} class="code-input" spellcheck="false" autocomplete="off" wrap="off"
                        aria-label="Device code (Squirrel)" readonly={props.readonly}
                        {oninput} {onkeydown} {onkeyup} {onselect} onclick={onclick_text} />
                    { error_mark.unwrap_or_default() }
                    { runtime_mark }
                </div>
            </div>
            <p class={classes!("code-status", error.is_some().then_some("error"))} id="code-status">
                {
                    match &*error {
                        Some(e) => html! { <span data-field="compile-error">{ e.to_string() }</span> },
                        None => html! { <span class="muted">{ format!("{lines} lines, compiles") }</span> },
                    }
                }
            </p>
        </div>
    }
}

/// Brings `pre`'s line elements from `old` to `new`, touching only the lines that differ.
fn repaint(pre: &Element, old: &mut Vec<String>, new: Vec<String>) {
    let (prefix, suffix) = code::changed_lines(old, &new);
    let Some(doc) = pre.owner_document() else { return };
    let children = pre.children();
    let (old_end, new_end) = (old.len() - suffix, new.len() - suffix);
    let mut k = prefix;
    // Lines in both ranges are rewritten in place; the rest are removed or inserted.
    while k < old_end && k < new_end {
        if let Some(el) = children.item(k as u32) {
            el.set_inner_html(&new[k]);
        }
        k += 1;
    }
    for _ in new_end..old_end {
        if let Some(el) = children.item(new_end as u32) {
            el.remove();
        }
    }
    let before = children.item(old_end.min(new_end) as u32);
    for line in &new[k..new_end] {
        let Ok(el) = doc.create_element("div") else { return };
        el.set_inner_html(line);
        let _ = pre.insert_before(&el, before.as_deref());
    }
    *old = new;
}

/// The gutter's numbers, one element per line, each naming its line for clicks and tests.
fn gutter_html(lines: u32) -> String {
    let mut out = String::with_capacity(lines as usize * 24);
    for n in 1..=lines {
        out.push_str(&format!("<div data-line=\"{n}\">{n}</div>"));
    }
    out
}

/// A compile error drawn where it is: a wavy underline from its column over the rest of the
/// token (at least one character), and the message on the line below.
fn error_mark(e: &CompileError, text: &str) -> Html {
    let line_text = text.split('\n').nth(e.line.saturating_sub(1) as usize).unwrap_or("");
    let rest: String = line_text.chars().skip(e.col.saturating_sub(1) as usize).collect();
    // Squirrel names are ASCII (the lexer's rule), and char::is_alphanumeric would bring Unicode tables.
    let word = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').count().max(1);
    let top = e.line.saturating_sub(1);
    html! {
        <>
            <div class="code-squiggle" data-line={e.line.to_string()} data-col={e.col.to_string()}
                style={format!("top: calc({top} * var(--code-lh)); left: calc({} * 1ch + var(--code-pad)); width: {word}ch", e.col.saturating_sub(1))} />
            <div class="code-msg" id="code-error" data-line={e.line.to_string()} role="alert"
                style={format!("top: calc({} * var(--code-lh)); left: calc({} * 1ch + var(--code-pad))", e.line, e.col.saturating_sub(1))}>
                { format!("{}:{}: {}", e.line, e.col, e.message) }
            </div>
        </>
    }
}

/// Scrolls `sc` the least that shows `line` (1-based).
fn scroll_into_view(sc: &HtmlElement, line: u32) {
    let top = (line.saturating_sub(1)) as f64 * LINE_PX;
    let (view_top, height) = (sc.scroll_top() as f64, sc.client_height() as f64);
    if top < view_top {
        sc.set_scroll_top(top as i32);
    } else if top + 2.0 * LINE_PX > view_top + height {
        sc.set_scroll_top((top + 2.0 * LINE_PX - height) as i32);
    }
}

/// Replaces the edit's range through `insertText`, so the browser's undo stack records it;
/// a browser without that command gets the text set directly (and an `input` event).
fn apply(el: &HtmlTextAreaElement, edit: &Edit) {
    let _ = el.set_selection_range(edit.from, edit.to);
    let doc = web_sys::window().and_then(|w| w.document()).and_then(|d| d.dyn_into::<HtmlDocument>().ok());
    let inserted = doc.is_some_and(|d| d.exec_command_with_show_ui_and_value("insertText", false, &edit.insert).unwrap_or(false));
    if !inserted {
        let _ = el.set_range_text_with_start_and_end(&edit.insert, edit.from, edit.to);
        if let Ok(ev) = web_sys::Event::new("input") {
            let _ = el.dispatch_event(&ev);
        }
    }
    let _ = el.set_selection_range(edit.select.0, edit.select.1);
}
