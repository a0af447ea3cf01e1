//! Encore's task runner (see ARCHITECTURE.md).

fn main() {}
