//! One screen per file.

mod welcome;

pub use welcome::Welcome;
