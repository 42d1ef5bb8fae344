// The served files' reading started before the map's scripts (issue 14): streamlit_folium
// loads a map's scripts one after the other, so this one, first in the map's list (a data:
// URL: geo.mapview.build._early_script), starts the sites' (and friches') workers while the
// bundle is fetched and compiled. Each worker gets the message the runtime would send it
// (readInWorker in runtime.js), with the file's body fetched here beside it (request); its
// answers wait in `got` until the runtime takes the worker (ReindusEarly.take), or, if the
// map asks for something else, ends it and starts its own.
//
// A session's first screen starts them sooner still, from Streamlit's page itself, as soon
// as the map's element reaches it (geo.mapview.build.early_page_script: the same file, run
// in the page): the map's frame then adopts the page's workers for the same messages
// (adopt) instead of starting its own, about 0.3 s later.
(function (root) {
  'use strict';
  var early = root.ReindusEarly = root.ReindusEarly || {started: {}};
  // reads: [{kind, file, served, cluster, hold}] (the workers' messages), worker: its script's URL
  early.start = function (worker, reads) {
    if (!root.Worker) return;
    reads.forEach(function (message) {
      try {
        message.file = new URL(message.file, root.location.href).href;
        var json = JSON.stringify(message), adopted = adopt(message.kind, json);
        if (adopted) { early.started[message.kind] = adopted; return; }
        var w = new root.Worker(worker), got = [];
        w.onmessage = function (e) { got.push(e); };
        w.onerror = function (e) { e.preventDefault(); got.push(e); };
        early.started[message.kind] = {worker: w, message: json, got: got};
        request(w, message);
      } catch {
        // (no worker here: the runtime reads the file itself)
      }
    });
  };
  // The worker the page above this frame started for the same message (taken from it), or
  // null: no such page (an exported map, another origin), none started, or started for
  // another message (ended there).
  function adopt(kind, json) {
    var page = null;
    try {
      page = root.parent && root.parent !== root ? root.parent.ReindusEarly : null;
    } catch {
      page = null;  // (a page of another origin)
    }
    return page && page !== early ? page.take(json) : null;
  }
  // The file asked for here, while the worker's script loads, and its body handed to the
  // worker (a transferred stream): the request is not held back by the worker's start. A
  // failed or refused answer, or a browser that cannot transfer a stream: the worker fetches
  // the file itself (and reports its error).
  function request(w, message) {
    if (!(root.fetch && root.ReadableStream)) { w.postMessage(message); return; }
    root.fetch(message.file).then(function (r) {
      if (!r.ok) throw new Error('HTTP ' + r.status);
      try {
        w.postMessage(Object.assign({}, message, {body: r.body}), [r.body]);
      } catch {
        w.postMessage(message);  // (streams not transferable here)
      }
    }).catch(function () { w.postMessage(message); });
  }
  // The page's workers that no frame adopted within `ms` ended (their answers dropped).
  early.expire = function (ms) {
    root.setTimeout(function () {
      Object.keys(early.started).forEach(function (kind) {
        early.started[kind].worker.terminate();
        delete early.started[kind];
      });
    }, ms);
  };
  // The worker started for `message` (the runtime's own, as JSON) and its answers so far, or
  // null (none started, or started for another message: ended here).
  early.take = function (message) {
    var kind = JSON.parse(message).kind, found = early.started[kind];
    delete early.started[kind];
    if (!found) return null;
    if (found.message === message) return found;
    found.worker.terminate();
    return null;
  };
}(typeof self !== 'undefined' ? self : this));
