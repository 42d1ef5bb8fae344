// Tier js: geo/mapview/static/early.js, the served files' workers started before the map's
// scripts, then taken by the runtime when it asks for the very same read.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

const SOURCE = fs.readFileSync(path.join(__dirname, '../../geo/mapview/static/early.js'), 'utf8');

// A page with a Worker that records what it is sent (and transferred) and whether it was
// ended; `fetch`: the page's, if it has one (with ReadableStream), `refuse`: the worker's
// postMessage throws when something is transferred (a browser without transferable streams).
function page({fetch = null, refuse = false, parent = undefined, href = 'http://127.0.0.1:8501/component/index.html', setTimeout = undefined} = {}) {
  const workers = [];
  class Worker {
    constructor(url) { this.url = url; this.sent = []; this.transferred = []; this.ended = false; workers.push(this); }
    postMessage(m, transfer) {
      if (refuse && transfer && transfer.length) throw new Error('DataCloneError');
      const {body, ...rest} = m;
      this.sent.push({...JSON.parse(JSON.stringify(rest)), ...(body ? {body} : {})});
      this.transferred.push(transfer || []);
    }
    terminate() { this.ended = true; }
  }
  const root = {Worker, URL, JSON, Object, Error, location: {href}, setTimeout};
  if (fetch) Object.assign(root, {fetch, ReadableStream});
  root.self = root;
  // a map's frame: the page above it (window.parent; a page's own parent is itself)
  Object.defineProperty(root, 'parent', {get: typeof parent === 'function' ? parent : () => parent || root});
  vm.runInNewContext(SOURCE, root);
  return {root, workers};
}
const settled = () => new Promise((resolve) => setTimeout(resolve, 0));

const READ = {kind: 'sites', file: '/app/static/cache/sites-1.json.gz', served: {file: '/app/static/cache/sites-1.json.gz', selection: null},
              cluster: {options: {radius: 60}, shown: [true, false]}, hold: true};

test('a read started early is taken by the runtime when it asks for the same read, with the answers so far', () => {
  const {root, workers} = page();
  root.ReindusEarly.start('/w.js', [structuredClone(READ)]);
  assert.equal(workers.length, 1);
  assert.equal(workers[0].url, '/w.js');
  // the file's URL made absolute, as the runtime's own message
  assert.equal(workers[0].sent[0].file, 'http://127.0.0.1:8501/app/static/cache/sites-1.json.gz');
  workers[0].onmessage({data: {part: 0}});
  const asked = JSON.stringify({...READ, file: 'http://127.0.0.1:8501/app/static/cache/sites-1.json.gz'});
  const taken = root.ReindusEarly.take(asked);
  assert.equal(taken.worker, workers[0]);
  assert.deepEqual(JSON.parse(JSON.stringify(taken.got.map((e) => e.data))), [{part: 0}]);
  assert.equal(root.ReindusEarly.take(asked), null);  // (taken once)
});

test('a read the runtime asks differently (another selection, layers) is ended, not used', () => {
  const {root, workers} = page();
  root.ReindusEarly.start('/w.js', [structuredClone(READ)]);
  const other = {...READ, file: 'http://127.0.0.1:8501/app/static/cache/sites-1.json.gz', cluster: {options: {radius: 60}, shown: [true, true]}};
  assert.equal(root.ReindusEarly.take(JSON.stringify(other)), null);
  assert.equal(workers[0].ended, true);
  assert.equal(root.ReindusEarly.take(JSON.stringify({kind: 'friches'})), null);  // (none started)
});

test('without workers nothing starts, and nothing is taken', () => {
  const root = {URL, JSON, location: {href: 'http://x/'}};
  root.self = root;
  vm.runInNewContext(SOURCE, root);
  root.ReindusEarly.start('/w.js', [structuredClone(READ)]);
  assert.equal(root.ReindusEarly.take(JSON.stringify(READ)), null);
});

