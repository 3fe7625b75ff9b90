//! What can go wrong: a program that does not compile, and a task that fails at run time.

use std::fmt;

/// A program refused before it runs, shown as `file:line:col: message`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompileError {
    pub file: String,
    pub line: u32,
    pub col: u32,
    pub message: String,
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.col, self.message
        )
    }
}

impl std::error::Error for CompileError {}

/// Why a task stopped with an error. Only [`ErrorKind::Watchdog`] cannot be caught by a
/// script's `try`/`catch`; the others behave like any thrown error until nothing catches them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// `throw`, a failed built-in, a native's error: the message is what Squirrel prints.
    Runtime,
    /// The task executed more instructions than [`crate::Limits::task_instructions`].
    Watchdog,
    /// The heap would grow past [`crate::Limits::heap_bytes`].
    Memory,
    /// Calls nested deeper than [`crate::Limits::call_depth`].
    CallDepth,
}

/// One frame of the call stack at the point of an error, innermost first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StackFrame {
    /// The function's name (`"main"` for the top level, `"unknown"` for anonymous functions).
    pub function: String,
    pub file: String,
    pub line: u32,
}

/// An error no script caught: the task that raised it is over.
#[derive(Clone, Debug, PartialEq)]
pub struct RuntimeError {
    pub kind: ErrorKind,
    /// The message as Squirrel prints it, e.g. `the index 'x' does not exist`; for a thrown
    /// non-string value, its `tostring()`.
    pub message: String,
    /// Where the error was raised: the innermost script frame's file and line.
    pub file: String,
    pub line: u32,
    /// Innermost first.
    pub stack: Vec<StackFrame>,
}

impl fmt::Display for RuntimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)?;
        for frame in &self.stack {
            write!(
                f,
                "\n  at {} ({}:{})",
                frame.function, frame.file, frame.line
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for RuntimeError {}
