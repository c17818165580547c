//! Real order-service payloads whose encoded sizes drive the simulator's bandwidth delays.
//!
//! Every payload is a pure function of `(kind, msg_id, key)`: no randomness, no clocks and
//! no floating point. [`body_len`] is on the hot path (called for every simulated message),
//! so it computes protobuf and JSON sizes arithmetically without allocating; [`inspect`]
//! builds the real prost message and the real `serde_json` text for the message inspector,
//! and the integration tests check that both always agree.

use prost::encoding::encoded_len_varint;
use prost::Message;
use serde::{Serialize, Serializer};

/// Prost types generated at build time from `proto/orders.proto` (package `msgflow.orders`).
#[allow(clippy::all, clippy::pedantic, missing_docs)]
pub mod pb {
    include!(concat!(env!("OUT_DIR"), "/msgflow.orders.rs"));
}

use pb::OrderStatus;

/// How a message body is serialised on the wire.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Encoding {
    /// Protobuf binary encoding (the gRPC default).
    #[default]
    Protobuf,
    /// Protobuf's canonical JSON mapping (lowerCamelCase names, 64-bit integers as strings).
    Json,
}

/// Which order-service message a simulated message carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PayloadKind {
    /// `PlaceOrderRequest`, the unary gRPC request.
    OrderRequest,
    /// `PlaceOrderReply`, the unary gRPC reply.
    OrderReply,
    /// `OrderPlaced`, the event published to the broker.
    OrderPlaced,
    /// `Ack`, a small acknowledgement.
    Ack,
}

/// Everything the message inspector shows about one payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PayloadView {
    /// Fully qualified protobuf message name, e.g. `msgflow.orders.PlaceOrderRequest`.
    pub type_name: &'static str,
    /// Field names (as in the `.proto`) and their values, in field-number order.
    pub fields: Vec<(String, String)>,
    /// The protobuf encoding of the message body.
    pub proto_bytes: Vec<u8>,
    /// The gRPC length-prefixed frame (5-byte header + `proto_bytes`) when sent over gRPC.
    pub grpc_frame: Option<Vec<u8>>,
    /// The canonical JSON encoding of the message body.
    pub json: String,
    /// Length of `proto_bytes`.
    pub proto_len: usize,
    /// Length of `json` in bytes.
    pub json_len: usize,
}

/// Size of the gRPC frame header: 1-byte compressed flag plus 4-byte big-endian length.
const GRPC_HEADER_LEN: u32 = 5;

/// Catalogue of SKUs and unit prices (cents), picked by `msg_id % len`.
const SKUS: [(&str, u64); 7] = [
    ("KB-MECH-87", 8_999),
    ("MOUSE-PRO", 4_950),
    ("USB-C-HUB-7", 3_499),
    ("MON-27-4K", 32_900),
    ("DESK-LAMP", 2_499),
    ("CABLE-2M", 999),
    ("SSD-1TB", 7_450),
];

/// ISO 4217 currency codes, picked by `key % len`.
const CURRENCIES: [&str; 3] = ["USD", "EUR", "GBP"];

/// Simulated clock origin (2024-01-01T00:00:00Z in Unix milliseconds).
const SIM_EPOCH_MS: u64 = 1_704_067_200_000;

/// Simulated milliseconds between consecutive message ids.
const MS_PER_MSG: u64 = 250;

/// Prefix of the `OrderPlaced` partition key, followed by the decimal customer id.
const PARTITION_PREFIX: &str = "customer-";

/// Plain, allocation-free values from which every payload is built.
#[derive(Clone, Copy)]
struct Order {
    order_id: u64,
    customer_id: u32,
    sku: &'static str,
    quantity: u32,
    unit_price_cents: u64,
    currency: &'static str,
    total_cents: u64,
    status: OrderStatus,
    eta_seconds: u32,
    placed_at_unix_ms: u64,
}

