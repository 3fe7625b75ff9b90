//! T2's golden table, like smoltcp's netsim: goodput at zero loss for buffer × RTT. Each cell
//! must land within 0.90–1.00 of min(uplink, buffer / RTT); the table is snapshotted.
use impnet_core::scenario::{Arg, Call, Scenario, Step};
use impnet_core::{run, RunOptions};

const UPLINK: u64 = 250_000;

fn goodput(buffer: u32, rtt_ms: u64) -> f64 {
    let mut sc = Scenario::default();
    sc.network.rtt_ms = rtt_ms;
    sc.network.uplink_bps = UPLINK;
    let mut grow = Step::new(Call::SetSendBufferSize { size: Arg::Int(buffer as i64) });
    grow.repeat = 1;
    // 1.6 MB in 4000-byte messages (4041 on the wire): the last round trip, which carries no
    // new data, is then a few per cent of the run even where the uplink is the bound.
    let mut data = Step::new(Call::AgentSend { name: "data".into(), bytes: 4000 });
    data.repeat = 400;
    sc.steps = vec![grow, data];
    let t = run(&sc, &RunOptions { seed: None, summary_only: true }).expect("run");
    assert_eq!(t.summary.acked_msgs, 400);
    t.summary.goodput_bps
}

#[test]
fn t2_goodput_table_buffer_by_rtt() {
    let mut table = String::from("buffer  rtt_ms  bound_Bps  goodput_Bps  ratio\n");
    for buffer in [3456u32, 8192, 16384, 30720] {
        for rtt in [50u64, 100, 200] {
            let bound = (UPLINK as f64).min(buffer as f64 / (rtt as f64 / 1000.0));
            let g = goodput(buffer, rtt);
            let ratio = g / bound;
            assert!((0.90..=1.00).contains(&ratio), "buffer {buffer} rtt {rtt}: goodput {g:.0} vs bound {bound:.0}");
            table.push_str(&format!("{buffer:>6}  {rtt:>6}  {bound:>9.0}  {g:>11.0}  {ratio:.3}\n"));
        }
    }
    insta::assert_snapshot!(table);
}
