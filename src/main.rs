#[cfg(target_arch = "wasm32")]
fn main() {
    // First: a split bundle's stubs need the page's loader to know this instance, and any way
    // in but the bare address waits for the bundle's second half (src/split.rs).
    wasm_bindgen_futures::spawn_local(async {
        impnet_playground::split::start().await;
        yew::Renderer::<impnet_playground::App>::new().render();
    });
}

// Native builds of the workspace (`cargo test`) compile the playground too; it only runs in a
// browser.
#[cfg(not(target_arch = "wasm32"))]
fn main() {}