/// Derives the order described by `(msg_id, key)` with integer arithmetic only.
#[inline]
fn order(msg_id: u64, key: u32) -> Order {
    let (sku, unit_price_cents) = SKUS[(msg_id % SKUS.len() as u64) as usize];
    let quantity = 1 + (msg_id % 5) as u32;
    let status = if msg_id % 16 == 13 {
        OrderStatus::Backordered
    } else {
        OrderStatus::Accepted
    };
    let eta_seconds = match status {
        OrderStatus::Backordered => 14 * 86_400,
        _ => 3_600 * (2 + ((msg_id % 70 + u64::from(key) % 70) % 70) as u32),
    };
    Order {
        order_id: msg_id,
        customer_id: 1_000u32.wrapping_add(key),
        sku,
        quantity,
        unit_price_cents,
        currency: CURRENCIES[(key % CURRENCIES.len() as u32) as usize],
        total_cents: unit_price_cents * u64::from(quantity),
        status,
        eta_seconds,
        placed_at_unix_ms: SIM_EPOCH_MS.wrapping_add(msg_id.wrapping_mul(MS_PER_MSG)),
    }
}

/// Number of decimal digits of `v`.
#[inline]
const fn dec_len(v: u64) -> usize {
    match v.checked_ilog10() {
        Some(d) => d as usize + 1,
        None => 1,
    }
}

/// Protobuf size of a varint field (uint32/uint64/enum); proto3 omits zero values.
#[inline]
const fn pb_varint(v: u64) -> usize {
    if v == 0 {
        0
    } else {
        1 + encoded_len_varint(v)
    }
}

/// Protobuf size of a string field of `len` bytes; proto3 omits empty strings.
#[inline]
const fn pb_str(len: usize) -> usize {
    if len == 0 {
        0
    } else {
        1 + encoded_len_varint(len as u64) + len
    }
}

/// Protobuf size of a bool field; proto3 omits `false`.
#[inline]
const fn pb_bool(b: bool) -> usize {
    if b {
        2
    } else {
        0
    }
}

/// Accumulates the length of a compact JSON object whose default-valued fields are omitted.
struct JsonLen {
    bytes: usize,
    fields: usize,
}

impl JsonLen {
    /// Starts an empty object.
    #[inline]
    const fn new() -> Self {
        Self {
            bytes: 0,
            fields: 0,
        }
    }

    /// Adds `"name":` followed by a value of `value_len` bytes.
    #[inline]
    fn field(&mut self, name: &str, value_len: usize) {
        self.bytes += name.len() + 3 + value_len;
        self.fields += 1;
    }

    /// Adds a uint64 field, which the proto3 JSON mapping writes as a quoted decimal string.
    #[inline]
    fn u64_str(&mut self, name: &str, v: u64) {
        if v != 0 {
            self.field(name, dec_len(v) + 2);
        }
    }

    /// Adds a uint32 field, written as a bare JSON number.
    #[inline]
    fn u32_num(&mut self, name: &str, v: u32) {
        if v != 0 {
            self.field(name, dec_len(u64::from(v)));
        }
    }

    /// Adds a string field of `len` bytes that needs no escaping.
    #[inline]
    fn string(&mut self, name: &str, len: usize) {
        if len != 0 {
            self.field(name, len + 2);
        }
    }

    /// Adds a bool field (only `true` is written).
    #[inline]
    fn boolean(&mut self, name: &str, b: bool) {
        if b {
            self.field(name, 4);
        }
    }

    /// Adds an enum field, written as its value name; the zero value is omitted.
    #[inline]
    fn enumeration(&mut self, name: &str, status: OrderStatus) {
        if status != OrderStatus::Unspecified {
            self.string(name, status.as_str_name().len());
        }
    }

    /// Returns the total including braces and separating commas.
    #[inline]
    const fn finish(self) -> usize {
        self.bytes + 2 + self.fields.saturating_sub(1)
    }
}

