//! Compiles `proto/orders.proto` and `proto/share.proto` with the pure-Rust `protox`
//! compiler (no system `protoc` needed) and generates prost types into
//! `OUT_DIR/msgflow.orders.rs` and `OUT_DIR/msgflow.share.rs`.

fn main() {
    println!("cargo:rerun-if-changed=proto");
    let fds = protox::compile(["proto/orders.proto", "proto/share.proto"], ["proto"])
        .unwrap_or_else(|e| panic!("failed to compile the protos: {e:?}"));
    prost_build::Config::new()
        .compile_fds(fds)
        .unwrap_or_else(|e| panic!("failed to generate Rust code from protos: {e}"));
}
