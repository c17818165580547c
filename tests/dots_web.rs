//! The canvas layer's geometry and level of detail (src/app/dots.rs, src/app/driver.rs),
//! run in the browser with the other wasm tests. On native targets this file is empty.
#![cfg(target_arch = "wasm32")]

use msgflow::app::{covers, fit, hit, lod_stride, sampled, DOT_CAP};
use msgflow::sim::MsgKind;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn fit_maps_the_view_box_like_svg_meet() {
    // Wider box than the view box: scaled by height, centred horizontally.
    let (s, ox, oy) = fit(200.0, 100.0, 600.0, 200.0);
    assert_eq!((s, ox, oy), (2.0, 100.0, 0.0));
    // Taller box: scaled by width, centred vertically.
    let (s, ox, oy) = fit(200.0, 100.0, 400.0, 400.0);
    assert_eq!((s, ox, oy), (2.0, 0.0, 100.0));
    // An empty box does not divide by zero.
    assert_eq!(fit(200.0, 100.0, 0.0, 0.0), (1.0, 0.0, 0.0));
}

#[wasm_bindgen_test]
fn hit_picks_the_nearest_centre_within_ten_units_when_no_shape_is_under_the_point() {
    let pos = [(0.0, 0.0), (12.0, 0.0), (100.0, 100.0)];
    let request = |_| MsgKind::Request;
    assert_eq!(hit(&pos, request, 1.0, 0.0), Some(0));
    assert_eq!(hit(&pos, request, 7.0, 0.0), Some(1));
    assert_eq!(hit(&pos, request, 100.0, 109.9), Some(2));
    assert_eq!(hit(&pos, request, 100.0, 110.1), None);
    assert_eq!(hit(&pos, request, 50.0, 50.0), None);
    // Equal distance: the later-drawn one (on top) wins.
    assert_eq!(hit(&[(0.0, 0.0), (0.0, 0.0)], request, 0.0, 0.0), Some(1));
}

#[wasm_bindgen_test]
fn hit_picks_the_shape_whose_pixels_are_under_the_point() {
    // An event's diamond at the origin, then an ack's tick drawn 4 units to the right: the
    // point (2, 0) is inside the diamond and nearer the tick's centre, but the tick does not
    // paint it, so the click is on the event.
    let pos = [(0.0, 0.0), (4.0, 0.0)];
    let kinds = [MsgKind::Event, MsgKind::Ack];
    assert!(covers(MsgKind::Event, 2.0, 0.0));
    assert!(!covers(MsgKind::Ack, -2.0, 0.0));
    assert_eq!(hit(&pos, |i| kinds[i], 2.0, 0.0), Some(0));
    // On the tick's stroke the ack, drawn later, is on top.
    assert!(covers(MsgKind::Ack, -1.5, 3.5));
    assert_eq!(hit(&pos, |i| kinds[i], 2.5, 3.5), Some(1));
    // Two shapes under the point: the later-drawn one, whatever the distances.
    let pos = [(1.0, 0.0), (4.0, 0.0)];
    let events = |_| MsgKind::Event;
    assert_eq!(hit(&pos, events, 1.0, 0.0), Some(1));
    // The retry's ring is painted, the gap between it and its dot is not.
    assert!(covers(MsgKind::Retry, 7.5, 0.0));
    assert!(!covers(MsgKind::Retry, 5.7, 0.0));
    assert!(covers(MsgKind::Retry, 0.0, 4.0));
    // The error's triangle: its apex and base, not the corners of its box.
    assert!(covers(MsgKind::Error, 0.0, -6.0));
    assert!(covers(MsgKind::Error, 5.5, 4.0));
    assert!(!covers(MsgKind::Error, 5.5, -5.5));
}

#[wasm_bindgen_test]
fn level_of_detail_draws_all_up_to_the_cap_and_does_not_flicker() {
    assert_eq!(lod_stride(1, 0), 1);
    assert_eq!(lod_stride(1, DOT_CAP), 1);
    assert_eq!(lod_stride(1, DOT_CAP + 1), 2);
    assert_eq!(lod_stride(1, DOT_CAP * 5), 8);
    // Steps back down only well below the boundary.
    assert_eq!(lod_stride(2, DOT_CAP - 1), 2);
    assert_eq!(lod_stride(2, DOT_CAP * 9 / 10 - 1), 1);
    assert_eq!(lod_stride(8, DOT_CAP * 3), 4);
    // About one in k of a run of ids is sampled, and the same ids every time.
    for k in [2usize, 4, 16] {
        let n = (0..100_000u64).filter(|&id| sampled(id, k)).count();
        let want = 100_000 / k;
        assert!(
            n.abs_diff(want) < want / 10,
            "k={k}: {n} sampled, want about {want}"
        );
        assert!((0..1000u64).all(|id| sampled(id, k) == sampled(id, k)));
    }
    assert!((0..1000u64).all(|id| sampled(id, 1)));
}