/// Length in bytes of the `OrderPlaced` partition key for `customer_id`.
#[inline]
const fn partition_key_len(customer_id: u32) -> usize {
    PARTITION_PREFIX.len() + dec_len(customer_id as u64)
}

/// Protobuf body size computed arithmetically (equals prost's `encoded_len`).
#[inline]
fn proto_len(kind: PayloadKind, msg_id: u64, key: u32) -> usize {
    // The order is derived in each arm, from only the fields that arm reads: derived up
    // front, all of it (the ETA's divisions too) was computed for every kind, acks included.
    match kind {
        PayloadKind::OrderRequest => {
            let o = order(msg_id, key);
            pb_varint(o.order_id)
                + pb_varint(u64::from(o.customer_id))
                + pb_str(o.sku.len())
                + pb_varint(u64::from(o.quantity))
                + pb_varint(o.unit_price_cents)
                + pb_str(o.currency.len())
        }
        PayloadKind::OrderReply => {
            let o = order(msg_id, key);
            pb_varint(o.order_id)
                + pb_varint(o.status as i32 as u64)
                + pb_varint(o.total_cents)
                + pb_varint(u64::from(o.eta_seconds))
        }
        PayloadKind::OrderPlaced => {
            let o = order(msg_id, key);
            pb_varint(o.order_id)
                + pb_varint(u64::from(o.customer_id))
                + pb_varint(o.total_cents)
                + pb_varint(o.placed_at_unix_ms)
                + pb_str(partition_key_len(o.customer_id))
        }
        PayloadKind::Ack => pb_varint(msg_id) + pb_varint(u64::from(key)) + pb_bool(true),
    }
}

/// JSON body size computed arithmetically (equals the length of [`inspect`]'s `json`).
#[inline]
fn json_len(kind: PayloadKind, msg_id: u64, key: u32) -> usize {
    let o = order(msg_id, key);
    let mut j = JsonLen::new();
    match kind {
        PayloadKind::OrderRequest => {
            j.u64_str("orderId", o.order_id);
            j.u32_num("customerId", o.customer_id);
            j.string("sku", o.sku.len());
            j.u32_num("quantity", o.quantity);
            j.u64_str("unitPriceCents", o.unit_price_cents);
            j.string("currency", o.currency.len());
        }
        PayloadKind::OrderReply => {
            j.u64_str("orderId", o.order_id);
            j.enumeration("status", o.status);
            j.u64_str("totalCents", o.total_cents);
            j.u32_num("etaSeconds", o.eta_seconds);
        }
        PayloadKind::OrderPlaced => {
            j.u64_str("orderId", o.order_id);
            j.u32_num("customerId", o.customer_id);
            j.u64_str("totalCents", o.total_cents);
            j.u64_str("placedAtUnixMs", o.placed_at_unix_ms);
            j.string("partitionKey", partition_key_len(o.customer_id));
        }
        PayloadKind::Ack => {
            j.u64_str("messageId", msg_id);
            j.u32_num("key", key);
            j.boolean("ok", true);
        }
    }
    j.finish()
}

/// Bytes on the wire for this message's body (protobuf: prost encoded_len; json: serde_json length of the same fields), WITHOUT the gRPC frame header.
#[inline]
pub fn body_len(kind: PayloadKind, encoding: Encoding, msg_id: u64, key: u32) -> u32 {
    let len = match encoding {
        Encoding::Protobuf => proto_len(kind, msg_id, key),
        Encoding::Json => json_len(kind, msg_id, key),
    };
    len as u32
}

/// Same as [`body_len`] plus 5 bytes when `grpc` (the length-prefixed gRPC frame: 1-byte compressed flag, 4-byte big-endian length).
#[inline]
pub fn wire_len(kind: PayloadKind, encoding: Encoding, msg_id: u64, key: u32, grpc: bool) -> u32 {
    body_len(kind, encoding, msg_id, key) + if grpc { GRPC_HEADER_LEN } else { 0 }
}

