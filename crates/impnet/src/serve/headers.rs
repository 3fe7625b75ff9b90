//! Response headers of every HTTP answer (issue 13 item 9): a Content-Security-Policy that lets
//! the playground's own script and wasm run and nothing else, no MIME sniffing, framing by the
//! server's own pages only (www/docs.html embeds the playground in iframes), and cache rules:
//! trunk's hashed assets are immutable, everything else is revalidated.

use super::Shared;
use axum::http::{header, HeaderMap, HeaderValue};
use base64::Engine;
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::Mutex;
use std::time::SystemTime;

/// The policy's fixed part. `'wasm-unsafe-eval'` lets the page compile its wasm; styles may be
/// inline because Yew sets `style` attributes; `frame-ancestors 'self'` is the frame policy.
/// `connect-src` follows in `secure`: 'self' plus the page's own `ws://` endpoint, named
/// explicitly for browsers whose 'self' does not cover ws: (before CSP 3).
const CSP_BASE: &str = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; \
object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'";

/// The CSP in force, rebuilt when index.html changes: trunk writes an inline module script
/// (the wasm loader) whose hash the policy must name.
#[derive(Default)]
pub struct Csp {
    cached: Mutex<Option<(Option<SystemTime>, HeaderValue)>>,
}

impl Csp {
    pub fn value(&self, dist: &Path) -> HeaderValue {
        let index = dist.join("index.html");
        let mtime = std::fs::metadata(&index).and_then(|m| m.modified()).ok();
        let mut cached = self.cached.lock().expect("not poisoned");
        if let Some((at, v)) = cached.as_ref() {
            if *at == mtime {
                return v.clone();
            }
        }
        let html = std::fs::read_to_string(&index).unwrap_or_default();
        let v = HeaderValue::from_str(&policy(&html)).expect("ASCII policy");
        *cached = Some((mtime, v.clone()));
        v
    }
}

/// The whole policy for a page whose inline scripts are those of `html`.
pub fn policy(html: &str) -> String {
    let hashes: String = inline_scripts(html).map(|s| format!(" 'sha256-{}'", sha256_base64(s))).collect();
    format!("{CSP_BASE}; script-src 'self' 'wasm-unsafe-eval'{hashes}")
}

fn sha256_base64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(s.as_bytes()))
}

/// The text of each `<script>` element without a `src` (what CSP hashes).
fn inline_scripts(html: &str) -> impl Iterator<Item = &str> {
    let mut rest = html;
    std::iter::from_fn(move || loop {
        let open = rest.find("<script")?;
        let after = &rest[open..];
        let tag_end = after.find('>')?;
        let tag = &after[..tag_end];
        let body = &after[tag_end + 1..];
        let close = body.find("</script>")?;
        rest = &body[close..];
        if !tag.contains(" src=") {
            return Some(&body[..close]);
        }
    })
}

/// `host` is the request's Host header, if any.
pub fn secure(h: &mut HeaderMap, shared: &Shared, html: bool, host: Option<&str>) {
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("SAMEORIGIN"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    let base = if html { shared.csp.value(&shared.config.dist) } else { HeaderValue::from_str(&policy("")).expect("ASCII") };
    let own_ws = host.filter(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b)));
    let connect = match own_ws {
        Some(host) => format!("; connect-src 'self' ws://{host}"),
        None => "; connect-src 'self'".to_string(),
    };
    let mut csp = base.as_bytes().to_vec();
    csp.extend_from_slice(connect.as_bytes());
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_bytes(&csp).expect("visible ASCII"));
}

pub fn cache(h: &mut HeaderMap, path: &str) {
    let v = if is_hashed_asset(path) { "public, max-age=31536000, immutable" } else { "no-cache" };
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(v));
}

/// trunk names its outputs `NAME-HASH[_bg].EXT`, HASH being hex (its length varies: the hash
/// is printed without leading zeros); scripts/split.sh names the two halves of the wasm
/// `NAME-HASH_bg.wasm` and `NAME-HASH_rest.wasm` by their content.
fn is_hashed_asset(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or("");
    let Some((stem, ext)) = file.rsplit_once('.') else {
        return false;
    };
    if !matches!(ext, "wasm" | "js" | "css") {
        return false;
    }
    let stem = stem.strip_suffix("_bg").or_else(|| stem.strip_suffix("_rest")).unwrap_or(stem);
    stem.rsplit_once('-').is_some_and(|(_, hash)| (8..=16).contains(&hash.len()) && hash.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue13_9_hashed_assets_are_immutable_and_pages_revalidate() {
        assert!(is_hashed_asset("/impnet-playground-5f1c2e3a4b6d7e8f_bg.wasm"));
        assert!(is_hashed_asset("/impnet-playground-5f1c2e3a4b6d7e8f_rest.wasm"), "split.sh's secondary");
        assert!(is_hashed_asset("/impnet-playground-a1b2c3d4e5f6.js"));
        assert!(is_hashed_asset("/style-0123456789abcdef.css"));
        assert!(!is_hashed_asset("/index.html"));
        assert!(!is_hashed_asset("/"));
        assert!(!is_hashed_asset("/docs.html"));
        assert!(!is_hashed_asset("/impnet-playground.js"));
        assert!(!is_hashed_asset("/my-page.js"));
    }

    #[test]
    fn issue13_9_the_policy_names_each_inline_script_by_its_hash() {
        let html = "<head><script type=\"module\" src=\"/x.js\"></script>\n<script type=\"module\">\nimport init from '/a.js';\n</script></head>";
        let p = policy(html);
        // sha256 of "\nimport init from '/a.js';\n", computed apart from the code under test:
        // printf "\nimport init from '/a.js';\n" | openssl dgst -sha256 -binary | base64
        let want = "nmdLyQ6u69OUSoW4i7ADiAWaKqSloTkmbl/K96XORko=";
        assert!(p.ends_with(&format!("script-src 'self' 'wasm-unsafe-eval' 'sha256-{want}'")), "{p}");
        assert_eq!(inline_scripts(html).count(), 1);
        assert!(p.contains("frame-ancestors 'self'"));
        assert_eq!(sha256_base64("abc"), "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");
    }
}
