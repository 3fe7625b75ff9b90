//! The Share dialog: the link (copied to the clipboard) and an iframe snippet for embedding.
//! `Playground` renders it only while it is open.

use super::use_app;
use crate::state::{Action, Dialog};
use yew::prelude::*;

#[component]
pub fn ShareDialog() -> Html {
    let app = use_app();
    let Some(Dialog::Share { link, snippet, copied }) = app.dialog.clone() else { return html! {} };
    let close = {
        let app = app.clone();
        Callback::from(move |_: MouseEvent| app.dispatch(Action::CloseDialog))
    };
    let backdrop = {
        let app = app.clone();
        Callback::from(move |e: MouseEvent| {
            // Only a click on the backdrop itself, not one inside the dialog.
            if e.target() == e.current_target() {
                app.dispatch(Action::CloseDialog);
            }
        })
    };
    html! {
        <div class="modal-backdrop" onclick={backdrop}>
            <div class="modal" role="dialog" aria-modal="true" aria-labelledby="share-title" id="share-dialog">
                <h2 id="share-title">{ "Share this scenario" }</h2>
                <p>{ if copied { "The link is on your clipboard." } else { "Copy the link:" } }</p>
                <input id="share-link" class="mono" readonly=true value={link.clone()} />
                <p>{ "Embed it (read-only, with step controls):" }</p>
                <textarea id="share-snippet" class="mono" readonly=true rows="3" value={snippet} />
                <p class="muted">{ "The scenario is in the #fragment of the link: it is never sent to a server." }</p>
                <div class="modal-actions"><a href={link} target="_blank">{ "Open link" }</a><button onclick={close}>{ "Close" }</button></div>
            </div>
        </div>
    }
}
