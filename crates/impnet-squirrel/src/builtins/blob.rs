//! `blob(n)` and its methods: a byte buffer with a cursor, little-endian like the imp.

use super::{arity, bad_type, int_arg, natives, str_arg, R};
use crate::host::{Cx, Interrupt, Parked};
use crate::machine::Machine;
use crate::value::{GcRef, Value};

pub(crate) fn install(vm: &mut Machine) {
    let root = vm.root();
    natives!(vm, root, {
        "blob" => |ctx: &mut Cx<'_>, args: &[Value]| -> R {
            arity(args, 0, 1)?;
            let n = if args.is_empty() { 0 } else { int_arg(args, 0)? };
            let n = usize::try_from(n).map_err(|_| Interrupt::Error("cannot create blob with negative size".into()))?;
            if n > ctx.heap.room() {
                return Err(Interrupt::OutOfMemory);
            }
            ctx.charge_bytes(n)?;
            Ok(ctx.heap.new_blob(vec![0; n])?)
        },
    });
    let blob = Value::Table(vm.delegates.blob);
    natives!(vm, blob, {
        "len" => |ctx: &mut Cx<'_>, args: &[Value]| -> R {
            arity(args, 0, 0)?;
            Ok(Value::Int(ctx.heap.blob(this(ctx)?).data.len() as i32))
        },
        "tell" => |ctx: &mut Cx<'_>, args: &[Value]| -> R {
            arity(args, 0, 0)?;
            Ok(Value::Int(ctx.heap.blob(this(ctx)?).pos as i32))
        },
        "eos" => |ctx: &mut Cx<'_>, args: &[Value]| -> R {
            arity(args, 0, 0)?;
            let b = ctx.heap.blob(this(ctx)?);
            Ok(Value::Bool(b.pos >= b.data.len()))
        },
        "seek" => |ctx: &mut Cx<'_>, args: &[Value]| -> R {
            arity(args, 1, 2)?;
            let r = this(ctx)?;
            let offset = int_arg(args, 0)? as i64;
            let origin = if args.len() > 1 { int_arg(args, 1)? as u8 } else { b'b' };
            let b = ctx.heap.blob(r);
            let at = match origin {
                b'b' => offset,
                b'c' => b.pos as i64 + offset,
                b'e' => b.data.len() as i64 + offset,
                _ => return Err(Interrupt::Error("invalid origin".into())),
            };
            if at < 0 || at > b.data.len() as i64 {
                return Err(Interrupt::Error("seek failed".into()));
            }
            ctx.heap.blob_edit(r, |b| b.pos = at as usize)?;
            Ok(Value::Null)
        },
        "resize" => |ctx: &mut Cx<'_>, args: &[Value]| -> R {
            arity(args, 1, 1)?;
            let r = this(ctx)?;
            let n = usize::try_from(int_arg(args, 0)?).map_err(|_| Interrupt::Error("negative size".into()))?;
            let grow = n.saturating_sub(ctx.heap.blob(r).data.len());
            ctx.heap.ensure_room(grow)?;
            ctx.charge_bytes(grow)?;
            ctx.heap.blob_resize(r, n)?;
            Ok(Value::Null)
        },
        "readn" => |ctx: &mut Cx<'_>, args: &[Value]| -> R {
            arity(args, 1, 1)?;
            let r = this(ctx)?;
            let kind = int_arg(args, 0)? as u8;
            let size = width(kind)?;
            let b = ctx.heap.blob(r);
            let bytes = b.data.get(b.pos..b.pos + size).ok_or_else(|| Interrupt::Error("io error".into()))?;
            let v = decode(kind, bytes);
            ctx.heap.blob_edit(r, |b| b.pos += size)?;
            Ok(v)
        },
        "writen" => |ctx: &mut Cx<'_>, args: &[Value]| -> R {
            arity(args, 2, 2)?;
            let r = this(ctx)?;
            let kind = int_arg(args, 1)? as u8;
            let bytes = encode(kind, args[0])?;
            write(ctx, r, &bytes)?;
            Ok(Value::Null)
        },
        "readblob" => |ctx: &mut Cx<'_>, args: &[Value]| -> R {
            arity(args, 1, 1)?;
            let r = this(ctx)?;
            let n = usize::try_from(int_arg(args, 0)?).unwrap_or(0);
            let b = ctx.heap.blob(r);
            let end = (b.pos + n).min(b.data.len());
            ctx.charge_bytes(end - ctx.heap.blob(r).pos)?;
            let b = ctx.heap.blob(r);
            let data = b.data[b.pos..end].to_vec();
            ctx.heap.blob_edit(r, |b| b.pos = end)?;
            Ok(ctx.heap.new_blob(data)?)
        },
        "writeblob" => |ctx: &mut Cx<'_>, args: &[Value]| -> R {
            arity(args, 1, 1)?;
            let r = this(ctx)?;
            let Value::Blob(src) = args[0] else { return Err(bad_type(0, args[0], "blob")) };
            ctx.charge_bytes(ctx.heap.blob(src).data.len())?;
            let data = ctx.heap.blob(src).data.clone();
            write(ctx, r, &data)?;
            Ok(Value::Null)
        },
        "readstring" => |ctx: &mut Cx<'_>, args: &[Value]| -> R {
            arity(args, 1, 1)?;
            let r = this(ctx)?;
            let n = usize::try_from(int_arg(args, 0)?).unwrap_or(0);
            let b = ctx.heap.blob(r);
            let end = (b.pos + n).min(b.data.len());
            ctx.charge_bytes(end - ctx.heap.blob(r).pos)?;
            let b = ctx.heap.blob(r);
            let data = b.data[b.pos..end].to_vec();
            ctx.heap.blob_edit(r, |b| b.pos = end)?;
            Ok(ctx.heap.string(&data)?)
        },
        "writestring" => |ctx: &mut Cx<'_>, args: &[Value]| -> R {
            arity(args, 1, 1)?;
            let r = this(ctx)?;
            ctx.charge_bytes(str_arg(ctx.heap, args, 0)?.len())?;
            let data = str_arg(ctx.heap, args, 0)?.to_vec();
            write(ctx, r, &data)?;
            Ok(Value::Null)
        },
        // impOS: the blob's bytes as a string.
        "tostring" => |ctx: &mut Cx<'_>, args: &[Value]| -> R {
            arity(args, 0, 0)?;
            ctx.charge_bytes(ctx.heap.blob(this(ctx)?).data.len())?;
            let data = ctx.heap.blob(this(ctx)?).data.clone();
            Ok(ctx.heap.string(&data)?)
        },
    });
}

