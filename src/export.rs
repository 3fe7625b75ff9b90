//! Downloads: the scenario as TOML, the trace as JSON lines (`impnet run --json` format) and
//! as CSV, each as a Blob saved through a temporary link.

use wasm_bindgen::JsCast;

/// Offer `text` as a file download. Failures (no DOM) are ignored: nothing to save to.
pub fn download(filename: &str, mime: &str, text: &str) {
    let _ = try_download(filename, mime, text);
}

fn try_download(filename: &str, mime: &str, text: &str) -> Option<()> {
    let doc = web_sys::window()?.document()?;
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts).ok()?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).ok()?;
    let a: web_sys::HtmlAnchorElement = doc.create_element("a").ok()?.dyn_into().ok()?;
    a.set_href(&url);
    a.set_download(filename);
    a.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Some(())
}

/// A file name from the scenario title: lowercase words joined by `-`.
pub fn file_stem(title: &str) -> String {
    let mut s = String::new();
    for w in title.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()) {
        if !s.is_empty() {
            s.push('-');
        }
        s.push_str(&w.to_ascii_lowercase());
    }
    if s.is_empty() {
        "scenario".into()
    } else {
        s.chars().take(60).collect()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn file_stems_are_safe() {
        assert_eq!(super::file_stem("Twenty logs with a zero timeout!"), "twenty-logs-with-a-zero-timeout");
        assert_eq!(super::file_stem("  ../"), "scenario");
    }
}