/// Wraps `body` in a gRPC length-prefixed frame: flag byte 0 (uncompressed), 4-byte big-endian length, then the body.
pub fn grpc_frame(body: &[u8]) -> Vec<u8> {
    let len = u32::try_from(body.len()).expect("a gRPC message body must be shorter than 4 GiB");
    let mut frame = Vec::with_capacity(GRPC_HEADER_LEN as usize + body.len());
    frame.push(0);
    frame.extend_from_slice(&len.to_be_bytes());
    frame.extend_from_slice(body);
    frame
}

/// Formats bytes as lowercase, space-separated hex pairs, e.g. `"0a 08 ff"`.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 3);
    for (i, &b) in bytes.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0x0f)] as char);
    }
    out
}

/// Serde predicate: proto3 JSON omits zero uint64 values.
fn is_zero_u64(v: &u64) -> bool {
    *v == 0
}

/// Serde predicate: proto3 JSON omits zero uint32 values.
fn is_zero_u32(v: &u32) -> bool {
    *v == 0
}

/// Serde predicate: proto3 JSON omits empty strings.
fn is_empty_str(s: &&str) -> bool {
    s.is_empty()
}

/// Serde predicate: proto3 JSON omits `false`.
fn is_false(b: &bool) -> bool {
    !*b
}

/// Writes a uint64 as a quoted decimal string, as the proto3 JSON mapping requires.
fn u64_as_string<S: Serializer>(v: &u64, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

/// JSON name of an enum value, or `None` for the omitted zero value.
fn enum_name(status: OrderStatus) -> Option<&'static str> {
    (status != OrderStatus::Unspecified).then(|| status.as_str_name())
}

/// Canonical JSON mirror of `PlaceOrderRequest`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PlaceOrderRequestJson<'a> {
    #[serde(skip_serializing_if = "is_zero_u64", serialize_with = "u64_as_string")]
    order_id: u64,
    #[serde(skip_serializing_if = "is_zero_u32")]
    customer_id: u32,
    #[serde(skip_serializing_if = "is_empty_str")]
    sku: &'a str,
    #[serde(skip_serializing_if = "is_zero_u32")]
    quantity: u32,
    #[serde(skip_serializing_if = "is_zero_u64", serialize_with = "u64_as_string")]
    unit_price_cents: u64,
    #[serde(skip_serializing_if = "is_empty_str")]
    currency: &'a str,
}

/// Canonical JSON mirror of `PlaceOrderReply`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PlaceOrderReplyJson {
    #[serde(skip_serializing_if = "is_zero_u64", serialize_with = "u64_as_string")]
    order_id: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'static str>,
    #[serde(skip_serializing_if = "is_zero_u64", serialize_with = "u64_as_string")]
    total_cents: u64,
    #[serde(skip_serializing_if = "is_zero_u32")]
    eta_seconds: u32,
}

/// Canonical JSON mirror of `OrderPlaced`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OrderPlacedJson<'a> {
    #[serde(skip_serializing_if = "is_zero_u64", serialize_with = "u64_as_string")]
    order_id: u64,
    #[serde(skip_serializing_if = "is_zero_u32")]
    customer_id: u32,
    #[serde(skip_serializing_if = "is_zero_u64", serialize_with = "u64_as_string")]
    total_cents: u64,
    #[serde(skip_serializing_if = "is_zero_u64", serialize_with = "u64_as_string")]
    placed_at_unix_ms: u64,
    #[serde(skip_serializing_if = "is_empty_str")]
    partition_key: &'a str,
}

/// Canonical JSON mirror of `Ack`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AckJson {
    #[serde(skip_serializing_if = "is_zero_u64", serialize_with = "u64_as_string")]
    message_id: u64,
    #[serde(skip_serializing_if = "is_zero_u32")]
    key: u32,
    #[serde(skip_serializing_if = "is_false")]
    ok: bool,
}

/// Serialises a JSON mirror compactly.
fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("plain JSON mirrors always serialise")
}

