//! `format(fmt, ...)`: C's printf conversions as Squirrel's string library accepts them
//! (`%d %i %u %c %o %x %X %e %E %f %g %G %s %%`, flags `-+ #0`, width and precision of at
//! most two digits each, no `*`).

use crate::heap::Heap;
use crate::ops::{self, fmt_g};
use crate::value::Value;

#[derive(Default)]
struct Spec {
    left: bool,
    plus: bool,
    space: bool,
    alt: bool,
    zero: bool,
    width: usize,
    precision: Option<usize>,
}

pub fn format(heap: &Heap, fmt: &[u8], args: &[Value]) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(fmt.len());
    let mut next = 0usize;
    let mut i = 0;
    while i < fmt.len() {
        let c = fmt[i];
        i += 1;
        if c != b'%' {
            out.push(c);
            continue;
        }
        if fmt.get(i) == Some(&b'%') {
            out.push(b'%');
            i += 1;
            continue;
        }
        let mut spec = Spec::default();
        while let Some(&f) = fmt.get(i) {
            match f {
                b'-' => spec.left = true,
                b'+' => spec.plus = true,
                b' ' => spec.space = true,
                b'#' => spec.alt = true,
                b'0' => spec.zero = true,
                _ => break,
            }
            i += 1;
        }
        let digits = |i: &mut usize, what: &str| -> Result<usize, String> {
            let start = *i;
            while fmt.get(*i).is_some_and(|d| d.is_ascii_digit()) {
                *i += 1;
            }
            if *i - start > 2 {
                return Err(format!("{what} format too long"));
            }
            Ok(std::str::from_utf8(&fmt[start..*i])
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(0))
        };
        spec.width = digits(&mut i, "width")?;
        if fmt.get(i) == Some(&b'.') {
            i += 1;
            spec.precision = Some(digits(&mut i, "precision")?);
        }
        let Some(&conv) = fmt.get(i) else {
            return Err("invalid format".into());
        };
        i += 1;
        let arg = *args
            .get(next)
            .ok_or_else(|| "wrong number of parameters".to_string())?;
        next += 1;
        let body: (Vec<u8>, bool) = match conv {
            b'd' | b'i' => {
                let n = int_of(arg, conv)? as i64;
                (signed(n.unsigned_abs().to_string(), n < 0, &spec), true)
            }
            b'u' => (int_of(arg, conv)? as u32 as u64)
                .to_string()
                .into_bytes()
                .pipe(|s| (s, true)),
            b'o' => {
                let n = int_of(arg, conv)? as u32;
                let s = format!("{}{:o}", if spec.alt && n != 0 { "0" } else { "" }, n);
                (s.into_bytes(), true)
            }
            b'x' | b'X' => {
                let n = int_of(arg, conv)? as u32;
                let mut s = format!("{n:x}");
                if spec.alt && n != 0 {
                    s.insert_str(0, "0x");
                }
                if conv == b'X' {
                    // ASCII, as C's printf: str::to_uppercase would bring core's Unicode tables.
                    s.make_ascii_uppercase();
                }
                (s.into_bytes(), true)
            }
            b'c' => (vec![int_of(arg, conv)? as u8], false),
            b'f' | b'F' | b'e' | b'E' | b'g' | b'G' => {
                let x = arg.as_float().ok_or_else(|| invalid(arg, conv))? as f64;
                let p = spec.precision.unwrap_or(6);
                let s = match conv {
                    b'f' | b'F' => format!("{:.*}", p, x.abs()),
                    b'e' | b'E' => c_exp(x.abs(), p),
                    _ => fmt_g(x.abs(), if p == 0 { 1 } else { p }, spec.alt),
                };
                let mut s = s;
                if conv.is_ascii_uppercase() {
                    s.make_ascii_uppercase();
                }
                (
                    signed(s, x.is_sign_negative() && x != 0.0 || x < 0.0, &spec),
                    true,
                )
            }
            b's' => {
                let mut s = ops::to_bytes(heap, arg);
                if let Some(p) = spec.precision {
                    s.truncate(p);
                }
                (s, false)
            }
            other => return Err(format!("invalid format '%{}'", other as char)),
        };
        let (s, numeric) = body;
        let pad = spec.width.saturating_sub(s.len());
        if spec.left {
            out.extend_from_slice(&s);
            out.extend(std::iter::repeat_n(b' ', pad));
        } else if spec.zero
            && numeric
            && spec
                .precision
                .is_none_or(|_| matches!(conv, b'f' | b'F' | b'e' | b'E' | b'g' | b'G'))
        {
            // Zeros go after the sign.
            let sign = usize::from(matches!(s.first(), Some(b'-' | b'+' | b' ')));
            out.extend_from_slice(&s[..sign]);
            out.extend(std::iter::repeat_n(b'0', pad));
            out.extend_from_slice(&s[sign..]);
        } else {
            out.extend(std::iter::repeat_n(b' ', pad));
            out.extend_from_slice(&s);
        }
    }
    Ok(out)
}

trait Pipe: Sized {
    fn pipe<T>(self, f: impl FnOnce(Self) -> T) -> T {
        f(self)
    }
}
impl<T> Pipe for T {}

fn invalid(arg: Value, conv: u8) -> String {
    format!(
        "invalid parameter type '{}' for format '%{}'",
        arg.type_name(),
        conv as char
    )
}

fn int_of(arg: Value, conv: u8) -> Result<i32, String> {
    match arg {
        Value::Int(i) => Ok(i),
        Value::Float(f) => Ok(f as i32),
        Value::Bool(b) => Ok(b as i32),
        _ => Err(invalid(arg, conv)),
    }
}

fn signed(digits: String, negative: bool, spec: &Spec) -> Vec<u8> {
    let sign = if negative {
        "-"
    } else if spec.plus {
        "+"
    } else if spec.space {
        " "
    } else {
        ""
    };
    format!("{sign}{digits}").into_bytes()
}

/// C's `%e`: at least two exponent digits.
fn c_exp(x: f64, p: usize) -> String {
    let s = format!("{:.*e}", p, x);
    let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
    let e: i32 = e.parse().unwrap_or(0);
    format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
}
