//! Browser smoke test: the playground's root component mounts and renders into a real DOM
//! (headless Chromium via wasm-bindgen-test-runner). The UI's own component tests live in
//! tests/playground*.rs.
#![cfg(target_arch = "wasm32")]

use impnet_playground::App;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

/// Yew renders on its scheduler; give it a turn of the event loop before reading the DOM.
async fn settle() {
    gloo_timers::future::TimeoutFuture::new(20).await;
}

#[wasm_bindgen_test]
async fn app_mounts_and_renders_text() {
    let document = web_sys::window().unwrap().document().unwrap();
    let root = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&root).unwrap();

    yew::Renderer::<App>::with_root(root.clone()).render();
    settle().await;

    let app = root.query_selector("#app").unwrap().expect("an element with id `app` inside the mount point");
    let text = app.text_content().unwrap_or_default();
    assert!(!text.trim().is_empty(), "#app rendered no text: {:?}", root.inner_html());
}
