// Loads the wasm-bindgen module and starts the app. Trunk's own loader is an inline
// <script>, which the page's CSP (script-src 'self') forbids; Trunk.toml's
// `pattern_script` emits <script type="module" src="boot.js" data-msgflow-js=...
// data-msgflow-wasm=...> instead, so this file learns the hashed names from there.
const tag = document.querySelector("script[data-msgflow-js]");
if (!tag) throw new Error("boot.js: missing <script data-msgflow-js> tag");
const jsUrl = tag.dataset.msgflowJs;
const wasmUrl = tag.dataset.msgflowWasm;

// Reuse Trunk's SRI-checked preload of the .wasm (same URL, integrity and credentials
// mode), so the browser neither fetches it twice nor warns about an unused preload.
const preload = [...document.querySelectorAll('link[rel="preload"][as="fetch"]')].find(
  (l) => new URL(l.href, location.href).href === new URL(wasmUrl, location.href).href,
);
const wasmResponse = preload?.integrity
  ? fetch(wasmUrl, { integrity: preload.integrity, credentials: "same-origin" })
  : fetch(wasmUrl);

// Compile while the JS glue is imported, not after. Should compiling from the stream fail
// (a server that does not send application/wasm), the glue's own loader takes the URL.
const compiled = WebAssembly.compileStreaming(wasmResponse).catch(() => null);
const { default: init } = await import(jsUrl);
const wasm = await init({ module_or_path: (await compiled) ?? wasmUrl });
dispatchEvent(new CustomEvent("TrunkApplicationStarted", { detail: { wasm } }));
