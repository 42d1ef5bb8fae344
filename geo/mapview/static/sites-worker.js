// Reads a served sites' (or friches') file off the page's main thread (issue 14): fetches it,
// inflates it and reads its JSON lines as they arrive (ReindusDecode.readJsonLines: the
// markers' part first, the card texts next), keeps the entries the selection marks
// (ReindusDecode.select, selectFriches, from decode.js) and posts each part back as soon as
// it is read: the markers are drawn while the texts are still parsed. The page's main thread,
// shared with Streamlit's page and the map's iframe, only receives the results (see
// readInWorker in runtime.js, which reads the file itself where no worker can be made).
//
// Served as one file with decode.js and Supercluster before it (geo/mapview/build.py).
// Message in: {kind: 'sites' or 'friches', file: URL of the .json.gz, served: the map's
//   ServedSites or ServedFriches,
//   cluster: null or {options: Supercluster's, shown: [whether each group is shown] or null (all)},
//   hold: the parts after the first wait for a {rest: true} message,
//   body: none, or the file's body (a transferred ReadableStream) fetched by early.js}.
// Messages out: {part: k, payload: the k-th part's entries (SitePayload columns),
//   index: for part 0, null or ReindusDecode.packIndex's arrays and `shown`,
//   times: {step: ms since the epoch} (the bench's timeline)}, one per part, then {done: true};
//   or {error: text}.
(function (self) {
  'use strict';
  // when each step ended, in ms since the epoch (the page marks them on its own timeline)
  function now() { return self.performance.timeOrigin + self.performance.now(); }

  // The cluster index of the first part's entries (runtime.js rebuilds it from these arrays;
  // the page makes it itself when it cannot be made here).
  function clusterIndex(D, payload, cluster) {
    if (!(cluster && self.Supercluster)) return {index: null, transfer: []};
    try {
      var packed = D.packIndex(new self.Supercluster(cluster.options).load(D.clusterPoints(payload, cluster.shown)));
      return {index: {trees: packed.trees, sites: packed.sites, shown: cluster.shown}, transfer: packed.transfer};
    } catch {
      return {index: null, transfer: []};
    }
  }

  // With `hold`, the parts after the first wait for the page's {rest: true}: their message
  // (its copy made on the page's main thread) comes once the page has painted the markers.
  var held = null;
  function post(message) {
    if (held) held.push(message);
    else self.postMessage(message);
  }

  self.onmessage = function (e) {
    var msg = e.data, D = self.ReindusDecode, times = {worker_started: now()};
    if (msg.rest) {
      var waiting = held || [];
      held = null;
      waiting.forEach(function (m) { self.postMessage(m); });
      return;
    }
    if (msg.hold) held = [];
    // (msg.body: the file's body, fetched by early.js while this worker started)
    D.readJsonLines(self, msg.file, function (text, k) {
      var payload = D.selectServed(msg.kind, JSON.parse(text), msg.served);
      if (k > 0) {
        post({part: k, payload: payload, times: {['worker_part' + k]: now()}});
        return;
      }
      times.worker_parsed = now();
      var made = clusterIndex(D, payload, msg.cluster);
      times.worker_done = now();
      self.postMessage({part: 0, payload: payload, index: made.index, times: times}, made.transfer);
    }, function () { times.worker_response = now(); }, msg.body).then(function () {
      post({done: true});
    }).catch(function (err) {
      self.postMessage({error: String(err && err.message ? err.message : err)});
    });
  };
}(self));
