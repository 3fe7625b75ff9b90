#[cfg(target_arch = "wasm32")]
fn main() {
    // First: a split bundle's stubs need the page's loader to know this instance.
    impnet_playground::split::start();
    yew::Renderer::<impnet_playground::App>::new().render();
}

// Native builds of the workspace (`cargo test`) compile the playground too; it only runs in a
// browser.
#[cfg(not(target_arch = "wasm32"))]
fn main() {}
