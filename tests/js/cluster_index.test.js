// The cluster index made in the sites' worker and rebuilt on the page (issue 14): the same
// clusters as an index made on the page, after the arrays travel as postMessage sends them
// (structured clone with their buffers transferred).
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

// The Supercluster the app ships (geo.assets: node_modules' dist build, a browser script)
// (its UMD wrapper sets globalThis.Supercluster: here the context's global, which shares this
// realm's typed arrays and buffers)
const shipped = {Math, Float32Array, Float64Array, Uint8Array, Uint16Array, Uint32Array, Int8Array, Int16Array,
                 Int32Array, Uint8ClampedArray, ArrayBuffer, Array, Error, Date, console};
vm.runInNewContext(
  fs.readFileSync(path.join(__dirname, '../../node_modules/supercluster/dist/supercluster.min.js'), 'utf8'), shipped);
const Supercluster = shipped.Supercluster;
const D = require('../../geo/mapview/static/decode.js');

const OPTIONS = {radius: 60, extent: 256, maxZoom: 13};  // (runtime.js clusterOptions)

function payload(n, seed) {
  let x = seed;
  const rand = () => { x = (x * 1103515245 + 12345) % 2147483648; return x / 2147483648; };
  const p = {ids: [], lon: [], lat: [], sector: [], upload: [], coord_decimals: 5,
             group_of_sector: [0, 1, 2], group_of_upload: 3};
  for (let i = 0; i < n; i++) {
    p.ids.push('s' + i);
    p.lon.push(Math.round((-4.8 + 13 * rand()) * 1e5));
    p.lat.push(Math.round((42.3 + 8.8 * rand()) * 1e5));
    p.sector.push(i % 3);
    p.upload.push(i % 50 === 0);
  }
  return p;
}

function travelled(index) {  // what the page receives from the worker
  const packed = D.packIndex(index);
  return structuredClone({trees: packed.trees, sites: packed.sites}, {transfer: packed.transfer});
}

test('an index rebuilt from its packed arrays gives the same clusters at every zoom', () => {
  const p = payload(5000, 7);
  const shown = [true, false, true, true];
  const points = D.clusterPoints(p, shown);
  assert.ok(points.every((pt) => shown[D.groupOf(p, pt.properties.i)]));
  assert.equal(points.length, p.ids.filter((_, i) => shown[D.groupOf(p, i)]).length);
  const here = new Supercluster(OPTIONS).load(points);
  const rebuilt = D.unpackIndex(Supercluster, OPTIONS, travelled(new Supercluster(OPTIONS).load(D.clusterPoints(p, shown))), p);
  const describe = (it) => it.properties.cluster
    ? ['c', it.id, it.properties.point_count, it.geometry.coordinates.map((c) => c.toFixed(6))]
    : ['s', it.properties.i, it.geometry.coordinates.map((c) => c.toFixed(6))];
  for (const [zoom, box] of [[5, [-10, 40, 15, 52]], [8, [2, 48, 3, 49]], [11, [4.7, 45.6, 5.0, 45.9]], [14, [-180, -85, 180, 85]]]) {
    const a = here.getClusters(box, zoom).map(describe), b = rebuilt.getClusters(box, zoom).map(describe);
    assert.ok(a.length > 0, `clusters at ${zoom}`);
    assert.deepEqual(b, a);
    for (const it of here.getClusters(box, zoom).filter((c) => c.properties.cluster).slice(0, 5)) {
      assert.equal(rebuilt.getClusterExpansionZoom(it.id), here.getClusterExpansionZoom(it.id));
      // (the rebuilt index makes its points as they are read: the same leaves)
      assert.deepEqual(rebuilt.getLeaves(it.id, Infinity).map(describe), here.getLeaves(it.id, Infinity).map(describe));
    }
  }
});

test('friches: every entry is a point (no groups)', () => {
  const p = payload(300, 5);
  delete p.upload;  // (a friche payload has no groups)
  const points = D.clusterPoints(p, null);
  assert.deepEqual(points.map((pt) => pt.properties.i), p.ids.map((_, i) => i));
  assert.deepEqual(points[7].geometry.coordinates, [p.lon[7] / 1e5, p.lat[7] / 1e5]);
});

test('no point shown: an empty index that still answers', () => {
  const p = payload(100, 3);
  const rebuilt = D.unpackIndex(Supercluster, OPTIONS, travelled(new Supercluster(OPTIONS).load(D.clusterPoints(p, [false, false, false, false]))), p);
  assert.equal(rebuilt.getClusters([-180, -85, 180, 85], 5).length, 0);
});

test("arrays of another realm (a worker the map's page started: early.js) give the same index", () => {
  const p = payload(2000, 11);
  const shown = [true, true, true, true];
  const packed = travelled(new Supercluster(OPTIONS).load(D.clusterPoints(p, shown)));
  // the page's objects, as a map's frame sees them: buffers of that realm, not of this one
  const page = vm.createContext({});
  const foreign = (buffer) => {
    const copy = vm.runInContext(`new ArrayBuffer(${buffer.byteLength})`, page);
    new Uint8Array(copy).set(new Uint8Array(buffer));
    return copy;
  };
  const theirs = {sites: packed.sites, trees: packed.trees.map((t) => t && {
    kd: foreign(t.kd), data: new (vm.runInContext('Float64Array', page))(foreign(t.data.buffer)),
  })};
  assert.ok(!(theirs.trees[0].kd instanceof ArrayBuffer));
  const rebuilt = D.unpackIndex(Supercluster, OPTIONS, theirs, p);
  const here = new Supercluster(OPTIONS).load(D.clusterPoints(p, shown));
  const ids = (index) => index.getClusters([-10, 40, 15, 52], 6).map((c) => [c.id, c.properties.point_count || 1]);
  assert.ok(ids(here).length > 0);
  assert.deepEqual(ids(rebuilt), ids(here));
});
