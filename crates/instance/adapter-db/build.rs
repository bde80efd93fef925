//! The migrations are embedded at compile time (`embed_migrations!`); cargo does not know the
//! macro reads them, so a changed or added migration would not rebuild this crate without this.
fn main() {
    println!("cargo::rerun-if-changed=../../../migrations/instance");
}
