// The least a first render can cost in this browser on this machine: a page whose only
// module script draws a heading and marks the same performance entry the app marks once
// its topology is in the document. `firstRender` in bench/bench.mjs times both alike.
const h = document.createElement("h1");
h.textContent = "Message flow playground";
document.body.append(h);
performance.mark("msgflow:topology-rendered");
