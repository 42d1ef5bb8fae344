// Reads a served sites' (or friches') file off the page's main thread (issue 14): fetches it,
// inflates it, parses its JSON and keeps the entries the selection marks (ReindusDecode.select,
// selectFriches, from decode.js), then posts that payload back. The page's main thread, shared with
// Streamlit's page and the map's iframe, only receives the result (see fetchSites in
// runtime.js, which reads the file itself where no worker can be made).
//
// Served as one file with decode.js and Supercluster before it (geo/mapview/build.py).
// Message in: {kind: 'sites' or 'friches', file: URL of the .json.gz, served: the map's
//   ServedSites or ServedFriches,
//   cluster: null or {options: Supercluster's, shown: [whether each group is shown] or null (all)}}.
// Message out: {payload: SitePayload, index: null or ReindusDecode.packIndex's arrays and `shown`,
//   times: {step: ms since the epoch} (the bench's timeline)} or {error: text}.
(function (self) {
  'use strict';
  // when each step ended, in ms since the epoch (the page marks them on its own timeline)
  function now() { return self.performance.timeOrigin + self.performance.now(); }
  self.onmessage = function (e) {
    var msg = e.data, times = {worker_started: now()};
    self.fetch(msg.file).then(function (r) {
      if (!r.ok) throw new Error(msg.file + ': HTTP ' + r.status);
      times.worker_response = now();
      return new self.Response(r.body.pipeThrough(new self.DecompressionStream('gzip'))).json();
    }).then(function (file) {
      times.worker_parsed = now();
      var D = self.ReindusDecode, index = null, transfer = [], payload = D.selectServed(msg.kind, file, msg.served);
      if (msg.cluster && self.Supercluster) {
        // the cluster index of the sites shown, made here too (runtime.js rebuilds it from
        // these arrays; the page makes it itself when it cannot)
        try {
          var packed = D.packIndex(new self.Supercluster(msg.cluster.options).load(D.clusterPoints(payload, msg.cluster.shown)));
          index = {trees: packed.trees, sites: packed.sites, shown: msg.cluster.shown};
          transfer = packed.transfer;
        } catch {
          index = null;
        }
      }
      times.worker_done = now();
      self.postMessage({payload: payload, index: index, times: times}, transfer);
    }).catch(function (err) {
      self.postMessage({error: String(err && err.message ? err.message : err)});
    });
  };
}(self));
