//! How fast hostile or maximal input is read or refused (SPEC §13: refuse in milliseconds).
//! `cargo bench -p impnet-core --bench load`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use impnet_core::codec;
use impnet_core::scenario::{parse_json, parse_toml};

/// Just under 1 MiB of steps: far more than the 10 000-step limit, refused after parsing.
fn too_many_steps() -> String {
    let step = "[[steps]]\ncall = \"server.isconnected\"\n";
    step.repeat((1 << 20) / step.len() - 1)
}

/// The largest accepted shape: 10 000 steps in each of the three lists.
fn max_steps_json() -> String {
    let step = r#"{"call":"server.log","bytes":100,"repeat":3}"#;
    let list = vec![step; 10_000].join(",");
    let text = format!(r#"{{"steps":[{list}],"on_connect":[{list}]}}"#);
    assert!(text.len() <= 1 << 20, "{}", text.len());
    text
}

fn deep_json() -> String {
    let depth = (1 << 20) / 2 - 20;
    format!("{{\"title\":{}{}}}", "[".repeat(depth), "]".repeat(depth))
}

fn bomb_link() -> String {
    use base64::Engine;
    let deflated = miniz_oxide::deflate::compress_to_vec_zlib(&vec![b' '; 256 << 20], 9);
    format!("z{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(deflated))
}

fn benches(c: &mut Criterion) {
    let mut g = c.benchmark_group("load");
    g.sample_size(20);
    let toml = too_many_steps();
    g.throughput(Throughput::Bytes(toml.len() as u64));
    g.bench_function("toml_1MiB_too_many_steps_refused", |b| b.iter(|| assert!(parse_toml(&toml).is_err())));
    let json = max_steps_json();
    g.throughput(Throughput::Bytes(json.len() as u64));
    g.bench_function("json_20000_steps_accepted", |b| b.iter(|| parse_json(&json).unwrap()));
    let deep = deep_json();
    g.throughput(Throughput::Bytes(deep.len() as u64));
    g.bench_function("json_1MiB_deep_nesting_refused", |b| b.iter(|| assert!(parse_json(&deep).is_err())));
    let bomb = bomb_link();
    g.throughput(Throughput::Bytes(bomb.len() as u64));
    g.bench_function("link_256MiB_zip_bomb_refused", |b| b.iter(|| assert!(codec::decode(&bomb).is_err())));
    g.finish();
}

criterion_group!(load, benches);
criterion_main!(load);
