//! Files beside the page that the bundle leaves out and fetches when needed: preset files
//! (`crate::presets`) and the rule texts (`crate::rules`).

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// The body of `url` (relative to the page), if it answers 200.
pub async fn get(url: &str) -> Option<String> {
    let response = JsFuture::from(web_sys::window()?.fetch_with_str(url)).await.ok()?;
    let response: web_sys::Response = response.dyn_into().ok()?;
    if !response.ok() {
        return None;
    }
    JsFuture::from(response.text().ok()?).await.ok()?.as_string()
}