test('the file is fetched beside the worker and its body handed to it, transferred', async () => {
  const asked = [];
  const body = new ReadableStream();
  const {root, workers} = page({fetch: async (url) => { asked.push(url); return {ok: true, status: 200, body}; }});
  root.ReindusEarly.start('/w.js', [structuredClone(READ)]);
  assert.deepEqual(asked, ['http://127.0.0.1:8501/app/static/cache/sites-1.json.gz']);
  assert.equal(workers[0].sent.length, 0);  // (sent once the server answered)
  await settled();
  assert.equal(workers[0].sent.length, 1);
  assert.equal(workers[0].sent[0].body, body);
  assert.equal(workers[0].transferred[0].length, 1);  // (an array of the page's realm)
  assert.equal(workers[0].transferred[0][0], body);
  // what the runtime compares is the read, not the body
  const read = {...workers[0].sent[0]};
  delete read.body;
  assert.ok(root.ReindusEarly.take(JSON.stringify(read)));
});

test('a failed answer, a refused request or a stream that cannot be transferred: the worker fetches the file itself', async () => {
  for (const options of [
    {fetch: async () => ({ok: false, status: 404, body: new ReadableStream()})},
    {fetch: async () => { throw new TypeError('Failed to fetch'); }},
    {fetch: async () => ({ok: true, status: 200, body: new ReadableStream()}), refuse: true},
  ]) {
    const {root, workers} = page(options);
    root.ReindusEarly.start('/w.js', [structuredClone(READ)]);
    await settled();
    assert.equal(workers[0].sent.length, 1);
    assert.equal(workers[0].sent[0].body, undefined);
    assert.equal(workers[0].sent[0].file, 'http://127.0.0.1:8501/app/static/cache/sites-1.json.gz');
  }
});

const ABSOLUTE = 'http://127.0.0.1:8501/app/static/cache/sites-1.json.gz';

test("a map's frame adopts the worker its page started for the same read (a session's first screen)", () => {
  const top = page({href: 'http://127.0.0.1:8501/'});
  top.root.ReindusEarly.start('/w.js', [structuredClone(READ)]);
  assert.equal(top.workers.length, 1);
  top.workers[0].onmessage({data: {part: 0}});  // (answers before the frame exists)
  const frame = page({parent: top.root});
  frame.root.ReindusEarly.start('/w.js', [structuredClone(READ)]);
  assert.equal(frame.workers.length, 0);  // none of its own
  assert.equal(Object.keys(top.root.ReindusEarly.started).length, 0);  // (taken from the page)
  const taken = frame.root.ReindusEarly.take(JSON.stringify({...READ, file: ABSOLUTE}));
  assert.equal(taken.worker, top.workers[0]);
  assert.deepEqual(JSON.parse(JSON.stringify(taken.got.map((e) => e.data))), [{part: 0}]);
  assert.equal(top.workers[0].ended, false);
});

test("a frame whose read differs from its page's ends the page's worker and starts its own", () => {
  const top = page({href: 'http://127.0.0.1:8501/'});
  top.root.ReindusEarly.start('/w.js', [structuredClone(READ)]);
  const frame = page({parent: top.root});
  frame.root.ReindusEarly.start('/w.js', [{...structuredClone(READ), hold: false}]);
  assert.equal(top.workers[0].ended, true);
  assert.equal(frame.workers.length, 1);
});

test('a frame whose page is of another origin, or has no early reads, starts its own worker', () => {
  const denied = page({parent: () => { throw new Error('SecurityError: cross-origin frame'); }});
  denied.root.ReindusEarly.start('/w.js', [structuredClone(READ)]);
  assert.equal(denied.workers.length, 1);
  const plain = page({parent: {}});  // (a page without early.js: an exported map's host)
  plain.root.ReindusEarly.start('/w.js', [structuredClone(READ)]);
  assert.equal(plain.workers.length, 1);
});

test("a page's workers that no frame adopts are ended when they expire", () => {
  const timers = [];
  const top = page({href: 'http://127.0.0.1:8501/', setTimeout: (fn, ms) => timers.push([fn, ms])});
  top.root.ReindusEarly.start('/w.js', [structuredClone(READ), {...structuredClone(READ), kind: 'friches'}]);
  top.root.ReindusEarly.expire(60000);
  assert.equal(timers.length, 1);
  assert.equal(timers[0][1], 60000);
  timers[0][0]();
  assert.deepEqual(top.workers.map((w) => w.ended), [true, true]);
  assert.equal(Object.keys(top.root.ReindusEarly.started).length, 0);
});
