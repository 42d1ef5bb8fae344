// The map's runtime (window.ReindusMap): turns the payloads geo/mapview writes into Leaflet
// layers, cards and tooltips. The pure decoding functions are in decode.js (ReindusDecode).
//
// Contract for browser tests and the app: window.__reindus {map, openSite, openCommune},
// window.__mapReady, window.__sites {id: marker}, window.__communes {insee: layer},
// window.__siteCount and the map container's data-site-count, window.__mapError;
// window.__sitesFiles (the served sites' files read), window.__sitesDrawn (the sites' markers
// are on the map; a map whose sites come from a served file draws its communes next, then
// sets __mapReady);
// friches: window.__friches {id: marker}, window.__fricheCount, __reindus.openFriche(id);
// a clustered layer makes markers for the friches on screen only (window.__fricheIndex {id: entry}).
(function (window) {
  'use strict';
  if (window.ReindusMap) return;
  var L = window.L, D = window.ReindusDecode, RM = {};
  var PANES = [['rc-communes', 405], ['rc-outlines', 410], ['rc-precision', 415], ['rc-friches', 425], ['rc-sites', 430]];
  var val = D.value;
  // The map's moments, for the bench's timeline (performance marks rc:*, read by bench/browser.py).
  function mark(name) { if (window.performance && window.performance.mark) window.performance.mark('rc:' + name); }
  // A worker's moments (ms since the epoch) as marks on this page's timeline.
  function markAt(kind, times) {
    var P = window.performance;
    if (!(times && P && P.mark && P.timeOrigin)) return;
    Object.keys(times).forEach(function (name) {
      try { P.mark('rc:' + kind + '_' + name, {startTime: Math.max(0, times[name] - P.timeOrigin)}); } catch { /* old mark() */ }
    });
  }

  // ------------------------------------------------------------------ cards and tooltips

  function rowsHtml(S, p, i, labels, extra) {
    var rows = '';
    for (var c = 0; c < p.rows.length; c++) {
      var col = p.rows[c], v = val(S, col, i, p);
      if (v !== null && v !== undefined) {
        if (extra && extra[col.key]) v += extra[col.key];
        rows += '<tr><th scope="row">' + (labels[col.key] || '') + '</th><td>' + v + '</td></tr>';
      }
    }
    return '<table class="rc-table">' + rows + '</table>';
  }

  function stringsOf(m) { return m.rcData.strings || m.rcMap._rc.S; }

  // The card of a site or friche opened before its texts are read (textsIn shows them).
  function loadingCard(d, cfg) {
    d.className += ' rc-card-loading';
    d.textContent = cfg.cardLoading;
    return d;
  }

  function siteCard(m) {
    var p = m.rcData, i = m.rcIndex, S = stringsOf(m), cfg = m.rcMap._rc.cfg;
    var d = document.createElement('div');
    d.className = 'rc-card';
    d.setAttribute('data-site-id', p.ids[i]);
    if (!hasTexts(p)) return loadingCard(d, cfg);
    d.innerHTML = '<div class="rc-title">' + val(S, p.name, i, p) + '</div><div class="rc-sub">' +
      val(S, p.sub, i, p) + '</div>' + sameSpotHtml(m) + rowsHtml(S, p, i, cfg.labels);
    return d;
  }
  // Sites at the very same point (two companies at one address, a commune's centre): the
  // card of the marker on top names the others, each a link that opens its card — without
  // it, the markers below could not be clicked (see openSameSpot).
  function sameSpotHtml(m) {
    var here = m.rcHome, links = [], cfg = m.rcMap._rc.cfg, more = 0;
    for (var id in window.__sites) {
      var o = window.__sites[id];
      if (o === m || !o.rcHome.equals(here)) continue;
      if (links.length < cfg.communeSitesMax) links.push(siteLink(id, val(stringsOf(o), o.rcData.name, o.rcIndex, o.rcData)));
      else more++;  // (a commune's centre may hold a hundred: the fan shows them all)
    }
    if (more) links.push(cfg.more.replace('{n}', String(more)));
    return links.length ? '<div class="rc-same">' + cfg.sameSpot + ' ' + links.join(', ') + '</div>' : '';
  }
  // A link that opens a site's card (the same-spot line, a commune's sites): `name` is
  // escaped text already; the id is data, made an attribute value here.
  function siteLink(id, name) {
    return '<a href="#" class="rc-site-link" data-open-site="' + D.attr(id) + '">' + name + '</a>';
  }
  function openSameSpot(map, e) {
    var link = e.target.closest && e.target.closest('[data-open-site]');
    if (!link) return;
    e.preventDefault();
    RM.openSite(map, link.getAttribute('data-open-site'), {});
  }

  function siteTip(m) {
    var p = m.rcData, i = m.rcIndex, S = stringsOf(m);
    if (!hasTexts(p)) return m.rcMap._rc.cfg.cardLoadingHtml;
    var place = val(S, p.place, i, p);
    return '<b>' + val(S, p.name, i, p) + '</b>' + (place ? '<br>' + place : '') + '<br>' + val(S, p.jobs_text, i, p);
  }

  // The sites of a commune, for its card, each a link to its own card ([id, name]): matched
  // on the INSEE code, in every site payload of the map (a clustered map has markers only
  // for the sites on screen).
  function sitesOf(map, code) {
    var rc = map._rc;
    if (!rc.byCommune) {
      rc.byCommune = Object.create(null);
      (rc.sitePayloads || []).forEach(function (p) {
        var S = p.strings || rc.S;
        for (var i = 0; i < p.ids.length; i++) {
          var at = val(S, p.insee, i, p);
          if (at) (rc.byCommune[at] = rc.byCommune[at] || []).push([p.ids[i], val(S, p.name, i, p)]);
        }
      });
    }
    return rc.byCommune[code] || [];
  }

  function communeSitesList(sites, cfg) {
    if (!sites.length) return '';
    var list = '<ul class="rc-sources rc-commune-sites">', max = cfg.communeSitesMax;
    for (var k = 0; k < Math.min(sites.length, max); k++) list += '<li>' + siteLink(sites[k][0], sites[k][1]) + '</li>';
    if (sites.length > max) list += '<li>' + cfg.more.replace('{n}', String(sites.length - max)) + '</li>';
    return list + '</ul>';
  }

  // The friches of a commune (when the layer is on; their entries in its payload), matched
  // on the INSEE code in the payload itself (a clustered layer has markers only for the
  // friches on screen).
  function frichesOf(map, code) {
    var rc = map._rc, p = rc.friches && rc.friches.p;
    if (!p) return [];
    if (!rc.fricheByCommune) {
      rc.fricheByCommune = Object.create(null);
      for (var i = 0; i < p.ids.length; i++) {
        var at = p.insee[i];
        if (at) (rc.fricheByCommune[at] = rc.fricheByCommune[at] || []).push(i);
      }
    }
    return rc.fricheByCommune[code] || [];
  }

  function communeFriches(map, code) {
    var list = frichesOf(map, code);
    if (!list.length) return '';
    var p = map._rc.friches.p;
    var text = D.fricheSummary(p, list, map._rc.cfg.locale);
    return '<table class="rc-table rc-commune-friches"><tr><th scope="row">' + p.commune_label + '</th><td>' +
      text + '</td></tr></table>';
  }

  function communeCard(l) {
    var p = l.rcData, i = l.rcIndex, map = l.rcMap, S = map._rc.S, cfg = map._rc.cfg;
    var code = val(S, p.rows[p.insee_row], i, p), names = sitesOf(map, code);
    var d = document.createElement('div');
    d.className = 'rc-commune';
    d.innerHTML = '<div class="rc-title">' + val(S, p.name, i, p) + '</div>' +
      rowsHtml(S, p, i, cfg.labels, {f_sites: communeSitesList(names, cfg)}) + communeFriches(map, code);
    return d;
  }

  function communeTip(l) {
    var p = l.rcData, i = l.rcIndex, S = l.rcMap._rc.S;
    return '<b>' + val(S, p.name, i, p) + '</b><br>' + val(S, p.jobs_text, i, p);
  }

  // A site's or friche's card becomes an element on first open, so streamlit_folium can
  // read its text (made again once the texts are in, when it opened before them).
  function ensureCard(e) {
    var m = e && e.target ? e.target : e, pop = m.getPopup();
    if (pop && (typeof pop.getContent() === 'function' || pop.rcLoading)) {
      pop.setContent(m.rcFriche ? fricheCard(m) : siteCard(m));
      pop.rcLoading = !hasTexts(m.rcFriche || m.rcData);
    }
  }

  // ------------------------------------------------------------------ map set-up

  // A card opened before the page's styles or fonts are in (a ?site= link opens it at
  // once) is laid out at the wrong size, then drawn away from its marker and cut by the
  // map's edge: lay it out and pan again whenever its size changes.
  function relayoutCards(map, e) {
    var pop = e.popup, el = pop.getElement();
    if (!window.ResizeObserver || !el || el._rcSized) return;
    el._rcSized = true;
    function relayout() {
      if (!pop.isOpen()) return;
      // (not while the map moves: the move's end may close the card under update())
      if (map._animatingZoom || (map._panAnim && map._panAnim._inProgress)) {
        map.once('moveend', function () { window.requestAnimationFrame(relayout); });
        return;
      }
      pop.update();
    }
    new window.ResizeObserver(function () { window.requestAnimationFrame(relayout); }).observe(el);
  }

  // A card is kept clear of the map's top controls (zoom, layers; an exported map's title):
  // on a phone a card spans the map and its × lay under the layer control. Once the card is
  // placed (after a move under way, as relayoutCards does), a card under one of them gets a
  // top margin below them and is placed again; a card clear of them is left where it is.
  function clearOfControls(map, pop) {
    function again() {
      var el = pop.getElement();
      if (!pop.isOpen() || !el) return;
      if (map._animatingZoom || (map._panAnim && map._panAnim._inProgress)) {
        map.once('moveend', function () { window.requestAnimationFrame(again); });
        return;
      }
      var card = el.getBoundingClientRect(), box = map.getContainer().getBoundingClientRect(), top = 0;
      map.getContainer().querySelectorAll('.leaflet-top .leaflet-control, .rc-heading').forEach(function (c) {
        var r = c.getBoundingClientRect();  // (the layer list unfolded is no place a card goes under)
        if (!r.height || c.classList.contains('leaflet-control-layers-expanded')) return;
        if (r.left < card.right && r.right > card.left) top = Math.max(top, r.bottom - box.top + 8);
      });
      if (card.top - box.top >= top) return;
      pop.options.autoPanPaddingTopLeft = [30, top];
      pop.update();
    }
    window.requestAnimationFrame(again);
  }

  function openCommune(code) {  // as a click on it (the layer's card opens)
    var l = window.__communes[code];
    if (!l) return false;
    l.fire('click', {latlng: l.getCenter()}, true);  // (propagated to the layer's group)
    return true;
  }

  // ---- presenter mode -------------------------------------------------------------------
  // The page sizes the map's frame to the screen (ui/present.css): the map follows it.
  function fillFrame(map) {
    var el = map.getContainer(), height = window.innerHeight;
    if (height > 0 && el.style.height !== height + 'px') {
      el.style.height = height + 'px';
      map.invalidateSize({pan: false});
    }
  }
  // A clicker's keys go to the tour wherever the focus is, the map included: the page
  // (ui/present.js) handles them; the map passes on those it receives.
  function forwardKeys(map) {
    map.keyboard.disable();  // (arrows step through the tour, not pan the map)
    window.document.addEventListener('keydown', function (e) {
      var page = null;
      try { page = window.parent.__rcPresentKey; } catch { page = null; }  // (another origin)
      if (page && page(e.key)) e.preventDefault();
    });
  }
  function present(map) {
    fillFrame(map);
    window.addEventListener('resize', function () { fillFrame(map); });
    forwardKeys(map);
  }

  RM.init = function (map, cfg) {
    mark('init');
    map._rc = {cfg: cfg, count: 0, S: []};
    window.__sites = window.__sites || Object.create(null);
    window.__communes = window.__communes || Object.create(null);
    window.__friches = window.__friches || Object.create(null);
    var container = map.getContainer();
    Object.keys(cfg.cssVars).forEach(function (k) { container.style.setProperty(k, cfg.cssVars[k]); });
    PANES.forEach(function (p) {
      if (!map.getPane(p[0])) map.createPane(p[0]).style.zIndex = p[1];
    });
    map.getPane('rc-outlines').style.pointerEvents = 'none';
    map.getPane('rc-precision').style.pointerEvents = 'none';
    L.control.scale({imperial: false}).addTo(map);  // metres only
    map.on('popupopen', function (e) { clearOfControls(map, e.popup); relayoutCards(map, e); });
    if (cfg.present) present(map);
    map.getContainer().addEventListener('click', function (e) { openSameSpot(map, e); });
    map.on('click zoomstart', function () { unfan(map); });  // (a fan is laid out in pixels)
    focusWithoutScroll(map);
    window.__reindus = {
      map: map,
      openSite: function (id, opts) { return RM.openSite(map, id, opts || {}); },
      openCommune: openCommune,
      openFriche: function (id) { return RM.openFriche(map, id, {}); }
    };
  };

  RM.strings = function (map, S) { map._rc.S = S; };

  // A layer's payload travels as inert JSON in a script element of the page body
  // (not inside the map script that streamlit_folium reprocesses and hashes).
  RM.data = function (id) { return JSON.parse(document.getElementById(id).textContent); };

  // ------------------------------------------------------------------ sites

  function markerOptions(cfg, p, i) {
    var sector = p.sector_slugs[p.sector[i]], color = cfg.colors[sector] || '#777777';
    var o = {
      pane: 'rc-sites', radius: p.radius_tenths[i] / 10, color: color, weight: 1.5, opacity: 1,
      fillColor: color, fillOpacity: 0.72, className: D.markerClass(p, i)
    };
    if (p.unknown_jobs[i]) { o.fillColor = '#ffffff'; o.fillOpacity = 0.9; o.dashArray = '3 3'; o.weight = 2; }
    if (p.departement[i]) { o.dashArray = '4 3'; o.fillOpacity = p.unknown_jobs[i] ? 0.9 : 0.45; }
    if (p.upload[i]) { o.color = cfg.uploadStroke; o.weight = 2.5; }
    return o;
  }

  // A département-precision site: a large dashed halo, "somewhere around here".
  function halo(cfg, ll, color) {
    return L.circle(ll, {
      pane: 'rc-precision', radius: cfg.halo, color: color, weight: 1.5, dashArray: '6 6',
      fillColor: color, fillOpacity: 0.12, interactive: false, className: 'site-precision'
    });
  }

  function latLngOf(p, i) {
    var scale = Math.pow(10, p.coord_decimals);
    return [p.lat[i] / scale, p.lon[i] / scale];
  }

  // One site's circle marker (and, for a département-precision site, its halo).
  function makeSite(map, p, i) {
    var cfg = map._rc.cfg, ll = latLngOf(p, i), o = markerOptions(cfg, p, i);
    var m = L.circleMarker(ll, o);
    m.rcData = p; m.rcIndex = i; m.rcMap = map; m.rcHome = L.latLng(ll);  // (its place when not fanned out)
    m.rcHalo = p.departement[i] ? halo(cfg, ll, cfg.colors[p.sector_slugs[p.sector[i]]] || '#777777') : null;
    m.on('click', ensureCard);
    m.bindTooltip(siteTip, {sticky: true, direction: 'top', className: 'rc-tooltip'});
    m.bindPopup(siteCard, {maxWidth: cfg.popupWidth, minWidth: 240, className: 'rc-popup', autoPanPadding: [30, 30]});
    // a click opens the card, or fans out the sites under the pointer (see markerClick)
    m.off('click', m._openPopup, m);
    m.on('click', markerClick);
    window.__sites[p.ids[i]] = m;
    return m;
  }

  // ---- overlapping markers: fanned out on a circle ----------------------------------------
  // Sites at one point (two companies at one address), or so close that their markers
  // cover each other at this zoom: a click where several markers lie fans them out around
  // their centre, with leader lines to it; each is then a marker of its own to click (same
  // marker, same id, same card and report). Friches alike, among themselves (an inventory
  // puts land units of one site at one point: 59 friches of the extract on 24 points): a
  // fan holds the markers of one layer, those a click reaches (the sites' pane is above the
  // friches'). The fan folds back on a click on the map, a zoom, or another fan. D.under and
  // D.fanOffsets hold the geometry.
  function layerOf(m) { return m.rcFriche ? window.__friches : window.__sites; }
  function markerId(m) { return (m.rcFriche || m.rcData).ids[m.rcIndex]; }

  // The markers of m's layer over the container point pt (not fanned out already).
  function markersUnder(map, m, pt) {
    var ms = [], discs = [], layer = layerOf(m);
    for (var id in layer) {
      var o = layer[id];
      if (!o._map || o.rcFanned) continue;
      var c = map.latLngToContainerPoint(o.rcHome);
      ms.push(o);
      discs.push({x: c.x, y: c.y, r: o.getRadius()});
    }
    return D.under(discs, pt.x, pt.y).map(function (k) { return ms[k]; });
  }

  function fanOut(map, ms) {
    var rc = map._rc;
    unfan(map);
    // in payload order (ties in the same order at every click), around their mean point
    ms = ms.slice().sort(function (a, b) { return a.rcIndex - b.rcIndex; });
    var centre = L.point(0, 0), rMax = 0;
    ms.forEach(function (m) {
      centre = centre.add(map.latLngToLayerPoint(m.rcHome));
      rMax = Math.max(rMax, m.getRadius());
    });
    centre = centre.divideBy(ms.length);
    var at = map.layerPointToLatLng(centre), legs = L.layerGroup().addTo(map);
    D.fanOffsets(ms.length, rMax).forEach(function (off, k) {
      var m = ms[k], ll = map.layerPointToLatLng(centre.add(L.point(off.x, off.y)));
      L.polyline([at, ll], {pane: 'rc-precision', color: '#3e4c59', weight: 1.5, opacity: 0.9,
                            interactive: false, className: 'rc-leg'}).addTo(legs);
      m.rcFanned = true;
      m.setLatLng(ll);
      m.bringToFront();
    });
    L.circleMarker(at, {pane: 'rc-precision', radius: 3, color: '#3e4c59', weight: 1, fillColor: '#3e4c59',
                        fillOpacity: 1, interactive: false, className: 'rc-fan-centre'}).addTo(legs);
    rc.fan = {markers: ms, legs: legs, friches: !!ms[0].rcFriche};
    map.getContainer().setAttribute('data-fanned', ms.map(markerId).join(' '));
  }

  function unfan(map) {
    var fan = map._rc.fan;
    if (!fan) return;
    map._rc.fan = null;
    fan.markers.forEach(function (m) { m.rcFanned = false; m.setLatLng(m.rcHome); });
    map.removeLayer(fan.legs);
    map.getContainer().removeAttribute('data-fanned');
    if (!fan.friches && !map._rc.clustered && map._rc.count <= map._rc.cfg.sortMax) sortBySize();
  }

  // A layer's markers drawn again (clusters): a fan of that layer whose markers are not all
  // still drawn folds back (the fan of the other layer stays).
  function unfanUnless(map, friches, kept) {
    var fan = map._rc.fan;
    if (fan && fan.friches === friches && fan.markers.some(function (m) { return !kept.has(m); })) unfan(map);
  }

  // Leaflet focuses the map on a mouse press (for its keys). When the map does not fit in
  // the page's window, Chromium scrolls the page to show it between the press and the
  // release, which then lands elsewhere: the first click on a marker opened no card.
  function focusWithoutScroll(map) {
    var keys = map.keyboard;
    if (!keys || !keys.enabled()) return;
    keys.disable();  // (its listener is bound when enabled)
    keys._onMouseDown = function () {
      if (!this._focused) this._map.getContainer().focus({preventScroll: true});
    };
    keys.enable();
  }

  // A click on a site or a friche: its card, or a fan of the markers of its layer under the pointer.
  function markerClick(e) {
    var m = e.target, map = m.rcMap;
    L.DomEvent.stop(e);  // (not a click on the map as well: it would fold the fan)
    if (!m.rcFanned) {
      var here = markersUnder(map, m, e.containerPoint || map.latLngToContainerPoint(m.rcHome));
      if (here.length > 1) {
        map.closePopup();
        fanOut(map, here);
        return;
      }
    }
    m.openPopup();
  }

  // The markers of m's layer over its point (m included), when it is not fanned out already.
  function overlapping(map, m) {
    if (m.rcFanned || !m._map) return [m];
    var here = markersUnder(map, m, map.latLngToContainerPoint(m.rcHome));
    return here.indexOf(m) >= 0 ? here : [m];
  }

  // A served file holds every site of the app's data (geo.served), gzip-compressed and
  // sent as is: it is inflated, parsed and the sites the selection marks kept in a worker
  // (sites-worker.js), off the main thread the page and the map share (issue 14); where no
  // worker can be made, here. The file is JSON lines, the markers' part first: the markers
  // are drawn once it is read, the card texts merged into their payload when they follow.
  // A served file read on this thread, where no worker can be made or its script fails.
  function readHere(kind, served, onPart) {
    return D.readJsonLines(window, served.file, function (text, k) {
      onPart({payload: D.selectServed(kind, JSON.parse(text), served), index: null}, k);
    }, function () { mark(kind + '_response'); });
  }
  // A served file read in the worker (sites-worker.js; `kind`: 'sites' or 'friches'), else
  // here: onPart(got, k) for its k-th part as it is read, got {payload, index}: the entries
  // the selection marks, and (from the worker, the first part of a clustered layer) their
  // cluster index's arrays (ReindusDecode.packIndex), else null. Resolves once the file is read.
  // With `rest` ({}), the worker holds the parts after the first until rest.go() is called.
  function readInWorker(cfg, kind, served, cluster, onPart, rest) {
    var worker, parts = 0, early = null;
    function here() { return readHere(kind, served, onPart); }
    if (!(cfg.sitesWorker && window.Worker)) return here();
    var message = {kind: kind, file: new URL(served.file, window.location.href).href, served: served,
                   cluster: cluster, hold: !!rest};
    try {
      // (the worker early.js started with this very message, before the map's scripts)
      early = window.ReindusEarly ? window.ReindusEarly.take(JSON.stringify(message)) : null;
      mark(kind + (early ? '_worker_taken' : '_worker_created'));
      worker = early ? early.worker : new window.Worker(cfg.sitesWorker);
    } catch {
      return here();  // (no worker here: the file is read on this thread)
    }
    return new Promise(function (resolve, reject) {
      worker.onmessage = function (e) {
        var d = e.data;
        markAt(kind, d.times);
        if (d.error || d.done) {
          worker.terminate();
          if (d.error) reject(new Error(d.error));
          else resolve();
          return;
        }
        try {
          parts += 1;
          onPart({payload: d.payload, index: d.index || null}, d.part);
        } catch (err) {
          worker.terminate();
          reject(err);
        }
      };
      worker.onerror = function (e) {  // (the worker's script failed: the file is read here)
        e.preventDefault();
        worker.terminate();
        if (parts) reject(new Error(served.file + ': ' + e.message));  // (not its first part twice)
        else resolve(here());
      };
      if (rest) rest.go = function () { worker.postMessage({rest: true}); };
      if (early) early.got.forEach(function (e) { (e.data ? worker.onmessage : worker.onerror)(e); });
      else worker.postMessage(message);
    });
  }
  // A served layer's file read in parts (readInWorker): drawMarkers(got) with its first
  // part, the markers'; the card texts then merged into that payload. The worker's later
  // parts wait for RM.finish (rc.rests: once the markers are painted), complete waits for
  // the texts (rc.texts). Resolves once the markers can be drawn (rejects: the file failed).
  function readLayer(map, kind, served, cluster, drawMarkers, failed) {
    var rc = map._rc, p = null, drawn, rest = {};
    var first = new Promise(function (resolve) { drawn = resolve; });
    var whole = readInWorker(rc.cfg, kind, served, cluster, function (got, k) {
      if (k > 0) { D.merge(p, got.payload); return; }  // (the card texts)
      p = got.payload;
      drawMarkers(got);
      drawn();
    }, rest).then(function () {
      if (!p) throw new Error(served.file + ': nothing read');
      mark(kind + '_texts');
      textsIn(map, p);
    });
    rc.rests = (rc.rests || []).concat([rest]);
    rc.texts = (rc.texts || []).concat([whole.catch(function (err) { if (p) showError(map, err, failed); })]);
    return Promise.race([first, whole]);
  }
  function fetchSites(map, groups, served, opts) {
    var rc = map._rc;
    window.__sitesFiles = (window.__sitesFiles || []).concat([served.file]);  // (which files: for tests)
    var cluster = opts.cluster ? {options: clusterOptions(rc.cfg), shown: groups.map(function (g) { return map.hasLayer(g); })} : null;
    rc.pending = readLayer(map, 'sites', served, cluster, function (got) {
      mark('sites_parsed');
      rc.packedIndex = got.index;
      RM.addSites(map, groups, got.payload, opts);
    });
  }
  // A payload's card texts are in (a served file's second part): a card opened before them shows them.
  function hasTexts(p) { return 'name' in p; }
  function textsIn(map, p) {
    map._rc.byCommune = map._rc.fricheByCommune = null;  // (the communes' lists, made again with them)
    var pop = map._popup, m = pop && pop._source;
    if (m && (m.rcData || m.rcFriche) === p && map.hasLayer(pop)) {
      pop.setContent(m.rcFriche ? fricheCard(m) : siteCard(m));
      pop.rcLoading = false;
    }
  }

  // window[name]: {id: entry} of a clustered layer's ids, made when first read (a card
  // opened, a link's site; 100,000 keys are not made before the markers are drawn).
  function lazyIndex(name, ids) {
    Object.defineProperty(window, name, {configurable: true, get: function () {
      var index = Object.create(null);
      for (var k = 0; k < ids.length; k++) index[ids[k]] = k;
      Object.defineProperty(window, name, {configurable: true, writable: true, value: index});
      return index;
    }});
  }

  RM.addSites = function (map, groups, p, opts) {
    if (p.file) { fetchSites(map, groups, p, opts); return; }
    var n = p.ids.length;
    map._rc.count += n;
    (map._rc.sitePayloads = map._rc.sitePayloads || []).push(p);
    map._rc.byCommune = null;  // (the communes' lists of sites, made again with these)
    if (opts.cluster && window.Supercluster) {
      // Clustered: markers are made only for the sites on screen (see render).
      map._rc.clustered = {groups: groups, p: p};
      lazyIndex('__siteIndex', p.ids);
      return;
    }
    for (var i = 0; i < n; i++) {
      var m = makeSite(map, p, i), group = groups[D.groupOf(p, i)];
      if (m.rcHalo) group.addLayer(m.rcHalo);
      group.addLayer(m);
    }
  };

  // ------------------------------------------------------------------ clusters

  // Supercluster (served by the app) indexes the sites of the layers switched on; on every
  // move the clusters and the single sites in view are drawn, so 100,000 sites cost
  // a few hundred markers at a time. Past cfg.clusterOptions.maxZoom every site is its own marker.
  function index(map) {
    var rc = map._rc, p = rc.clustered.p, groups = rc.clustered.groups, packed = rc.packedIndex;
    var shown = groups.map(function (g) { return map.hasLayer(g); });
    rc.packedIndex = null;
    if (packed && packed.shown.join() === shown.join()) {  // (made in the worker, for these groups)
      rc.index = D.unpackIndex(window.Supercluster, clusterOptions(rc.cfg), packed, p);
      rc.indexMadeIn = 'worker';  // (for tests)
    } else {
      rc.index = clusterIndex(rc.cfg, D.clusterPoints(p, shown));
      rc.indexMadeIn = 'page';
    }
    mark('sites_indexed');
  }

  function abbr(n, locale) {
    return n < 1000 ? String(n) : (n / 1000).toLocaleString(locale, {maximumFractionDigits: n < 10000 ? 1 : 0}) + 'k';
  }

  // Shared by the sites' and the friches' clusters: the index of their points ({i: entry}),
  // the clusters and single points in view, and a cluster's marker (`title`: its tooltip
  // with {n}; `className`, `pane`; `anchor`: where its point is, as a share of its size).
  function clusterOptions(cfg) { return cfg.clusterOptions; }  // (geo/mapview/build.py CLUSTER_OPTIONS)
  function clusterIndex(cfg, points) {
    return new window.Supercluster(clusterOptions(cfg)).load(points);
  }
  function clustersInView(map, index) {
    var b = map.getBounds().pad(0.2);
    return index.getClusters([b.getWest(), b.getSouth(), b.getEast(), b.getNorth()], Math.round(map.getZoom()));
  }
  function clusterMarker(cfg, item, o) {
    var c = item.geometry.coordinates, count = item.properties.point_count;
    var size = count < 10 ? 30 : count < 100 ? 36 : count < 1000 ? 42 : 50, at = o.anchor === undefined ? 0.5 : o.anchor;
    return L.marker([c[1], c[0]], {
      pane: o.pane, keyboard: false, title: o.title.replace('{n}', count.toLocaleString(cfg.locale)),
      icon: L.divIcon({html: '<div><span>' + abbr(count, cfg.locale) + '</span></div>', className: o.className,
                       iconSize: L.point(size, size), iconAnchor: L.point(size * at, size * at)})
    });
  }

  function clusterIcon(map, item) {
    var rc = map._rc;
    var icon = clusterMarker(rc.cfg, item, {pane: 'rc-sites', title: rc.cfg.nSites, className: 'rc-cluster'});
    icon.rcCluster = item.id;
    icon.on('click', function (e) {
      map.setView(e.target.getLatLng(), rc.index.getClusterExpansionZoom(e.target.rcCluster));
    });
    return icon;
  }

  // Cluster icons are made again; a site marker still in view stays on the map (taking it
  // off would close its open card at every pan).
  function render(map) {
    var rc = map._rc;
    if (!rc.index) return;
    var before = rc.drawn || [], kept = new Set();
    rc.drawn = [];
    clustersInView(map, rc.index).forEach(function (it) {
      if (it.properties.cluster) {
        var icon = clusterIcon(map, it);
        rc.clusterLayer.addLayer(icon);
        rc.drawn.push([rc.clusterLayer, icon]);
        return;
      }
      var p = rc.clustered.p, i = it.properties.i, group = rc.clustered.groups[D.groupOf(p, i)];
      var m = window.__sites[p.ids[i]] || makeSite(map, p, i);
      [m.rcHalo, m].forEach(function (layer) {
        if (!layer) return;
        if (!group.hasLayer(layer)) group.addLayer(layer);
        kept.add(layer);
        rc.drawn.push([group, layer]);
      });
    });
    unfanUnless(map, false, kept);
    before.forEach(function (d) { if (!kept.has(d[1])) d[0].removeLayer(d[1]); });
  }

  function startClusters(map) {
    var rc = map._rc;
    rc.clusterLayer = L.layerGroup().addTo(map);
    index(map);
    map.on('moveend', function () { render(map); });
    // a layer switched on or off in the control: index the sites shown again
    map.on('overlayadd overlayremove', function (e) {
      if (rc.clustered.groups.indexOf(e.layer) >= 0) { unfan(map); index(map); render(map); }
    });
  }

  // ------------------------------------------------------------------ friches

  // A friche is a diamond (a site is a circle): a circle marker whose path is drawn as a
  // diamond, on SVG or canvas alike (the click test stays the circle's: the same size).
  var Diamond = L.CircleMarker.extend({
    _updatePath: function () {
      var r = this._renderer, pt = this._point, s = this._radius;
      if (r._ctx) {
        if (!r._drawing || this._empty()) return;
        var ctx = r._ctx;
        ctx.beginPath();
        ctx.moveTo(pt.x, pt.y - s); ctx.lineTo(pt.x + s, pt.y); ctx.lineTo(pt.x, pt.y + s); ctx.lineTo(pt.x - s, pt.y);
        ctx.closePath();
        r._fillStroke(ctx, this);
      } else {
        r._setPath(this, 'M' + pt.x + ',' + (pt.y - s) + 'L' + (pt.x + s) + ',' + pt.y + 'L' + pt.x + ',' +
          (pt.y + s) + 'L' + (pt.x - s) + ',' + pt.y + 'z');
      }
    }
  });

  // Payload (geo/mapview/friches.py, FrichePayload): ids, lon, lat (× 10**coord_decimals),
  // status (index into status_slugs / status_colors), texts (escaped) indexed by name, tip,
  // url and each row's idx (-1: none), rows [{key, label, idx}], link, radius.
  function fricheText(p, k) { return k >= 0 ? p.texts[k] : null; }

  function fricheCard(m) {
    var p = m.rcFriche, i = m.rcIndex, rows = '';
    var d = document.createElement('div');
    d.className = 'rc-card rc-friche';
    d.setAttribute('data-friche-id', p.ids[i]);
    if (!hasTexts(p)) return loadingCard(d, m.rcMap._rc.cfg);
    for (var c = 0; c < p.rows.length; c++) {
      var v = fricheText(p, p.rows[c].idx[i]);
      if (v !== null) rows += '<tr><th scope="row">' + p.rows[c].label + '</th><td>' + v + '</td></tr>';
    }
    var url = fricheText(p, p.url[i]);
    d.innerHTML = '<div class="rc-title">' + fricheText(p, p.name[i]) + '</div><table class="rc-table">' + rows +
      '</table>' + (url ? '<a class="rc-friche-link" href="' + url + '" target="_blank" rel="noopener noreferrer">' +
      p.link + '</a>' : '');
    return d;
  }

  function fricheTip(m) {
    var p = m.rcFriche, i = m.rcIndex;
    if (!hasTexts(p)) return m.rcMap._rc.cfg.cardLoadingHtml;
    return '<b>' + fricheText(p, p.name[i]) + '</b><br>' + (fricheText(p, p.tip[i]) || '');
  }

  // smaller diamonds over the whole country (thousands of them), full size up close
  function fricheRadius(map, p) {
    var z = map.getZoom();
    return p.radius * (z < 7 ? 0.55 : z < 9 ? 0.8 : 1);
  }

  function makeFriche(map, fl, i) {
    var p = fl.p, cfg = map._rc.cfg, scale = Math.pow(10, p.coord_decimals), color = p.status_colors[p.status[i]];
    var ll = L.latLng(p.lat[i] / scale, p.lon[i] / scale);
    var m = new Diamond(ll, {
      pane: 'rc-friches', renderer: fl.renderer, radius: fricheRadius(map, p), color: cfg.fricheStroke, weight: 1.2,
      opacity: 0.9, fillColor: color, fillOpacity: 0.85,
      className: 'friche-marker friche-' + p.status_slugs[p.status[i]]
    });
    m.rcFriche = p; m.rcIndex = i; m.rcMap = map; m.rcHome = ll;  // (its place when not fanned out)
    m.bindTooltip(fricheTip, {sticky: true, direction: 'top', className: 'rc-tooltip'});
    m.bindPopup(fricheCard, {maxWidth: cfg.popupWidth, minWidth: 240, className: 'rc-popup', autoPanPadding: [30, 30]});
    m.on('click', ensureCard);
    // a click opens the card, or fans out the friches under the pointer (as a site's)
    m.off('click', m._openPopup, m);
    m.on('click', markerClick);
    window.__friches[p.ids[i]] = m;
    return m;
  }

  // A served file holds every friche of the app's inventory (geo.served, as the sites'):
  // the page inflates it, then keeps the friches the selection marks. RM.finish waits for it.
  function fetchFriches(map, group, served, opts) {
    var rc = map._rc, cluster = opts.cluster ? {options: clusterOptions(rc.cfg), shown: null} : null;
    window.__frichesFiles = (window.__frichesFiles || []).concat([served.file]);  // (which files: for tests)
    rc.pendingFriches = {failed: served.failed, promise: readLayer(map, 'friches', served, cluster, function (got) {
      rc.packedFricheIndex = got.index;
      RM.addFriches(map, group, got.payload, opts);
    }, served.failed)};
  }

  // Payload: a FrichePayload, or a served selection {file, selection, count, radius, failed}
  // (geo/mapview/friches.py, ServedFriches). opts.cluster: markers only for the friches on
  // screen, the others in clusters (Supercluster, as the sites; see renderFriches).
  RM.addFriches = function (map, group, p, opts) {
    if (p.file) { fetchFriches(map, group, p, opts || {}); return; }
    var n = p.ids.length, cfg = map._rc.cfg, clustered = !!(opts && opts.cluster && window.Supercluster);
    // (DOM paths up to sortMax, countable by tests, and for the few on screen of a
    // clustered layer; a canvas above)
    var renderer = n > cfg.sortMax && !clustered ? L.canvas({pane: 'rc-friches', padding: 0.3}) : L.svg({pane: 'rc-friches'});
    var fl = map._rc.friches = {p: p, group: group, renderer: renderer};
    map._rc.fricheByCommune = null;
    if (clustered) {
      lazyIndex('__fricheIndex', p.ids);
      var packed = map._rc.packedFricheIndex;  // (made in the worker that read the file)
      map._rc.packedFricheIndex = null;
      fl.index = packed ? D.unpackIndex(window.Supercluster, clusterOptions(cfg), packed, p)
                        : clusterIndex(cfg, D.clusterPoints(p, null));
      fl.indexMadeIn = packed ? 'worker' : 'page';  // (for tests)
      map.on('moveend', function () { renderFriches(map); });
      renderFriches(map);
    } else {
      for (var i = 0; i < n; i++) group.addLayer(makeFriche(map, fl, i));
    }
    map.on('zoomend', function () {
      var r = fricheRadius(map, p);
      group.eachLayer(function (l) { if (l.rcFriche === p && l.getRadius() !== r) l.setRadius(r); });
    });
    window.__fricheCount = (window.__fricheCount || 0) + n;
    map.getContainer().setAttribute('data-friche-count', String(window.__fricheCount));
  };

  // A cluster of friches: a brown diamond with its count (a site cluster is a grey disc),
  // drawn below and right of its point, under the sites: a site cluster at the same place
  // (both layers gather where people live) then leaves its count readable.
  function fricheClusterIcon(map, fl, item) {
    var icon = clusterMarker(map._rc.cfg, item, {pane: 'rc-friches', title: fl.p.cluster_title,
                                                 className: 'rc-cluster rc-cluster-friche', anchor: 0.1});
    icon.on('click', function () { map.setView(icon.getLatLng(), fl.index.getClusterExpansionZoom(item.id)); });
    return icon;
  }

  // The clusters and the single friches in view (as render does for sites): a friche's
  // marker still in view stays on the map (taking it off would close its open card).
  function renderFriches(map) {
    var fl = map._rc.friches;
    if (!fl || !fl.index) return;
    var before = fl.drawn || [], kept = new Set();
    fl.drawn = [];
    clustersInView(map, fl.index).forEach(function (it) {
      var layer = it.properties.cluster ? fricheClusterIcon(map, fl, it)
        : window.__friches[fl.p.ids[it.properties.i]] || makeFriche(map, fl, it.properties.i);
      if (!fl.group.hasLayer(layer)) fl.group.addLayer(layer);
      kept.add(layer);
      fl.drawn.push(layer);
    });
    unfanUnless(map, true, kept);
    before.forEach(function (l) { if (!kept.has(l)) fl.group.removeLayer(l); });
  }

  RM.openFriche = function (map, id, opts) {
    var zoom = opts.zoom || Math.max(map.getZoom(), 11), fl = map._rc.friches;
    var at = window.__fricheIndex ? window.__fricheIndex[id] : undefined;
    if (!window.__friches[id] && at !== undefined) {
      // a clustered friche gets its marker once the map shows it on its own
      var s = Math.pow(10, fl.p.coord_decimals);
      zoom = Math.max(zoom, map._rc.cfg.clusterOptions.maxZoom + 1);
      map.setView([fl.p.lat[at] / s, fl.p.lon[at] / s], zoom, {animate: false});
      renderFriches(map);
    }
    var m = window.__friches[id];
    if (!m) return false;
    ensureCard(m);
    map.setView(m.rcHome, zoom, {animate: false});
    // the friche's own marker carries the card: fanned out from those over its point
    var here = overlapping(map, m);
    if (here.length > 1) fanOut(map, here);
    m.openPopup();
    return true;
  };

  // ------------------------------------------------------------------ areas

  function bindCommuneCards(map, group) {
    // One tooltip, card and hover style for the whole layer (each receives the commune
    // under the pointer), not one of each per polygon: 20,000 communes open 40% sooner.
    group.bindTooltip(communeTip, {sticky: true, className: 'rc-tooltip'});
    group.bindPopup(communeCard, {maxWidth: map._rc.cfg.popupWidth, className: 'rc-popup'});
    group.on('mouseover', function (e) { e.layer.setStyle({weight: 2.5}); });
    group.on('mouseout', function (e) { e.layer.setStyle({weight: e.layer.rcWeight}); });
  }

  function areaStyle(cfg, p, i, opts, renderer) {
    var style = L.Util.extend({pane: opts.pane, interactive: !!opts.interactive}, opts.style);
    if (renderer) style.renderer = renderer;
    if (p.fill_class) {
      var c = p.fill_class[i];
      if (c < 0) L.Util.extend(style, {fillColor: cfg.noJobsFill, dashArray: '3 3', fillOpacity: 0.3});
      else style.fillColor = cfg.classColors[c];
    }
    return style;
  }

  RM.addAreas = function (map, group, p, opts) {
    // Areas served as a file (geo.served: many communes, the outlines) are read now, beside
    // the sites, and drawn once the markers are (RM.finish waits for them; issue 14).
    if (p.file) {
      var rc = map._rc;
      var q = null;  // (an area file is one line: one JSON document)
      (rc.areaFiles = rc.areaFiles || []).push(D.readJsonLines(window, p.file, function (text) { q = JSON.parse(text); }).then(function () {
        return function () { RM.addAreas(map, group, q, opts); };
      }));
      return;
    }
    // The communes of a map whose sites are still being read come after the sites' markers
    // (issue 14): the markers show first, and the file is read while the main thread is
    // free. (RM.finish adds them once the markers are drawn, then says the map is ready.)
    if (opts.interactive && map._rc.pending) {
      (map._rc.later = map._rc.later || []).push(function () { RM.addAreas(map, group, p, opts); });
      return;
    }
    var cfg = map._rc.cfg, scale = Math.pow(10, -p.decimals), n = p.rings.length, i = 0;
    var renderer = n > cfg.canvasAreas ? L.canvas({pane: opts.pane, padding: 0.3}) : undefined;
    if (opts.interactive) bindCommuneCards(map, group);
    // Thousands of polygons are made in slices of AREA_SLICE_MS, the page's other tasks (a
    // click, a paint) between them: not one long task of 0.2 s (10,000 sites' communes) right
    // after the markers are drawn. RM.finish waits for them (rc.drawing) before the map is ready.
    function slice() {
      var until = window.performance.now() + AREA_SLICE_MS;
      for (; i < n && (i % 64 || window.performance.now() < until); i++) {
        var l = L.polygon(D.shape(p.rings[i], scale), areaStyle(cfg, p, i, opts, renderer));
        if (opts.interactive) {
          l.rcData = p; l.rcIndex = i; l.rcMap = map; l.rcWeight = opts.style.weight;
          window.__communes[val(map._rc.S, p.rows[p.insee_row], i, p)] = l;
        }
        group.addLayer(l);
      }
      if (i < n) return new Promise(function (resolve) { window.setTimeout(resolve, 0); }).then(slice);
      if (opts.interactive) mark('communes_drawn');
      return undefined;
    }
    var drawn = slice();
    if (drawn) (map._rc.drawing = map._rc.drawing || []).push(drawn);
  };
  var AREA_SLICE_MS = 25;

  // ------------------------------------------------------------------ legend, view, finish

  function legendControl(map, html) {
    var d = L.DomUtil.create('div', 'rc-legend leaflet-control');
    d.innerHTML = html;
    // A card (popup) cannot rise above the map's controls: fold the legend while one is open.
    var det = d.querySelector('details'), wasOpen = null;
    map.on('popupopen', function () {
      if (det && wasOpen === null) { wasOpen = det.open; det.open = false; }
    });
    map.on('popupclose', function () {
      if (det && wasOpen !== null) { det.open = wasOpen; wasOpen = null; }
    });
    L.DomEvent.disableClickPropagation(d);
    L.DomEvent.disableScrollPropagation(d);
    // On a small map the legend starts folded (one click opens it).
    var size = map.getSize();
    if (det && (map._rc.cfg.present || map._rc.cfg.foldLegend || size.x < 800 || size.y < 560)) det.open = false;
    return d;
  }

  RM.legend = function (map, html) {
    var c = L.control({position: 'bottomright'});
    c.onAdd = function () { return legendControl(map, html); };
    c.addTo(map);
  };

  RM.openSite = function (map, id, opts) {
    var zoom = opts.zoom || Math.max(map.getZoom(), 11), at = window.__siteIndex ? window.__siteIndex[id] : undefined;
    if (!window.__sites[id] && at !== undefined) {
      // a clustered site gets its marker once the map shows it on its own
      zoom = Math.max(zoom, map._rc.cfg.clusterOptions.maxZoom + 1);
      map.setView(latLngOf(map._rc.clustered.p, at), zoom, {animate: false});
      render(map);
    }
    var m = window.__sites[id];
    if (!m) return false;
    ensureCard(m);
    // the site's own marker carries the card: fanned out from those over its point
    function open() {
      var here = overlapping(map, m);
      if (here.length > 1) fanOut(map, here);
      m.openPopup();
    }
    if (opts.fly) {
      map.flyTo(m.rcHome, zoom);
      map.once('moveend', open);
    } else {
      map.setView(m.rcHome, zoom, {animate: false});
      open();
    }
    return true;
  };

  // Set before the layers are added, so that each is drawn once, in its final place.
  RM.view = function (map, view) {
    map._rc.view = view;
    if (!view.bounds) { map.setView(view.center, view.zoom, {animate: false}); return; }
    // keep the sites clear of an open legend (bottom right)
    var legend = map.getContainer().querySelector('.rc-legend'), open = legend && legend.querySelector('details[open]');
    var right = open ? legend.offsetWidth + 20 : 40;
    map.fitBounds(view.bounds, {paddingTopLeft: [40, 40], paddingBottomRight: [right, 40], maxZoom: view.maxZoom, animate: false});
  };

  // The sites' file could not be read: say so on the map (the rest of it works).
  function showError(map, err, text) {
    if (window.console) window.console.error(err);
    window.__mapError = String(err);
    var c = L.control({position: 'topleft'});
    c.onAdd = function () {
      var d = L.DomUtil.create('div', 'rc-error leaflet-control');
      d.setAttribute('role', 'alert');
      d.textContent = text || map._rc.cfg.sitesFailed;
      return d;
    };
    c.addTo(map);
  }

  // Proportional symbols: the big ones under the small ones, whatever their layer.
  function sortBySize() {
    var all = [];
    for (var id in window.__sites) all.push(window.__sites[id]);
    all.sort(function (a, b) { return b.rcData.radius_tenths[b.rcIndex] - a.rcData.radius_tenths[a.rcIndex]; });
    for (var k = 0; k < all.length; k++) all[k].bringToFront();
  }

  // The runtime's stylesheet is linked (streamlit_folium adds the link after loading the
  // scripts): a card opened before it is in would be panned into view at the wrong size.
  function stylesReady() {
    var links = document.querySelectorAll('link[rel="stylesheet"][href*="/runtime-"]');
    var pending = Array.prototype.filter.call(links, function (l) { return !l.sheet; });
    return Promise.all(pending.map(function (l) {
      return new Promise(function (resolve) {
        l.addEventListener('load', resolve);
        l.addEventListener('error', resolve);
        window.setTimeout(resolve, 3000);
      });
    }));
  }

  // ---- the map's part of the view's state, reported to the app ----------------------
  // The user changes three things in the map itself: the site whose card is open, the
  // basemap and the overlays switched off in the layer control. They belong to the one
  // state the URL holds (geo.state): each change is sent to Streamlit as the component's
  // value {rc: {site, basemap, hide}} (ui.session.on_map_report). A marker says which site
  // it is by the id it carries, wherever it was clicked; a closed card reports no site.
  RM.layers = function (map, layers, keys) {
    map._rc.keyed = layers.map(function (layer, i) { return {layer: layer, field: keys[i][0], value: keys[i][1]}; });
  };
  function openSiteId(map) {
    var popup = map._popup, source = popup && popup.isOpen() && popup._source;
    // (a commune's card has a source with rcData too, but no ids: it is no site)
    return source && source.rcData && source.rcData.ids ? source.rcData.ids[source.rcIndex] : null;
  }
  function openFricheId(map) {
    var popup = map._popup, source = popup && popup.isOpen() && popup._source;
    return source && source.rcFriche ? source.rcFriche.ids[source.rcIndex] : null;
  }
  function mapState(map) {
    var state = {site: openSiteId(map), friche: openFricheId(map), basemap: null, hide: []};
    (map._rc.keyed || []).forEach(function (k) {
      var shown = map.hasLayer(k.layer);
      if (k.field === 'basemap' && shown) state.basemap = k.value;
      if (k.field === 'hide' && !shown) state.hide.push(k.value);
    });
    state.hide.sort();
    return state;
  }
  function report(map) {
    var rc = map._rc;
    if (!rc.reporting) return;
    window.clearTimeout(rc.reportTimer);
    // (after the event: a card closing is still on the map while its event runs, and a
    // click on another marker closes one card before it opens the next)
    rc.reportTimer = window.setTimeout(function () {
      var state = mapState(map), text = JSON.stringify(state);
      state.tag = rc.cfg.reportTag;  // (which build of the map speaks: ui.session.on_map_report)
      if (text === rc.reported) return;
      rc.reported = text;
      window.__mapState = state;
      if (window.Streamlit) window.Streamlit.setComponentValue({rc: state});
    }, 60);
  }
  // A page's first screen (ui.session.first_screen: the head and the map, the rest of the
  // page held back) waits for the markers: say they are drawn, when the page holds its
  // element (same origin: the app's component iframe; an exported file has no such page).
  function reportDrawn(map) {
    var page = null;
    try {
      page = window.parent !== window ? window.parent.document : null;
    } catch {
      page = null;  // (another origin)
    }
    if (!page || !page.getElementById('rc-first-screen') || !window.Streamlit) return;
    window.Streamlit.setComponentValue({rc: {drawn: true, tag: map._rc.cfg.reportTag}});
  }
  // What the app built is the map as its markers were drawn (rc.built: RM.finish), with the
  // card of its link (`opened`: {site} or {friche}); a card the user opened, or a layer
  // switched, while the map was being completed (its areas, its cards' texts) is reported now.
  function startReporting(map, opened) {
    var rc = map._rc, built = rc.built || mapState(map);
    if (opened.site) built.site = opened.site;
    if (opened.friche) built.friche = opened.friche;
    rc.reported = JSON.stringify(built);
    rc.reporting = true;
    map.on('popupopen popupclose baselayerchange overlayadd overlayremove', function () { report(map); });
    report(map);
  }

  // ---- sites to point out (presenter mode's timeline: the year's new sites) -----------
  RM.highlight = function (map, ids) { map._rc.highlight = ids; };
  // A title across the top of the map (the offline export: what it shows, and when).
  RM.heading = function (map, html) {
    var d = L.DomUtil.create('div', 'rc-heading', map.getContainer());
    d.innerHTML = html;  // (escaped by geo.mapview)
    L.DomEvent.disableClickPropagation(d);
    map._rc.cfg.foldLegend = true;
    var legend = map.getContainer().querySelector('.rc-legend details');
    if (legend) legend.open = false;
  };
  function drawHighlights(map) {
    (map._rc.highlight || []).forEach(function (id) {
      var m = window.__sites[id];  // (clustered maps make markers lazily: not pointed out)
      if (!m) return;
      L.circleMarker(m.getLatLng(), {
        pane: 'rc-precision', radius: m.getRadius() + 7, color: '#d62728', weight: 3, fill: false,
        interactive: false, className: 'rc-new'
      }).addTo(map);
    });
  }

  RM.finish = function (map) {
    var rc = map._rc, pending = rc.pending, view = rc.view || {}, friches = rc.pendingFriches;
    if (friches) {  // (the friches' file, then the sites')
      rc.pendingFriches = null;
      friches.promise.catch(function (err) { showError(map, err, friches.failed); }).then(function () { RM.finish(map); });
      return;
    }
    if (pending) {
      rc.pending = null;
      pending.catch(function (err) { showError(map, err); }).then(function () { RM.finish(map); });
      return;
    }
    var n = rc.count;
    if (n <= rc.cfg.sortMax) sortBySize();
    map.getContainer().setAttribute('data-site-count', String(n));
    window.__siteCount = n;
    if (rc.clustered) startClusters(map);
    render(map);  // (clusters in the view set first)
    mark('markers_drawn');
    rc.built = mapState(map);  // (no card open yet: nothing on screen could be clicked before)
    window.__sitesDrawn = true;
    reportDrawn(map);
    drawHighlights(map);
    var rests = rc.rests;
    if (rests) {  // the card texts, once the markers are on screen (their copy takes the main thread)
      rc.rests = null;
      afterNextFrame(function () { rests.forEach(function (r) { if (r.go) r.go(); }); });
    }
    var later = rc.later, files = rc.areaFiles;
    if (later || files) {  // the communes and served areas, once the markers are on screen (after the next frame)
      rc.later = rc.areaFiles = null;
      afterNextFrame(function () {
        (later || []).forEach(function (add) { add(); });
        Promise.all((files || []).map(function (read) {
          return read.then(function (add) { add(); }, function (err) { showError(map, err, rc.cfg.areasFailed); });
        })).then(function () { complete(map, view); });  // (complete waits for the areas still drawn)
      });
      return;
    }
    complete(map, view);
  };

  // `f` after the next frame is painted (or within 100 ms, in a frame that draws none: hidden).
  function afterNextFrame(f) {
    var done = false;
    function once() { if (!done) { done = true; f(); } }
    window.requestAnimationFrame(function () { window.setTimeout(once, 0); });
    window.setTimeout(once, 100);
  }

  // The selected site's or friche's card opened, then the map is ready (__mapReady).
  function complete(map, view) {
    var drawing = map._rc.drawing;
    if (drawing && drawing.length) {  // (areas drawn in slices: RM.addAreas)
      map._rc.drawing = [];
      Promise.all(drawing).then(function () { complete(map, view); });
      return;
    }
    var texts = map._rc.texts;
    if (texts) {  // (the card texts, read after the markers were drawn)
      map._rc.texts = null;
      Promise.all(texts).then(function () { complete(map, view); });
      return;
    }
    var sel = view.selected, friche = view.selectedFriche;
    if (!sel && friche && (window.__friches[friche] || (window.__fricheIndex && friche in window.__fricheIndex))) {
      stylesReady().then(function () {
        RM.openFriche(map, friche, {zoom: view.selectedZoom});
        startReporting(map, {friche: friche});
        window.__mapReady = true;
      });
      return;
    }
    if (sel && (window.__sites[sel] || (window.__siteIndex && sel in window.__siteIndex))) {
      stylesReady().then(function () {
        RM.openSite(map, sel, {zoom: view.selectedZoom});
        startReporting(map, {site: sel});
        window.__mapReady = true;
      });
      return;
    }
    startReporting(map, {});
    window.__mapReady = true;
  }

  RM._render = render;  // (for tests: draw the clusters of the current view again)
  window.ReindusMap = RM;
}(window));
