// <message-flow-playground>: embeds the message-flow playground in any page.
//
//   <script src="https://example.org/play/embed.js" defer></script>
//   <message-flow-playground mode="work-queue" seed="7"></message-flow-playground>
//
// The element renders a sandboxed <iframe> of the app that sits next to this script (the
// base URL is taken from the script's own src), in its embed view (?embed=1).
// Attributes (all optional; changes apply at once):
//   mode      a preset name, e.g. request-response, work-queue, pub-sub (default: the app's)
//   seed      a whole number (default: the app's)
//   speed     virtual seconds per wall second, 0.1 to 100
//   autoplay  "off" (or 0/false/no) starts paused; otherwise it plays while visible
//   width     CSS pixels, 320 to 4000 (default 640); the frame never gets wider than its container
//   height    CSS pixels, 240 to 4000 (default 400)
//   label     the frame's accessible title (default: "Message flow playground: <mode>")
// Invalid values are ignored with a console warning.
//
// Content-Security-Policy of the host page: this is a classic script (load it with
// `defer` or at the end of <body>); allow its origin in script-src and frame-src. It
// adds no <style> element and no style attribute: sizes and the border are set through
// the CSSOM, which style-src does not restrict.
(() => {
  "use strict";
  const NAME = "message-flow-playground";
  if (customElements.get(NAME)) return;

  // Must be read while this script runs (null in modules and after it returns).
  const here = document.currentScript?.src || document.baseURI;
  const BASE = new URL(".", here);
  // Keep in step with SANDBOX in src/app/embed.rs.
  const SANDBOX = "allow-scripts allow-same-origin allow-popups allow-popups-to-escape-sandbox";
  const SIZES = { width: [640, 320], height: [400, 240] };
  const MAX_PX = 4000;

  const warn = (el, msg) => console.warn(`<${NAME}>: ${msg}`, el);

  function size(el, name) {
    const [fallback, min] = SIZES[name];
    const raw = el.getAttribute(name);
    if (raw === null) return fallback;
    const n = Number(raw.trim().replace(/px$/, ""));
    if (!Number.isFinite(n) || n < min || n > MAX_PX) {
      warn(el, `${name} must be a number of pixels between ${min} and ${MAX_PX}, got "${raw}"`);
      return fallback;
    }
    return Math.round(n);
  }

  function query(el) {
    const q = new URLSearchParams({ embed: "1" });
    const mode = el.getAttribute("mode");
    if (mode !== null) {
      if (/^[a-z0-9-]{1,64}$/.test(mode)) q.set("mode", mode);
      else warn(el, `mode must be a preset name such as "work-queue", got "${mode}"`);
    }
    const seed = el.getAttribute("seed");
    if (seed !== null) {
      if (/^\d{1,19}$/.test(seed.trim())) q.set("seed", seed.trim());
      else warn(el, `seed must be a whole number, got "${seed}"`);
    }
    const speed = el.getAttribute("speed");
    if (speed !== null) {
      const s = Number(speed);
      if (speed.trim() !== "" && s >= 0.1 && s <= 100) q.set("speed", String(s));
      else warn(el, `speed must be between 0.1 and 100, got "${speed}"`);
    }
    const autoplay = el.getAttribute("autoplay");
    if (autoplay !== null && /^(0|false|no|off)$/i.test(autoplay.trim())) q.set("autoplay", "0");
    return q;
  }

  class MessageFlowPlayground extends HTMLElement {
    static observedAttributes = ["mode", "seed", "speed", "autoplay", "width", "height", "label"];

    connectedCallback() {
      this.#render();
    }

    attributeChangedCallback() {
      if (this.isConnected) this.#render();
    }

    /** The rendered frame (null before the element is connected). */
    get frame() {
      return this.shadowRoot?.querySelector("iframe") ?? null;
    }

    #render() {
      const root = this.shadowRoot ?? this.attachShadow({ mode: "open" });
      let frame = root.querySelector("iframe");
      if (!frame) {
        frame = document.createElement("iframe");
        frame.setAttribute("sandbox", SANDBOX);
        frame.setAttribute("loading", "lazy");
        frame.style.border = "0";
        frame.style.display = "block";
        frame.style.maxWidth = "100%";
        root.append(frame);
      }
      const q = query(this);
      const src = new URL(`?${q}`, BASE).href;
      if (frame.getAttribute("src") !== src) frame.setAttribute("src", src);
      frame.width = String(size(this, "width"));
      frame.height = String(size(this, "height"));
      const label = this.getAttribute("label");
      const mode = q.get("mode");
      frame.title = label?.trim() || `Message flow playground${mode ? `: ${mode.replace(/-/g, " ")}` : ""}`;
    }
  }

  customElements.define(NAME, MessageFlowPlayground);
})();
