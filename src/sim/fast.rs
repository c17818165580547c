//! Pushes that keep the value in registers.
//!
//! `Vec::push` may grow the buffer (a call) before writing, so the
//! compiler builds the value in a stack slot and copies it over afterwards. When the value
//! was just assembled field by field with narrow stores, the wide reloads of that copy
//! cannot be forwarded from the store buffer and stall. Checking the capacity first lets the
//! common path write the fields straight into place; growing is out of line.

/// Appends `x` to `v`.
#[inline(always)]
pub(crate) fn push<T>(v: &mut Vec<T>, x: T) {
    if v.len() < v.capacity() {
        v.push(x);
    } else {
        push_grow(v, x);
    }
}

#[cold]
#[inline(never)]
fn push_grow<T>(v: &mut Vec<T>, x: T) {
    v.push(x);
}
