// Pure functions of the map's wire format (geo/mapview/payload.py is the Python twin):
// no DOM, no Leaflet. In the browser they are window.ReindusDecode; under node, the module.
//
// A site payload (SitePayload) holds one entry per site, as columns:
//   ids, lon, lat (integers, degrees × 10^coord_decimals), sector (index into
//   sector_slugs), radius_tenths (marker radius in tenths of a pixel), unknown_jobs,
//   departement, upload (0 or 1), the marker texts name, place, jobs_text, sub, insee
//   and the card rows (each a Column), group_of_sector / group_of_upload (the layer
//   each site goes to), strings (the string table, when the payload carries its own).
// A served selection (ServedSites) is {file, selection, count, group_of_sector,
//   group_of_upload}: the sites of the file that the bit mask `selection` marks. The file is
//   JSON lines: the markers' columns on its first line, the texts on the next (lineReader).
// A Column is {key, table: [string-table index | -1]}, {key, text: [escaped text | null]}
//   or {key, same: name} (the same values as another column, or as `ids`).
// An area payload (AreaPayload) is {decimals, rings: [[[encoded ring, ...], ...] | []]},
//   with, for communes, fill_class, name, jobs_text, rows and insee_row.
(function (root, factory) {
  var api = factory();
  if (typeof module === 'object' && module.exports) module.exports = api;
  else root.ReindusDecode = api;
}(typeof self !== 'undefined' ? self : this, function () {
  'use strict';

  var MARKER_TEXTS = ['name', 'place', 'jobs_text', 'sub', 'insee'];
  var SITE_COLUMNS = ['ids', 'lon', 'lat', 'sector', 'radius_tenths', 'unknown_jobs', 'departement', 'upload'];

  // One ring in Google's encoded polyline format (what geo.encode writes): [[lat, lng], ...].
  function ring(text, scale) {
    var out = [], i = 0, lat = 0, lng = 0, n = text.length;
    while (i < n) {
      var b, shift = 0, result = 0;
      do { b = text.charCodeAt(i++) - 63; result |= (b & 31) << shift; shift += 5; } while (b >= 32);
      lat += (result & 1) ? ~(result >> 1) : (result >> 1);
      shift = 0; result = 0;
      do { b = text.charCodeAt(i++) - 63; result |= (b & 31) << shift; shift += 5; } while (b >= 32);
      lng += (result & 1) ? ~(result >> 1) : (result >> 1);
      out.push([lat * scale, lng * scale]);
    }
    return out;
  }

  // A (multi)polygon: [[ring, ring...], ...] of encoded rings, as Leaflet's nested latlngs.
  function shape(polygons, scale) {
    return polygons.map(function (p) { return p.map(function (r) { return ring(r, scale); }); });
  }

  // The text of column `col` for entry i (null: nothing to show).
  function value(strings, col, i, payload) {
    if (!col) return null;
    if (col.same) {
      var ref = payload[col.same];
      return Array.isArray(ref) ? ref[i] : value(strings, ref, i, payload);
    }
    if (col.text) return col.text[i];
    var j = col.table[i];
    return j < 0 ? null : strings[j];
  }

  // The entries a selection bit mask marks (base64; bit i % 8 of byte i / 8); null: all.
  function selectionIndices(mask) {
    if (!mask) return null;
    var bytes = atob(mask), out = [];
    for (var b = 0; b < bytes.length; b++) {
      var v = bytes.charCodeAt(b);
      for (var k = 0; v && k < 8; k++) if (v & (1 << k)) out.push(b * 8 + k);
    }
    return out;
  }

  // The site payload of a served selection: the file's sites that its mask marks. `file` may
  // be one part of the file (one of its JSON lines: the markers', the texts'): what it holds.
  function select(file, served) {
    var idx = selectionIndices(served.selection), out = {};
    function pick(a) { return idx ? idx.map(function (i) { return a[i]; }) : a; }
    function col(c) {
      if (c.same) return c;
      return c.text ? {key: c.key, text: pick(c.text)} : {key: c.key, table: pick(c.table)};
    }
    ['strings', 'sector_slugs', 'coord_decimals'].forEach(function (k) { if (k in file) out[k] = file[k]; });
    if (file.rows) out.rows = file.rows.map(col);
    SITE_COLUMNS.forEach(function (k) { if (k in file) out[k] = pick(file[k]); });
    MARKER_TEXTS.forEach(function (k) { if (k in file) out[k] = col(file[k]); });
    out.group_of_sector = served.group_of_sector;
    out.group_of_upload = served.group_of_upload;
    return out;
  }

  // A served file's lines as they arrive in text chunks (geo.served: JSON lines, the markers'
  // part first): onLine(text, k) for each whole line, the k-th; end() for the last one.
  function lineReader(onLine) {
    var parts = [], k = 0;
    function line(text) { if (text) onLine(text, k++); }
    return {
      push: function (chunk) {
        var at = chunk.indexOf('\n'), from = 0;
        while (at >= 0) {
          parts.push(chunk.slice(from, at));
          line(parts.join(''));
          parts = [];
          from = at + 1;
          at = chunk.indexOf('\n', from);
        }
        if (from < chunk.length) parts.push(chunk.slice(from));
      },
      end: function () { line(parts.join('')); parts = []; }
    };
  }

  // A served file read as it arrives (`root`: the window or a worker's global; the stream
  // APIs the browsers have): fetched, inflated, decoded, onLine(text, k) for each of its lines
  // as soon as it is whole; onResponse() once the server answered. Resolves at its end.
  // `body`: the body of a good answer already fetched (early.js's), not fetched again.
  function readJsonLines(root, url, onLine, onResponse, body) {
    return (body ? Promise.resolve({ok: true, body: body}) : root.fetch(url)).then(function (r) {
      if (!r.ok) throw new Error(url + ': HTTP ' + r.status);
      if (onResponse) onResponse();
      var reader = r.body.pipeThrough(new root.DecompressionStream('gzip')).pipeThrough(new root.TextDecoderStream()).getReader();
      var lines = lineReader(onLine);
      function next() {
        return reader.read().then(function (chunk) {
          if (chunk.done) { lines.end(); return undefined; }
          lines.push(chunk.value);
          return next();
        });
      }
      return next();
    });
  }

  // A later part of a payload (the texts) into the payload drawn first: its columns added.
  function merge(p, part) {
    Object.keys(part).forEach(function (k) { if (!(k in p)) p[k] = part[k]; });
    return p;
  }

  // The layer (feature group index) of site i: its sector's, or the uploads' one.
  function groupOf(p, i) { return p.upload[i] ? p.group_of_upload : p.group_of_sector[p.sector[i]]; }

  // The entries of a served file (geo.served) that a map's selection marks: `kind` 'sites'
  // (select) or 'friches' (selectFriches); the same in the worker and on the page.
  function selectServed(kind, file, served) {
    return kind === 'friches' ? selectFriches(file, served) : select(file, served);
  }

  // The points of the sites whose group is shown (`shown` null: every entry, as friches), for
  // a cluster index (Supercluster's input: GeoJSON points, each with its entry {i}).
  function clusterPoints(p, shown) {
    var scale = Math.pow(10, p.coord_decimals), points = [];
    for (var i = 0; i < p.ids.length; i++) {
      if (shown && !shown[groupOf(p, i)]) continue;
      points.push({type: 'Feature', properties: {i: i}, geometry: {type: 'Point', coordinates: [p.lon[i] / scale, p.lat[i] / scale]}});
    }
    return points;
  }

  // A loaded Supercluster index as arrays a worker can transfer (issue 14: the index is made
  // off the page's main thread): per zoom, its KD-tree's buffer and its clusters' flat data,
  // and each point's site entry. `transfer` lists the buffers (postMessage's transfer list).
  function packIndex(index) {
    var transfer = [], trees = index.trees.map(function (tree) {
      if (!tree) return null;
      var data = Float64Array.from(tree.data), kd = tree.ids.buffer;
      transfer.push(data.buffer, kd);
      return {kd: kd, data: data};
    });
    var sites = Int32Array.from(index.points, function (pt) { return pt.properties.i; });
    transfer.push(sites.buffer);
    return {trees: trees, sites: sites, transfer: transfer};
  }

  // A buffer of this realm: `kd` itself, or a copy of a buffer made in another realm (a
  // worker the page above a map's frame started answers with the page's objects: early.js),
  // which KDBush refuses (its `instanceof ArrayBuffer`).
  function own(kd) {
    return kd instanceof ArrayBuffer ? kd : new Uint8Array(kd).slice().buffer;
  }

  // The index again from packIndex's arrays: a Supercluster made with the same options, its
  // trees rebuilt from their buffers (KDBush.from, the class of an index Supercluster makes),
  // its points those of `p` ({i}, their coordinates).
  function unpackIndex(Supercluster, options, packed, p) {
    var one = {type: 'Feature', properties: {}, geometry: {type: 'Point', coordinates: [0, 0]}};
    var KDBush = new Supercluster(options).load([one]).trees[0].constructor;
    var index = new Supercluster(options), scale = Math.pow(10, p.coord_decimals), sites = packed.sites;
    index.trees = packed.trees.map(function (t) {
      if (!t) return t;
      var tree = KDBush.from(own(t.kd));
      tree.data = t.data;
      return tree;
    });
    // its points made when Supercluster reads one (the few in view), not 100,000 at once
    var made = [];
    index.points = new Proxy(made, {get: function (target, key) {
      if (key === 'length') return sites.length;
      var k = typeof key === 'string' ? Number(key) : NaN;
      if (!(k >= 0 && k < sites.length && k === Math.floor(k))) return target[key];
      var i = sites[k];
      return made[k] || (made[k] = {type: 'Feature', properties: {i: i}, geometry: {type: 'Point', coordinates: [p.lon[i] / scale, p.lat[i] / scale]}});
    }});
    return index;
  }

  // The CSS class of a site's marker: ids with characters outside [A-Za-z0-9_-] made safe.
  function markerClass(p, i) {
    return 'site-marker site-' + p.ids[i].replace(/[^A-Za-z0-9_-]/g, '_') + ' sector-' + p.sector_slugs[p.sector[i]];
  }

  // Every site of a payload as a plain record (what the runtime draws; what tests compare).
  function siteRecords(p, strings) {
    var S = p.strings || strings, scale = Math.pow(10, p.coord_decimals), out = [];
    for (var i = 0; i < p.ids.length; i++) {
      var rec = {id: p.ids[i], sector: p.sector_slugs[p.sector[i]], group: groupOf(p, i),
                 lon: p.lon[i] / scale, lat: p.lat[i] / scale, radius: p.radius_tenths[i] / 10,
                 unknown_jobs: !!p.unknown_jobs[i], departement: !!p.departement[i], upload: !!p.upload[i],
                 className: markerClass(p, i), rows: []};
      MARKER_TEXTS.forEach(function (k) { rec[k] = value(S, p[k], i, p); });
      p.rows.forEach(function (c) {
        var v = value(S, c, i, p);
        if (v !== null && v !== undefined) rec.rows.push([c.key, v]);
      });
      out.push(rec);
    }
    return out;
  }

  // Every commune of an area payload as a plain record.
  function communeRecords(p, strings) {
    var out = [];
    for (var i = 0; i < p.rings.length; i++) {
      var rec = {insee: value(strings, p.rows[p.insee_row], i, p), fill_class: p.fill_class[i],
                 name: value(strings, p.name, i, p), jobs_text: value(strings, p.jobs_text, i, p), rows: []};
      p.rows.forEach(function (c) {
        var v = value(strings, c, i, p);
        if (v !== null && v !== undefined) rec.rows.push([c.key, v]);
      });
      out.push(rec);
    }
    return out;
  }

  // A commune's friches (FrichePayload, geo/mapview/friches.py; entries `indices`) in one
  // line: their number, by status (in status_slugs' order), and their known surface in ha.
  function fricheSummary(p, indices, locale) {
    var n = p.status_slugs.map(function () { return 0; }), ha = 0, known = 0;
    indices.forEach(function (i) {
      n[p.status[i]] += 1;
      if (p.ha_hundredths[i] >= 0) { ha += p.ha_hundredths[i]; known += 1; }
    });
    var parts = [];
    n.forEach(function (count, k) { if (count) parts.push(p.status_labels[k] + ' ' + count); });
    var text = indices.length + (parts.length ? ' (' + parts.join(', ') + ')' : '');
    if (known) text += ' · ' + (ha / 100).toLocaleString(locale, {maximumFractionDigits: 1}) + ' ha';
    return text;
  }

  // The friche payload of a served selection (ServedFriches {file, selection, count, radius,
  // failed}; geo/mapview/friches.py select_friches is the twin): the file's friches that its
  // mask marks, drawn at the map's radius.
  var PER_FRICHE = ['ids', 'lon', 'lat', 'status', 'name', 'tip', 'url', 'insee', 'ha_hundredths'];
  function selectFriches(file, served) {
    var idx = selectionIndices(served.selection), out = {};
    function pick(a) { return idx ? idx.map(function (i) { return a[i]; }) : a; }
    Object.keys(file).forEach(function (k) { out[k] = file[k]; });
    PER_FRICHE.forEach(function (k) { if (k in file) out[k] = pick(file[k]); });
    if (file.rows) out.rows = file.rows.map(function (r) { return {key: r.key, label: r.label, idx: pick(r.idx)}; });
    out.radius = served.radius;
    return out;
  }

  // ---- overlapping sites (the runtime's spiderfy) ------------------------------------

  // Text for an HTML attribute's value (a site id in data-open-site: read back unchanged).
  function attr(text) {
    return String(text).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')
      .replace(/</g, '&lt;').replace(/>/g, '&gt;');
  }

  // The discs ({x, y, r}, screen pixels) that hold the point (x, y): the sites under the
  // pointer. Two or more: the click is ambiguous, the runtime fans them out.
  function under(discs, x, y) {
    var out = [];
    for (var k = 0; k < discs.length; k++) {
      var d = discs[k], dx = d.x - x, dy = d.y - y;
      if (dx * dx + dy * dy <= d.r * d.r) out.push(k);
    }
    return out;
  }

  // Where n overlapping markers (largest radius rMax px) go when fanned out: offsets in
  // screen pixels from their common centre, far enough apart that no two touch (gap px
  // between edges) and no closer than rMax + minLeg (a leader line shows). Up to 8 on a
  // circle (two side by side), more on a spiral, as Leaflet.markercluster does.
  function fanOffsets(n, rMax, opts) {
    var o = opts || {}, gap = o.gap === undefined ? 6 : o.gap, minLeg = o.minLeg === undefined ? 14 : o.minLeg;
    var step = 2 * rMax + gap, out = [], k;
    if (n < 2) return n === 1 ? [{x: 0, y: 0}] : [];
    if (n <= 8) {
      var radius = Math.max(step / (2 * Math.sin(Math.PI / n)), rMax + minLeg);
      var start = n === 2 ? Math.PI : -Math.PI / 2;
      for (k = 0; k < n; k++) {
        var a = start + 2 * Math.PI * k / n;
        out.push({x: radius * Math.cos(a), y: radius * Math.sin(a)});
      }
      return out;
    }
    // Archimedean spiral r = b·θ whose turns are 1.1 `step` apart (no two points of adjacent
    // turns closer than `step`), each point a chord of at least `step` from the one before
    var b = 1.1 * step / (2 * Math.PI), theta = (rMax + minLeg) / b;
    for (k = 0; k < n; k++) {
      var r = b * theta;
      out.push({x: r * Math.cos(theta), y: r * Math.sin(theta)});
      theta += 2 * Math.asin(Math.min(1, step / (2 * r)));
    }
    return out;
  }

  return {ring: ring, shape: shape, value: value, selectionIndices: selectionIndices, select: select,
          groupOf: groupOf, markerClass: markerClass, siteRecords: siteRecords, communeRecords: communeRecords,
          fricheSummary: fricheSummary, selectFriches: selectFriches, attr: attr, under: under, fanOffsets: fanOffsets,
          clusterPoints: clusterPoints, packIndex: packIndex, unpackIndex: unpackIndex, selectServed: selectServed,
          lineReader: lineReader, readJsonLines: readJsonLines, merge: merge};
}));
