//! The trace as CSV for spreadsheets: one row per entry, the §11 fields plus the snapshot.

use impnet_core::trace::{Line, Outcome, Ret, Trace};

pub const HEADER: &str = "t_ms,kind,name,step,iter,handler,ret,error,blocked_ms,msg,reason,bytes,packets,rule,conn,squirrel,capacity,unsent,in_flight,rwnd,why";

fn quote(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

pub fn trace_csv(trace: &Trace) -> String {
    let mut out = String::from(HEADER);
    out.push('\n');
    for e in &trace.entries {
        let s = &e.state;
        let mut row: Vec<String> = vec![e.t.as_ms_number().to_string()];
        match &e.line {
            Line::Call(c) => {
                let (ret, err) = match &c.outcome {
                    Outcome::Returned(Ret::Int(i)) => (i.to_string(), String::new()),
                    Outcome::Returned(Ret::Bool(b)) => (b.to_string(), String::new()),
                    Outcome::Returned(Ret::Null) => ("null".into(), String::new()),
                    Outcome::Error(e) => (String::new(), e.clone()),
                };
                row.extend([
                    "call".into(),
                    c.call.as_str().into(),
                    c.step.to_string(),
                    c.iter.to_string(),
                    opt(c.handler.map(|h| h.as_str())),
                    ret,
                    err,
                    c.blocked.as_ms_number().to_string(),
                    opt(c.msg),
                    String::new(),
                    String::new(),
                    String::new(),
                    c.rule.id().into(),
                ]);
            }
            Line::Event(ev) => row.extend([
                "event".into(),
                ev.event.as_str().into(),
                String::new(),
                String::new(),
                opt(ev.handler.map(|h| h.as_str())),
                String::new(),
                String::new(),
                String::new(),
                opt(ev.msg),
                opt(ev.reason.map(|r| r.code())),
                opt(ev.bytes),
                opt(ev.packets),
                ev.rule.id().into(),
            ]),
        }
        row.extend([
            opt(s.conn.map(|c| c.as_str())),
            opt(s.squirrel.map(|q| format!("{q:?}"))),
            s.capacity.to_string(),
            s.unsent.to_string(),
            s.in_flight.to_string(),
            s.rwnd.to_string(),
        ]);
        let why = match &e.line {
            Line::Call(c) => c.why.as_str(),
            Line::Event(ev) => ev.why.as_str(),
        };
        row.push(why.into());
        let row: Vec<String> = row.iter().map(|f| quote(f)).collect();
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logic::fixtures::*;

    #[test]
    fn spec_11_one_row_per_line_with_every_column() {
        let t = small_trace();
        let csv = trace_csv(&t);
        let rows: Vec<&str> = csv.lines().collect();
        assert_eq!(rows.len(), t.entries.len() + 1);
        let cols = HEADER.split(',').count();
        assert_eq!(rows[4].split(',').count(), cols, "{}", rows[4]);
        assert!(rows[4].starts_with("1800,call,server.log,0,0,,4,,0,"), "{}", rows[4]);
    }

    #[test]
    fn fields_with_commas_and_quotes_are_quoted() {
        let mut t = small_trace();
        if let impnet_core::trace::Line::Call(c) = &mut t.entries[1].line {
            c.why = "1 041 bytes, \"fits\"".into();
        }
        let csv = trace_csv(&t);
        assert!(csv.lines().nth(2).unwrap().ends_with("\"1 041 bytes, \"\"fits\"\"\""));
    }
}
