// Helpers for the canvas of moving messages (src/app/dots.rs): the dots are pixels, not
// elements, so tests find them by their legend colour and click where they are drawn.

/** Messages painted in the last frame (the canvas's data-drawn). */
export const drawn = (page) =>
  page.$eval("[data-testid=flight-canvas]", (c) => Number(c.dataset.drawn));

/** A hash of the canvas's pixels: changes when anything drawn moves. */
export const pixelHash = (page) =>
  page.$eval("[data-testid=flight-canvas]", (c) => {
    if (c.width === 0 || c.height === 0) return 0;
    const data = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let h = 2166136261;
    for (let i = 0; i < data.length; i += 4) {
      h = Math.imul(h ^ data[i] ^ (data[i + 1] << 8) ^ (data[i + 2] << 16) ^ (data[i + 3] << 24), 16777619);
    }
    return h >>> 0;
  });

/**
 * Client coordinates of the middle of a drawn message of `kind` (found by the legend's colour
 * for that kind: a pixel whose 3x3 neighbourhood is all that colour), or null if none is drawn.
 */
export const findDot = (page, kind) =>
  page.evaluate((kind) => {
    const c = document.querySelector("[data-testid=flight-canvas]");
    const probe = document.querySelector(`.legend .k-${kind}`);
    if (!c || !probe || c.width === 0 || c.height === 0) return null;
    // The legend's colour, as the canvas resolves it.
    const g = document.createElement("canvas").getContext("2d");
    g.fillStyle = getComputedStyle(probe).getPropertyValue("--k").trim();
    g.fillRect(0, 0, 1, 1);
    const [r, gr, b] = g.getImageData(0, 0, 1, 1).data;
    const { width: w, height: h } = c;
    const data = c.getContext("2d").getImageData(0, 0, w, h).data;
    const is = (x, y) => {
      const i = (y * w + x) * 4;
      return data[i] === r && data[i + 1] === gr && data[i + 2] === b && data[i + 3] === 255;
    };
    for (let y = 1; y < h - 1; y++) {
      for (let x = 1; x < w - 1; x++) {
        if (!is(x, y)) continue;
        let all = true;
        for (let dy = -1; dy <= 1 && all; dy++) for (let dx = -1; dx <= 1 && all; dx++) all = is(x + dx, y + dy);
        if (all) {
          // The middle of that blob of colour: the centre of the message's shape.
          let y1 = y;
          while (y1 + 1 < h && is(x, y1 + 1)) y1++;
          const my = Math.round((y + y1) / 2);
          let x0 = x;
          let x1 = x;
          while (x0 > 0 && is(x0 - 1, my)) x0--;
          while (x1 + 1 < w && is(x1 + 1, my)) x1++;
          const mx = (x0 + x1) / 2;
          const box = c.getBoundingClientRect();
          return { x: box.left + ((mx + 0.5) / w) * box.width, y: box.top + ((my + 0.5) / h) * box.height };
        }
      }
    }
    return null;
  }, kind);
