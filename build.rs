//! Compiles `proto/orders.proto` with the pure-Rust `protox` compiler (no system
//! `protoc` needed) and generates prost types into `OUT_DIR/msgflow.orders.rs`.

fn main() {
    println!("cargo:rerun-if-changed=proto");
    let fds = protox::compile(["proto/orders.proto"], ["proto"])
        .unwrap_or_else(|e| panic!("failed to compile proto/orders.proto: {e:?}"));
    prost_build::Config::new()
        .compile_fds(fds)
        .unwrap_or_else(|e| panic!("failed to generate Rust code from protos: {e}"));
}
