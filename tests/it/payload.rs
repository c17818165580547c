//! Payload sizes, framing and encodings: the arithmetic hot-path lengths must equal the
//! real prost / serde_json encodings for every kind.

use msgflow::payload::{
    body_len, grpc_frame, hex, inspect, pb, wire_len, Encoding, PayloadKind, PayloadView,
};
use prost::Message;
use serde_json::Value;

const KINDS: [PayloadKind; 4] = [
    PayloadKind::OrderRequest,
    PayloadKind::OrderReply,
    PayloadKind::OrderPlaced,
    PayloadKind::Ack,
];

/// Message ids covering every SKU/status/quantity combination plus varint and digit boundaries.
fn ids() -> Vec<u64> {
    let mut ids: Vec<u64> = (0..600).collect();
    for shift in [7u32, 14, 21, 28, 35, 42, 49, 56, 63] {
        let p = 1u64 << shift;
        ids.extend([p - 1, p, p + 1]);
    }
    let mut p = 1u64;
    while let Some(next) = p.checked_mul(10) {
        ids.extend([p - 1, p, p + 13]);
        p = next;
    }
    ids.extend([u64::MAX / 250, u64::MAX / 250 + 1, u64::MAX - 1, u64::MAX]);
    ids
}

/// Keys covering zero, varint and digit boundaries, and wrap-around of `1000 + key`.
fn keys() -> Vec<u32> {
    vec![
        0,
        1,
        2,
        9,
        10,
        127,
        128,
        999,
        16_383,
        16_384,
        99_999,
        2_097_151,
        2_097_152,
        268_435_455,
        268_435_456,
        u32::MAX - 1_000,
        u32::MAX - 999,
        u32::MAX - 998,
        u32::MAX,
    ]
}

/// Decodes `view.proto_bytes` with prost, re-encodes, and returns the inspector rows it implies.
fn decoded_fields(kind: PayloadKind, view: &PayloadView) -> Vec<(String, String)> {
    fn row(name: &str, value: impl ToString) -> (String, String) {
        (name.to_owned(), value.to_string())
    }
    let bytes = view.proto_bytes.as_slice();
    match kind {
        PayloadKind::OrderRequest => {
            let m = pb::PlaceOrderRequest::decode(bytes).unwrap();
            assert_eq!(m.encoded_len(), bytes.len());
            assert_eq!(m.encode_to_vec(), bytes);
            vec![
                row("order_id", m.order_id),
                row("customer_id", m.customer_id),
                row("sku", &m.sku),
                row("quantity", m.quantity),
                row("unit_price_cents", m.unit_price_cents),
                row("currency", &m.currency),
            ]
        }
        PayloadKind::OrderReply => {
            let m = pb::PlaceOrderReply::decode(bytes).unwrap();
            assert_eq!(m.encoded_len(), bytes.len());
            assert_eq!(m.encode_to_vec(), bytes);
            vec![
                row("order_id", m.order_id),
                row("status", m.status().as_str_name()),
                row("total_cents", m.total_cents),
                row("eta_seconds", m.eta_seconds),
            ]
        }
        PayloadKind::OrderPlaced => {
            let m = pb::OrderPlaced::decode(bytes).unwrap();
            assert_eq!(m.encoded_len(), bytes.len());
            assert_eq!(m.encode_to_vec(), bytes);
            vec![
                row("order_id", m.order_id),
                row("customer_id", m.customer_id),
                row("total_cents", m.total_cents),
                row("placed_at_unix_ms", m.placed_at_unix_ms),
                row("partition_key", &m.partition_key),
            ]
        }
        PayloadKind::Ack => {
            let m = pb::Ack::decode(bytes).unwrap();
            assert_eq!(m.encoded_len(), bytes.len());
            assert_eq!(m.encode_to_vec(), bytes);
            vec![
                row("message_id", m.message_id),
                row("key", m.key),
                row("ok", m.ok),
            ]
        }
    }
}

