//! What the playground's browser tests share: mounting the whole app into a fresh div and
//! letting it settle (yew renders, then a timer turn for effects, then yew again).
#![allow(dead_code)] // each test file uses its own subset

use gloo_timers::future::TimeoutFuture;
use impnet_playground::state::Init;
use web_sys::Element;

/// `Playground` in a fresh div of the page's body, rendered and settled.
pub async fn mount_playground(init: Init) -> Element {
    mount_with_header(init, Default::default()).await
}

/// Like [`mount_playground`], with `header_extra` in the page's header (as `App` puts the live
/// controls there).
pub async fn mount_with_header(init: Init, header_extra: yew::Html) -> Element {
    mount_props(impnet_playground::app::PlaygroundProps { init, persist: false, header_extra }).await
}

/// Like [`mount_playground`], remembering the scenario in localStorage as the page does.
pub async fn mount_remembering(init: Init) -> Element {
    mount_props(impnet_playground::app::PlaygroundProps { init, persist: true, header_extra: Default::default() }).await
}

async fn mount_props(props: impnet_playground::app::PlaygroundProps) -> Element {
    let doc = web_sys::window().unwrap().document().unwrap();
    let root = doc.create_element("div").unwrap();
    doc.body().unwrap().append_child(&root).unwrap();
    yew::Renderer::<impnet_playground::Playground>::with_root_and_props(root.clone(), props).render();
    settle().await;
    root
}

/// Lets yew render and the effects it scheduled run.
pub async fn settle() {
    yew::scheduler::flush().await;
    TimeoutFuture::new(10).await;
    yew::scheduler::flush().await;
}
