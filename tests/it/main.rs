//! Workspace tests: one binary, so the workspace links once.

#![allow(clippy::unwrap_used, clippy::panic)]

mod cli;
mod drafts;
mod helpers;
mod library;
mod robust;
