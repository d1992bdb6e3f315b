//! Rebuilds the crate when the embedded corpus changes.
fn main() {
    println!("cargo:rerun-if-changed=../../corpus");
}
