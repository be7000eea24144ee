//! End-to-end tests: the `tiaoli` command (`cli`, `robust`'s `cli_*` tests) and the
//! library's public API (`library`, `drafts`, `robust`), sharing the fixtures in `helpers`.

#![allow(clippy::unwrap_used, clippy::panic)]

mod cli;
mod drafts;
mod helpers;
mod library;
mod robust;
