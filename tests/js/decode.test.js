// Tier js: the pure functions of geo/mapview/static/decode.js against the golden payloads
// that the Python reference decoder (geo/mapview/payload.py) also reads
// (tests/unit/test_payload_golden.py keeps them equal to what the encoder writes).
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');
const D = require('../../geo/mapview/static/decode.js');

function golden(name) {
  return JSON.parse(fs.readFileSync(path.join(__dirname, 'golden', name + '.json'), 'utf8'));
}

test('site records decoded from a payload in the page match the golden ones', () => {
  const g = golden('sites_inline');
  assert.deepEqual(D.siteRecords(g.payload, g.strings), g.expected);
});

test('a column reads the string table, inline texts, or another column', () => {
  const g = golden('sites_inline');
  const p = g.payload;
  assert.equal(D.value(g.strings, p.name, 0, p), g.expected[0].name);
  assert.equal(D.value(g.strings, null, 0, p), null);
  assert.equal(D.value(['a', 'b'], {key: 'k', table: [1, -1]}, 1, {}), null);
  assert.equal(D.value(['a', 'b'], {key: 'k', table: [1, -1]}, 0, {}), 'b');
  assert.equal(D.value([], {key: 'k', text: ['x', null]}, 0, {}), 'x');
  assert.equal(D.value([], {key: 'f_id', same: 'ids'}, 1, {ids: ['a', 'b']}), 'b');
  assert.equal(D.value([], {key: 'f_place', same: 'place'}, 0, {place: {key: 'place', text: ['Alpha']}}), 'Alpha');
});

test('the hostile name stays escaped text', () => {
  const g = golden('sites_inline');
  const hostile = D.siteRecords(g.payload, g.strings).find((r) => r.id === 'hostile');
  assert.ok(hostile.name.startsWith('&lt;script&gt;'));
  assert.ok(!hostile.name.includes('<'));
});

test('each site goes to its sector\'s group, an uploaded one to the uploads\' group', () => {
  const g = golden('sites_inline');
  const p = g.payload;
  for (let i = 0; i < p.ids.length; i++) {
    const expected = p.upload[i] ? p.group_of_upload : p.group_of_sector[p.sector[i]];
    assert.equal(D.groupOf(p, i), expected);
    assert.ok(D.groupOf(p, i) >= 0);
  }
});

test('marker classes are CSS-safe', () => {
  const p = {ids: ['a b/c"<d>'], sector: [0], sector_slugs: ['glass']};
  assert.equal(D.markerClass(p, 0), 'site-marker site-a_b_c__d_ sector-glass');
});

test('a selection bit mask gives the sites it marks (null: all)', () => {
  const g = golden('sites_served');
  assert.deepEqual(D.selectionIndices(g.served.selection), g.selected);
  assert.equal(D.selectionIndices(null), null);
  // bit i % 8 of byte i / 8: 0b00000101, 0b00000010 -> sites 0, 2 and 9
  assert.deepEqual(D.selectionIndices(Buffer.from([5, 2]).toString('base64')), [0, 2, 9]);
});

test('a served selection decodes to the same records as the Python reference decoder', () => {
  const g = golden('sites_served');
  const selected = D.select(g.file, g.served);
  assert.deepEqual(D.siteRecords(selected), g.expected);
  assert.equal(selected.ids.length, g.served.count);
});

test("a served file's lines, read in chunks of any size, select and merge to the whole file's sites", () => {
  const g = golden('sites_served');
  const text = g.lines.join('\n');
  for (const size of [1, 7, 64, text.length]) {
    const lines = [];
    const reader = D.lineReader((line, k) => lines.push([k, line]));
    for (let at = 0; at < text.length; at += size) reader.push(text.slice(at, at + size));
    reader.end();
    assert.deepEqual(lines, g.lines.map((line, k) => [k, line]), `chunks of ${size}`);
    const [markers, texts] = lines.map(([, line]) => D.select(JSON.parse(line), g.served));
    assert.ok(!('name' in markers) && !('rows' in markers));  // (the markers can be drawn before the texts are in)
    assert.deepEqual(D.siteRecords(D.merge(markers, texts)), g.expected);
  }
});

test('a line reader gives nothing for an empty file and a last line without its newline', () => {
  const lines = [];
  const reader = D.lineReader((line) => lines.push(line));
  reader.end();
  assert.deepEqual(lines, []);
  reader.push('{"a":1}\n{"b"');
  reader.push(':2}');
  reader.end();
  assert.deepEqual(lines, ['{"a":1}', '{"b":2}']);
});

test('readJsonLines inflates a served file and gives its lines as they come, or the HTTP error', async () => {
  const g = golden('sites_served');
  const gz = zlib.gzipSync(Buffer.from(g.lines.join('\n')));
  const root = {fetch: async () => new Response(gz), DecompressionStream, TextDecoderStream};
  const got = [];
  let answered = 0;
  await D.readJsonLines(root, '/cache/sites.json.gz', (line, k) => got.push([k, JSON.parse(line)]), () => { answered += 1; });
  assert.equal(answered, 1);
  assert.deepEqual(got, g.lines.map((line, k) => [k, JSON.parse(line)]));
  const missing = {fetch: async () => new Response('gone', {status: 404})};
  await assert.rejects(D.readJsonLines(missing, '/cache/x.json.gz', () => {}), /x\.json\.gz: HTTP 404/);
});

