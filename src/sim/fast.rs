//! Pushes that keep the value in registers.
//!
//! `Vec::push` and `VecDeque::push_back` may grow the buffer (a call) before writing, so the
//! compiler builds the value in a stack slot and copies it over afterwards. When the value
//! was just assembled field by field with narrow stores, the wide reloads of that copy
//! cannot be forwarded from the store buffer and stall. Checking the capacity first lets the
//! common path write the fields straight into place; growing is out of line.

use std::collections::VecDeque;

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

/// Appends `x` to the back of `d`.
#[inline(always)]
pub(crate) fn push_back<T>(d: &mut VecDeque<T>, x: T) {
    if d.len() < d.capacity() {
        d.push_back(x);
    } else {
        push_back_grow(d, x);
    }
}

#[cold]
#[inline(never)]
fn push_back_grow<T>(d: &mut VecDeque<T>, x: T) {
    d.push_back(x);
}