fn this(ctx: &Cx<'_>) -> Result<GcRef, Interrupt<Parked>> {
    match ctx.this() {
        Value::Blob(r) => Ok(r),
        v => Err(bad_type(0, v, "blob")),
    }
}

/// Writes at the cursor, growing the blob as needed.
fn write(ctx: &mut Cx<'_>, r: GcRef, bytes: &[u8]) -> Result<(), Interrupt<Parked>> {
    let b = ctx.heap.blob(r);
    let end = b.pos + bytes.len();
    if end > b.data.len() && end - b.data.len() > ctx.heap.room() {
        return Err(Interrupt::OutOfMemory);
    }
    ctx.heap.blob_edit(r, |b| {
        if end > b.data.len() {
            b.data.resize(end, 0);
        }
        b.data[b.pos..end].copy_from_slice(bytes);
        b.pos = end;
    })?;
    Ok(())
}

fn width<S>(kind: u8) -> Result<usize, Interrupt<S>> {
    Ok(match kind {
        b'c' | b'b' => 1,
        b's' | b'w' => 2,
        b'i' | b'f' => 4,
        b'l' | b'd' => 8,
        _ => return Err(Interrupt::Error("invalid type".into())),
    })
}

fn decode(kind: u8, b: &[u8]) -> Value {
    let arr = |n: usize| {
        let mut a = [0u8; 8];
        a[..n].copy_from_slice(&b[..n]);
        a
    };
    match kind {
        b'c' => Value::Int(b[0] as i8 as i32),
        b'b' => Value::Int(b[0] as i32),
        b's' => Value::Int(i16::from_le_bytes([b[0], b[1]]) as i32),
        b'w' => Value::Int(u16::from_le_bytes([b[0], b[1]]) as i32),
        b'i' => Value::Int(i32::from_le_bytes([b[0], b[1], b[2], b[3]])),
        b'f' => Value::Float(f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
        b'l' => Value::Int(i64::from_le_bytes(arr(8)) as i32),
        _ => Value::Float(f64::from_le_bytes(arr(8)) as f32),
    }
}

fn encode<S>(kind: u8, v: Value) -> Result<Vec<u8>, Interrupt<S>> {
    let i = v.as_int().ok_or_else(|| bad_type(0, v, "integer|float"))?;
    let f = v.as_float().unwrap_or(0.0);
    Ok(match kind {
        b'c' | b'b' => vec![i as u8],
        b's' | b'w' => (i as u16).to_le_bytes().to_vec(),
        b'i' => i.to_le_bytes().to_vec(),
        b'f' => f.to_le_bytes().to_vec(),
        b'l' => (i as i64).to_le_bytes().to_vec(),
        b'd' => (f as f64).to_le_bytes().to_vec(),
        _ => return Err(Interrupt::Error("invalid type".into())),
    })
}
