//! Integration tests of the report crate (public API only).

mod console;
mod diff;
mod fixture;
mod format;
mod html;
mod json;
mod junit;
mod markdown;
mod merge;