/// Builds a `(field name, value)` inspector row.
fn row(name: &str, value: impl ToString) -> (String, String) {
    (name.to_owned(), value.to_string())
}

/// Full description of the payload for the message inspector (real prost and serde_json encodings).
pub fn inspect(kind: PayloadKind, msg_id: u64, key: u32, grpc: bool) -> PayloadView {
    let o = order(msg_id, key);
    let (type_name, fields, proto_bytes, json) = match kind {
        PayloadKind::OrderRequest => {
            let m = pb::PlaceOrderRequest {
                order_id: o.order_id,
                customer_id: o.customer_id,
                sku: o.sku.to_owned(),
                quantity: o.quantity,
                unit_price_cents: o.unit_price_cents,
                currency: o.currency.to_owned(),
            };
            let json = to_json(&PlaceOrderRequestJson {
                order_id: m.order_id,
                customer_id: m.customer_id,
                sku: &m.sku,
                quantity: m.quantity,
                unit_price_cents: m.unit_price_cents,
                currency: &m.currency,
            });
            let fields = vec![
                row("order_id", m.order_id),
                row("customer_id", m.customer_id),
                row("sku", &m.sku),
                row("quantity", m.quantity),
                row("unit_price_cents", m.unit_price_cents),
                row("currency", &m.currency),
            ];
            (
                "msgflow.orders.PlaceOrderRequest",
                fields,
                m.encode_to_vec(),
                json,
            )
        }
        PayloadKind::OrderReply => {
            let mut m = pb::PlaceOrderReply {
                order_id: o.order_id,
                status: 0,
                total_cents: o.total_cents,
                eta_seconds: o.eta_seconds,
            };
            m.set_status(o.status);
            let json = to_json(&PlaceOrderReplyJson {
                order_id: m.order_id,
                status: enum_name(m.status()),
                total_cents: m.total_cents,
                eta_seconds: m.eta_seconds,
            });
            let fields = vec![
                row("order_id", m.order_id),
                row("status", m.status().as_str_name()),
                row("total_cents", m.total_cents),
                row("eta_seconds", m.eta_seconds),
            ];
            (
                "msgflow.orders.PlaceOrderReply",
                fields,
                m.encode_to_vec(),
                json,
            )
        }
        PayloadKind::OrderPlaced => {
            let m = pb::OrderPlaced {
                order_id: o.order_id,
                customer_id: o.customer_id,
                total_cents: o.total_cents,
                placed_at_unix_ms: o.placed_at_unix_ms,
                partition_key: format!("{PARTITION_PREFIX}{}", o.customer_id),
            };
            let json = to_json(&OrderPlacedJson {
                order_id: m.order_id,
                customer_id: m.customer_id,
                total_cents: m.total_cents,
                placed_at_unix_ms: m.placed_at_unix_ms,
                partition_key: &m.partition_key,
            });
            let fields = vec![
                row("order_id", m.order_id),
                row("customer_id", m.customer_id),
                row("total_cents", m.total_cents),
                row("placed_at_unix_ms", m.placed_at_unix_ms),
                row("partition_key", &m.partition_key),
            ];
            (
                "msgflow.orders.OrderPlaced",
                fields,
                m.encode_to_vec(),
                json,
            )
        }
        PayloadKind::Ack => {
            let m = pb::Ack {
                message_id: msg_id,
                key,
                ok: true,
            };
            let json = to_json(&AckJson {
                message_id: m.message_id,
                key: m.key,
                ok: m.ok,
            });
            let fields = vec![
                row("message_id", m.message_id),
                row("key", m.key),
                row("ok", m.ok),
            ];
            ("msgflow.orders.Ack", fields, m.encode_to_vec(), json)
        }
    };
    PayloadView {
        type_name,
        fields,
        grpc_frame: grpc.then(|| grpc_frame(&proto_bytes)),
        proto_len: proto_bytes.len(),
        json_len: json.len(),
        proto_bytes,
        json,
    }
}
