// The floor of a frame of the playground (`scripts/bench`, section `floor`): only the work a
// browser cannot skip when a canvas the size of the app's stage changes every frame. Two
// full-size frames are prepared once (dots on a transparent background); every animation
// frame hands one of them to the canvas with one full `putImageData`, as the app does after
// composing its frame in wasm memory. No composing, no DOM, no layout.
const canvas = document.querySelector("canvas");
const dpr = Math.min(Math.max(devicePixelRatio, 1), 2);
const w = Math.round(canvas.clientWidth * dpr);
const h = Math.round(canvas.clientHeight * dpr);
canvas.width = w;
canvas.height = h;
const ctx = canvas.getContext("2d");

function frame(shift) {
  const img = new ImageData(w, h);
  const px = new Uint32Array(img.data.buffer);
  // 1,750 opaque 14x14 squares spread over the canvas (little-endian RGBA: opaque blue).
  for (let i = 0; i < 1750; i++) {
    const x = (i * 97 + shift) % (w - 14);
    const y = (i * 53) % (h - 14);
    for (let r = 0; r < 14; r++) px.fill(0xffb27200, (y + r) * w + x, (y + r) * w + x + 14);
  }
  return img;
}

const frames = [frame(0), frame(7)];
let n = 0;
function tick() {
  ctx.putImageData(frames[n++ & 1], 0, 0);
  canvas.dataset.drawn = "1750";
  requestAnimationFrame(tick);
}
requestAnimationFrame(tick);
document.documentElement.dataset.ready = "true";