test('readJsonLines reads an answer already fetched (early.js hands the worker its body) without fetching again', async () => {
  const g = golden('sites_served');
  const body = new Response(zlib.gzipSync(Buffer.from(g.lines.join('\n')))).body;
  const root = {fetch: () => assert.fail('fetched again'), DecompressionStream, TextDecoderStream};
  const got = [];
  await D.readJsonLines(root, '/cache/sites.json.gz', (line, k) => got.push([k, JSON.parse(line)]), null, body);
  assert.deepEqual(got, g.lines.map((line, k) => [k, JSON.parse(line)]));
});

test('commune records and rings decode as the Python reference decoder reads them', () => {
  const g = golden('communes');
  assert.deepEqual(D.communeRecords(g.payload, g.strings), g.expected);
  const scale = Math.pow(10, -g.payload.decimals);
  const ring = D.ring(g.payload.rings[0][0][0], scale);
  assert.equal(ring.length, g.first_ring.length);
  ring.forEach((ll, k) => {
    assert.ok(Math.abs(ll[0] - g.first_ring[k][0]) < 1e-9 && Math.abs(ll[1] - g.first_ring[k][1]) < 1e-9);
  });
  const shape = D.shape(g.payload.rings[0], scale);
  assert.equal(shape[0].length, 2);  // the first commune has a hole
});

test("a commune's friches in one line: number, by status, known surface", () => {
  const p = {status_slugs: ['without-project', 'potential', 'reused'], status_labels: ['Sans projet', 'Potentielle', 'Reconvertie'],
             status: [0, 1, 0, 2], ha_hundredths: [150, -1, 25, 1000]};
  assert.equal(D.fricheSummary(p, [0, 1, 2], 'en-GB'), '3 (Sans projet 2, Potentielle 1) · 1.8 ha');
  assert.equal(D.fricheSummary(p, [1], 'en-GB'), '1 (Potentielle 1)');
});

test('a card reads in an audience\'s order: what, who, jobs, brownfield, years, sources; codes last', () => {
  const g = golden('sites_inline');
  const keys = g.payload.rows.map((c) => c.key);
  const order = ['f_activity', 'f_company', 'f_jobs', 'f_brownfield', 'f_brownfield_history', 'f_sources',
    'f_insee', 'f_location_precision', 'f_id'];
  const at = order.map((k) => keys.indexOf(k));
  assert.ok(at.every((k) => k >= 0), `every row in the golden payload: ${keys}`);
  assert.deepEqual([...at].sort((a, b) => a - b), at);
  // nothing after the codes but codes
  assert.deepEqual(keys.slice(keys.indexOf('f_insee')), ['f_insee', 'f_location_precision', 'f_id']);
});

test('an id goes into an attribute as text and reads back unchanged', () => {
  assert.equal(D.attr('a"b<c>&d\'e'), 'a&quot;b&lt;c&gt;&amp;d&#39;e');
  assert.equal(D.attr('strasbourg-2crsi'), 'strasbourg-2crsi');
});

test('the sites under the pointer are the discs that hold it', () => {
  const discs = [{x: 100, y: 100, r: 10}, {x: 100, y: 100, r: 10}, {x: 108, y: 100, r: 5}, {x: 140, y: 100, r: 20}];
  assert.deepEqual(D.under(discs, 100, 100), [0, 1]);  // one point, two sites (2CRSI and OVHcloud)
  assert.deepEqual(D.under(discs, 106, 100), [0, 1, 2]);
  assert.deepEqual(D.under(discs, 125, 100), [3]);
  assert.deepEqual(D.under(discs, 100, 111), []);
  assert.deepEqual(D.under(discs, 110, 100), [0, 1, 2]);  // the edge belongs to the disc
});

function gaps(offsets, r) {
  let least = Infinity;
  for (let a = 0; a < offsets.length; a++) {
    for (let b = a + 1; b < offsets.length; b++) {
      least = Math.min(least, Math.hypot(offsets[a].x - offsets[b].x, offsets[a].y - offsets[b].y) - 2 * r);
    }
  }
  return least;
}

test('fanned-out markers never touch and each stands off the centre by a leader line', () => {
  for (const r of [5, 7, 22.4, 40]) {
    for (let n = 2; n <= 30; n++) {
      const off = D.fanOffsets(n, r);
      assert.equal(off.length, n);
      assert.ok(gaps(off, r) >= 5.9, `n=${n} r=${r}: markers ${gaps(off, r)} px apart`);
      off.forEach((o) => assert.ok(Math.hypot(o.x, o.y) >= r + 14 - 1e-9, `n=${n} r=${r}: leg too short`));
    }
  }
  // two side by side, centred on the spot
  const two = D.fanOffsets(2, 7);
  assert.ok(Math.abs(two[0].y) < 1e-9 && Math.abs(two[1].y) < 1e-9 && Math.abs(two[0].x + two[1].x) < 1e-9);
  assert.deepEqual(D.fanOffsets(1, 7), [{x: 0, y: 0}]);
  assert.deepEqual(D.fanOffsets(0, 7), []);
});

test('a larger gap spreads the fan wider', () => {
  const near = D.fanOffsets(5, 10, {gap: 2}), far = D.fanOffsets(5, 10, {gap: 30});
  assert.ok(Math.hypot(far[0].x, far[0].y) > Math.hypot(near[0].x, near[0].y));
});

test('a served selection of friches decodes as the Python reference decoder does', () => {
  const g = golden('friches_served');
  const selected = D.selectFriches(g.file, g.served);
  assert.deepEqual(selected, g.expected);
  assert.deepEqual(selected.ids, ['f-1', 'f-3']);
  assert.equal(selected.ids.length, g.served.count);
  assert.equal(selected.radius, g.served.radius);
  assert.deepEqual(D.selectFriches(g.file, {selection: null, radius: 3}).ids, g.file.ids);  // null: all
});
