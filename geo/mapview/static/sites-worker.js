// Reads a served sites' file off the page's main thread (issue 14): fetches it, inflates
// it, parses its JSON and keeps the sites the selection marks (ReindusDecode.select, from
// decode.js), then posts that site payload back. The page's main thread, shared with
// Streamlit's page and the map's iframe, only receives the result (see fetchSites in
// runtime.js, which reads the file itself where no worker can be made).
//
// Served with decode.js before it (geo/mapview/build.py); else it loads it from msg.decode.
// Message in: {file: URL of the .json.gz, served: the map's ServedSites, decode: URL of decode.js}.
// Message out: {payload: SitePayload} or {error: text}.
/* global importScripts */
(function (self) {
  'use strict';
  self.onmessage = function (e) {
    var msg = e.data;
    try {
      if (!self.ReindusDecode) importScripts(msg.decode);
    } catch (err) {
      self.postMessage({error: String(err)});
      return;
    }
    self.fetch(msg.file).then(function (r) {
      if (!r.ok) throw new Error(msg.file + ': HTTP ' + r.status);
      return new self.Response(r.body.pipeThrough(new self.DecompressionStream('gzip'))).json();
    }).then(function (file) {
      self.postMessage({payload: self.ReindusDecode.select(file, msg.served)});
    }).catch(function (err) {
      self.postMessage({error: String(err && err.message ? err.message : err)});
    });
  };
}(self));