/// lowerCamelCase JSON name of a proto field name.
fn camel(name: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn arithmetic_lengths_equal_real_encodings() {
    for kind in KINDS {
        for &id in &ids() {
            for &key in &keys() {
                let view = inspect(kind, id, key, false);
                let ctx = format!("{kind:?} id={id} key={key}");
                assert_eq!(view.proto_len, view.proto_bytes.len(), "{ctx}");
                assert_eq!(view.json_len, view.json.len(), "{ctx}");
                assert_eq!(
                    body_len(kind, Encoding::Protobuf, id, key) as usize,
                    view.proto_len,
                    "protobuf {ctx}"
                );
                assert_eq!(
                    body_len(kind, Encoding::Json, id, key) as usize,
                    view.json_len,
                    "json {ctx}: {}",
                    view.json
                );
            }
        }
    }
}

#[test]
fn decoded_protobuf_matches_inspector_fields() {
    for kind in KINDS {
        for &id in &ids() {
            for &key in &[0, 7, 4_242, u32::MAX] {
                let view = inspect(kind, id, key, false);
                assert_eq!(
                    decoded_fields(kind, &view),
                    view.fields,
                    "{kind:?} id={id} key={key}"
                );
            }
        }
    }
}

#[test]
fn json_follows_proto3_canonical_mapping() {
    for kind in KINDS {
        for id in [1u64, 13, 42, 1 << 40, u64::MAX] {
            let view = inspect(kind, id, 7, false);
            let obj: serde_json::Map<String, Value> = serde_json::from_str(&view.json).unwrap();
            // Compact: re-serialising the parsed object gives the same number of bytes.
            assert_eq!(serde_json::to_vec(&obj).unwrap().len(), view.json_len);
            // Every (non-default) field appears under its lowerCamelCase name with the same value.
            assert_eq!(obj.len(), view.fields.len(), "{}", view.json);
            for (name, value) in &view.fields {
                let got = obj
                    .get(&camel(name))
                    .unwrap_or_else(|| panic!("{} missing in {}", camel(name), view.json));
                match got {
                    Value::String(s) => assert_eq!(s, value),
                    Value::Number(n) => assert_eq!(&n.to_string(), value),
                    Value::Bool(b) => assert_eq!(&b.to_string(), value),
                    other => panic!("unexpected JSON value {other}"),
                }
            }
        }
    }
    // uint64 is a string, uint32 a number, enums by name.
    let reply: Value =
        serde_json::from_str(&inspect(PayloadKind::OrderReply, 42, 7, false).json).unwrap();
    assert_eq!(reply["orderId"], Value::String("42".into()));
    assert_eq!(
        reply["status"],
        Value::String("ORDER_STATUS_ACCEPTED".into())
    );
    assert!(reply["etaSeconds"].is_u64());
    let req: Value =
        serde_json::from_str(&inspect(PayloadKind::OrderRequest, 42, 7, false).json).unwrap();
    assert_eq!(req["customerId"], Value::from(1007));
    assert!(req["unitPriceCents"].is_string());
}

#[test]
fn proto3_defaults_are_omitted_in_both_encodings() {
    // msg_id 0 and key 0: order_id / message_id / key are default and not sent.
    let ack = inspect(PayloadKind::Ack, 0, 0, false);
    assert_eq!(ack.proto_bytes, vec![0x18, 0x01]);
    assert_eq!(ack.json, r#"{"ok":true}"#);
    assert_eq!(body_len(PayloadKind::Ack, Encoding::Protobuf, 0, 0), 2);
    assert_eq!(body_len(PayloadKind::Ack, Encoding::Json, 0, 0), 11);
    let req = inspect(PayloadKind::OrderRequest, 0, 0, false);
    assert!(!req.json.contains("orderId"));
    assert_eq!(
        req.proto_bytes[0], 0x10,
        "first field on the wire is customer_id"
    );
}

#[test]
fn wire_len_adds_grpc_header() {
    for kind in KINDS {
        for encoding in [Encoding::Protobuf, Encoding::Json] {
            for id in [0u64, 5, 1_000_000] {
                let body = body_len(kind, encoding, id, 3);
                assert_eq!(wire_len(kind, encoding, id, 3, false), body);
                assert_eq!(wire_len(kind, encoding, id, 3, true), body + 5);
            }
        }
    }
}

#[test]
fn grpc_frame_header_is_flag_then_big_endian_length() {
    assert_eq!(grpc_frame(&[]), vec![0, 0, 0, 0, 0]);
    assert_eq!(grpc_frame(&[0xab, 0xcd]), vec![0, 0, 0, 0, 2, 0xab, 0xcd]);
    let body = vec![7u8; 300];
    let frame = grpc_frame(&body);
    assert_eq!(&frame[..5], &[0, 0, 0, 0x01, 0x2c]);
    assert_eq!(&frame[5..], body.as_slice());
    let body = vec![1u8; 0x0102_0304];
    assert_eq!(&grpc_frame(&body)[..5], &[0, 1, 2, 3, 4]);

    for kind in KINDS {
        let view = inspect(kind, 42, 7, true);
        let frame = view.grpc_frame.clone().expect("grpc frame requested");
        assert_eq!(frame.len(), view.proto_len + 5);
        assert_eq!(frame[0], 0, "uncompressed");
        let len = u32::from_be_bytes(frame[1..5].try_into().unwrap());
        assert_eq!(len as usize, view.proto_len);
        assert_eq!(&frame[5..], view.proto_bytes.as_slice());
        assert_eq!(
            wire_len(kind, Encoding::Protobuf, 42, 7, true) as usize,
            frame.len()
        );
        assert_eq!(inspect(kind, 42, 7, false).grpc_frame, None);
    }
}

#[test]
fn hex_is_lowercase_space_separated() {
    assert_eq!(hex(&[]), "");
    assert_eq!(hex(&[0x0a]), "0a");
    assert_eq!(hex(&[0x0a, 0x08, 0xff, 0x00, 0xab]), "0a 08 ff 00 ab");
    let view = inspect(PayloadKind::Ack, 42, 7, false);
    assert_eq!(hex(&view.proto_bytes), "08 2a 10 07 18 01");
    assert_eq!(hex(&view.proto_bytes).len(), view.proto_len * 3 - 1);
}

#[test]
fn protobuf_is_smaller_than_json() {
    for kind in KINDS {
        for &id in &ids() {
            for &key in &keys() {
                let pb = body_len(kind, Encoding::Protobuf, id, key);
                let json = body_len(kind, Encoding::Json, id, key);
                assert!(pb < json, "{kind:?} id={id} key={key}: {pb} >= {json}");
            }
        }
    }
}

#[test]
fn payloads_are_deterministic_and_named() {
    let names = [
        "msgflow.orders.PlaceOrderRequest",
        "msgflow.orders.PlaceOrderReply",
        "msgflow.orders.OrderPlaced",
        "msgflow.orders.Ack",
    ];
    for (kind, name) in KINDS.into_iter().zip(names) {
        let a = inspect(kind, 123, 45, true);
        assert_eq!(a, inspect(kind, 123, 45, true));
        assert_eq!(a.type_name, name);
        assert_ne!(a.proto_bytes, inspect(kind, 124, 45, true).proto_bytes);
    }
    let req = inspect(PayloadKind::OrderRequest, 42, 7, false);
    let field = |n: &str| req.fields.iter().find(|(k, _)| k == n).unwrap().1.clone();
    assert_eq!(field("order_id"), "42");
    assert_eq!(field("customer_id"), "1007");
    assert_eq!(field("quantity"), "3");
    let placed = inspect(PayloadKind::OrderPlaced, 42, 7, false);
    assert_eq!(placed.fields[4].1, "customer-1007");
}

#[test]
fn encoding_defaults_and_serde_names() {
    assert_eq!(Encoding::default(), Encoding::Protobuf);
    assert_eq!(
        serde_json::to_string(&Encoding::Protobuf).unwrap(),
        "\"protobuf\""
    );
    assert_eq!(
        serde_json::from_str::<Encoding>("\"json\"").unwrap(),
        Encoding::Json
    );
}
