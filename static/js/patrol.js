// Patrol: the warden's phone page (check-ins and road reports, with an offline queue) and the maps.
// The location is asked for only when a button is tapped (getCurrentPosition), never watched.
(function () {
  "use strict";

  // --- the offline queue (IndexedDB: it keeps photos as Blobs) ---------------------------
  var DB_NAME = "wardens-patrol";
  var STORE = "queue";

  function openDb() {
    return new Promise(function (resolve, reject) {
      if (!window.indexedDB) { reject(new Error("no IndexedDB")); return; }
      var req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = function () { req.result.createObjectStore(STORE, { keyPath: "id" }); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }
  function tx(mode, fn) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(STORE, mode);
        var out = fn(t.objectStore(STORE));
        t.oncomplete = function () { db.close(); resolve(out && out.result !== undefined ? out.result : undefined); };
        t.onerror = function () { db.close(); reject(t.error); };
      });
    });
  }
  var queue = {
    add: function (item) { return tx("readwrite", function (s) { return s.put(item); }); },
    remove: function (id) { return tx("readwrite", function (s) { return s.delete(id); }); },
    all: function () {
      return tx("readonly", function (s) { return s.getAll(); }).then(function (items) {
        return (items || []).sort(function (a, b) { return a.seq - b.seq; });
      });
    }
  };

  function newId() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  // --- photos: shrink on the phone to at most 300 KB before anything is sent -------------
  var PHOTO_MAX_BYTES = 300 * 1024;
  function loadImage(file) {
    return new Promise(function (resolve, reject) {
      var url = URL.createObjectURL(file);
      var img = new Image();
      img.onload = function () { URL.revokeObjectURL(url); resolve(img); };
      img.onerror = function () { URL.revokeObjectURL(url); reject(new Error("not an image")); };
      img.src = url;
    });
  }
  function toBlob(canvas, quality) {
    return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", quality); });
  }
  function shrinkPhoto(file) {
    if (!file) { return Promise.resolve(null); }
    return loadImage(file).then(function (img) {
      var side = 1600;
      function attempt(quality) {
        var scale = Math.min(1, side / Math.max(img.naturalWidth, img.naturalHeight));
        var canvas = document.createElement("canvas");
        canvas.width = Math.max(1, Math.round(img.naturalWidth * scale));
        canvas.height = Math.max(1, Math.round(img.naturalHeight * scale));
        canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
        return toBlob(canvas, quality).then(function (blob) {
          if (blob && blob.size <= PHOTO_MAX_BYTES) { return blob; }
          if (quality > 0.45) { return attempt(quality - 0.15); }
          if (side > 480) { side = Math.round(side * 0.7); return attempt(0.8); }
          throw new Error("too big");
        });
      }
      return attempt(0.8);
    });
  }

  // --- the phone page ------------------------------------------------------------------
  var root = document.getElementById("patrol-phone");
  if (root && root.dataset.hasPost) { phonePage(root); }

  function phonePage(root) {
    var msg = root.dataset;
    var message = root.querySelector("[data-testid=patrol-message]");
    var countEl = root.querySelector("[data-queue-count]");
    var queueBox = root.querySelector("[data-testid=queue]");
    var sendNow = root.querySelector("[data-send-now]");
    var photoInput = document.getElementById("checkin-photo");
    var seq = Date.now();
    var sending = false;

    function say(text, bad) {
      message.textContent = text;
      message.classList.toggle("bad", !!bad);
    }
    function clearErrors(scope) {
      Array.prototype.forEach.call((scope || root).querySelectorAll("[data-error-for]"), function (el) {
        el.hidden = true; el.textContent = "";
      });
    }
    function showError(scope, field, text) {
      var el = (scope || root).querySelector("[data-error-for=" + field + "]") || root.querySelector("[data-error-for=location]");
      el.textContent = text;
      el.hidden = false;
    }
    function refreshCount() {
      return queue.all().then(function (items) {
        countEl.textContent = items.length ? msg.msgWaiting.replace("{n}", items.length) : msg.msgNoneWaiting;
        queueBox.classList.toggle("empty", !items.length);
        queueBox.dataset.count = String(items.length);
        sendNow.hidden = !items.length;
        return items;
      });
    }

    function locate() {
      return new Promise(function (resolve, reject) {
        if (!navigator.geolocation) { reject({ text: msg.msgUnsupported }); return; }
        navigator.geolocation.getCurrentPosition(
          function (pos) { resolve(pos); },
          function (err) { reject({ text: err.code === 1 ? msg.msgDenied : msg.msgUnavailable }); },
          { enableHighAccuracy: true, timeout: 20000, maximumAge: 0 }
        );
      });
    }

    function send(item) {
      var body = new FormData();
      body.append("csrf_token", msg.csrf);
      Object.keys(item.fields).forEach(function (k) { body.append(k, item.fields[k]); });
      if (item.photo) { body.append("photo", item.photo, "photo.jpg"); }
      return fetch(item.url, { method: "POST", body: body, credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (res) {
          if (res.status === 400 || res.status === 401 || res.redirected) { return { keep: true, relogin: true }; }
          if (res.status >= 500) { return { keep: true }; }
          return res.json().then(function (data) { return { keep: false, ok: res.ok, data: data }; });
        }, function () { return { keep: true, offline: true }; });
    }

    // Send what waits, oldest first; stop at the first that cannot go (no connection).
    function flush() {
      if (sending) { return Promise.resolve(); }
      sending = true;
      return queue.all().then(function loop(items) {
        if (!items.length) { return null; }
        var item = items[0];
        return send(item).then(function (result) {
          if (result.keep) {
            if (result.relogin) { say(msg.msgRelogin, true); }
            return null;
          }
          return queue.remove(item.id).then(function () {
            var text = (result.data && result.data.message) || msg.msgSent;
            if (result.ok) {
              say(text, false);
              if (item.kind === "checkin") { addTap(item, result.data); }
              if (item.kind === "report") { resetReport(); }
            } else {
              say(msg.msgRefused + " " + text, true);
              var errors = (result.data && result.data.errors) || {};
              Object.keys(errors).forEach(function (f) {
                showError(item.kind === "report" ? reportForm : root, f, errors[f].join(" "));
              });
            }
            return queue.all().then(loop);
          });
        });
      }).then(function () { sending = false; return refreshCount(); }, function () { sending = false; return refreshCount(); });
    }

    function addTap(item, data) {
      var list = root.querySelector("[data-testid=taps]");
      var empty = list.querySelector("[data-empty]");
      if (empty) { empty.remove(); }
      var li = document.createElement("li");
      li.textContent = data.message;
      list.appendChild(li);
    }

    function enqueue(kind, url, fields, photo) {
      var item = { id: fields.client_id, seq: seq++, kind: kind, url: url, fields: fields, photo: photo };
      return queue.add(item).then(function () {
        if (!navigator.onLine) { say(msg.msgQueued, false); }
        return refreshCount();
      }).then(function () { return flush(); }).then(function () {
        return queue.all().then(function (items) {
          if (items.some(function (i) { return i.id === item.id; })) { say(msg.msgQueued, false); }
        });
      });
    }

    function withLocation(button, scope, photoFile, build) {
      clearErrors(scope);
      var buttons = root.querySelectorAll("button");
      Array.prototype.forEach.call(buttons, function (b) { b.disabled = true; });
      say(msg.msgLocating, false);
      // The time of the tap, kept with the check-in wherever it waits.
      var takenAt = new Date().toISOString();
      return Promise.all([locate(), shrinkPhoto(photoFile).catch(function (e) {
        throw { text: e.message === "too big" ? msg.msgPhotoBig : msg.msgPhotoBad, field: "photo" };
      })]).then(function (got) {
        var pos = got[0];
        var fields = {
          client_id: newId(), taken_at: takenAt,
          lat: String(pos.coords.latitude), lon: String(pos.coords.longitude),
          accuracy: String(Math.round(pos.coords.accuracy))
        };
        return build(fields, got[1]);
      }).catch(function (err) {
        var text = (err && err.text) || msg.msgUnavailable;
        say(text, true);
        showError(scope, (err && err.field) || "location", text);
      }).then(function () {
        Array.prototype.forEach.call(buttons, function (b) { b.disabled = false; });
      });
    }

    Array.prototype.forEach.call(root.querySelectorAll("[data-checkin]"), function (button) {
      button.addEventListener("click", function () {
        var file = photoInput && photoInput.files[0];
        withLocation(button, root, file, function (fields, photo) {
          fields.kind = button.dataset.checkin;
          return enqueue("checkin", msg.checkinUrl, fields, photo).then(function () {
            if (photoInput) { photoInput.value = ""; }
          });
        });
      });
    });

    var reportForm = root.querySelector("[data-report-form]");
    function resetReport() { reportForm.reset(); }
    if (reportForm) {
      reportForm.addEventListener("submit", function (event) {
        event.preventDefault();
        var file = reportForm.querySelector("input[type=file]").files[0];
        withLocation(null, reportForm, file, function (fields, photo) {
          fields.kind = reportForm.querySelector("input[name=kind]:checked").value;
          fields.note = reportForm.querySelector("textarea[name=note]").value;
          return enqueue("report", msg.reportUrl, fields, photo);
        });
      });
    }

    sendNow.addEventListener("click", function () { flush(); });
    window.addEventListener("online", function () { flush(); });
    // Some phones miss the online event: try again every 30 s while something waits.
    setInterval(function () { if (navigator.onLine) { flush(); } }, 30000);
    flush();
  }

  // --- maps ----------------------------------------------------------------------------
  function colourOf(state) {
    return { reported: "#b42318", dispatched: "#a35a00", resolved: "#1f7a3a" }[state] || "#0b5cad";
  }
  function haversine(a, b) {
    var R = 6371008.8, toRad = Math.PI / 180;
    var dLat = (b[0] - a[0]) * toRad, dLon = (b[1] - a[1]) * toRad;
    var s = Math.sin(dLat / 2) * Math.sin(dLat / 2) +
      Math.cos(a[0] * toRad) * Math.cos(b[0] * toRad) * Math.sin(dLon / 2) * Math.sin(dLon / 2);
    return 2 * R * Math.asin(Math.sqrt(s));
  }

  function initMap(el) {
    var data = JSON.parse(document.getElementById(el.dataset.map).textContent);
    var config = data.config || {};
    // No outside request: the Leaflet link in the corner is text only, and tiles come only
    // from the office's own service when one is set.
    var map = L.map(el, { attributionControl: !!config.tiles, zoomSnap: 0.5 });
    if (config.tiles) {
      L.tileLayer(config.tiles, { maxZoom: 19, attribution: config.attribution || "" }).addTo(map);
      map.attributionControl.setPrefix(false);
    } else {
      el.classList.add("plain");
    }
    L.control.scale({ imperial: false, maxWidth: 160 }).addTo(map);
    var bounds = L.latLngBounds([]);
    (data.lines || []).forEach(function (line) {
      if (!line.points || !line.points.length) { return; }
      var poly = L.polyline(line.points, { color: "#0b5cad", weight: 5, opacity: 0.85 }).addTo(map);
      if (line.code) { poly.bindTooltip(line.code, { permanent: (data.lines || []).length < 12, className: "map-label" }); }
      bounds.extend(poly.getBounds());
    });
    (data.checkins || []).forEach(function (c) {
      var colour = c.uncertain ? "#7a8794" : (c.on === true ? "#1f7a3a" : (c.on === false ? "#b42318" : "#0b5cad"));
      L.circleMarker([c.lat, c.lon], { radius: 7, color: colour, fillColor: colour, fillOpacity: 0.8 })
        .bindTooltip(c.label).addTo(map);
      bounds.extend([c.lat, c.lon]);
    });
    (data.reports || []).forEach(function (r) {
      var marker = L.circleMarker([r.lat, r.lon], { radius: 9, color: "#fff", weight: 2, fillColor: colourOf(r.state), fillOpacity: 0.95 });
      var link = document.createElement("a");
      link.href = r.url;
      link.textContent = "#" + r.id + " " + r.kind + " · " + r.state_label + " · " + r.post + " · " + r.day;
      marker.bindPopup(link).addTo(map);
      bounds.extend([r.lat, r.lon]);
    });
    if (bounds.isValid()) {
      map.fitBounds(bounds.pad(0.15), { maxZoom: 17 });
    } else if (data.centre) {
      map.setView(data.centre, 14);
    } else {
      map.setView([31.72, 116.45], 11);   // the district (裕安区) when nothing is drawn yet
    }
    if (el.dataset.draw) { drawing(map, data); }
    if (data.pick) { picking(map); }
    return map;
  }

  // Draw a section point by point; the hidden field carries [[lat, lon], ...] to the server.
  function drawing(map, data) {
    var form = document.querySelector("[data-draw-form]");
    if (!form) { return; }
    var field = form.querySelector("[data-draw-points]");
    var status = form.querySelector("[data-draw-status]");
    var points = [];
    try { points = JSON.parse(field.value || "[]"); } catch (e) { points = []; }
    var line = L.polyline(points, { color: "#a35a00", weight: 4, dashArray: "6 6" }).addTo(map);
    var active = points.length > 0;
    function update() {
      line.setLatLngs(points);
      field.value = JSON.stringify(points);
      var metres = 0;
      for (var i = 1; i < points.length; i++) { metres += haversine(points[i - 1], points[i]); }
      status.textContent = points.length + " · " + (metres / 1000).toFixed(2) + " km";
    }
    form.querySelector("[data-draw-start]").addEventListener("click", function () {
      points = []; active = true; update(); map.getContainer().focus();
    });
    form.querySelector("[data-draw-undo]").addEventListener("click", function () { points.pop(); update(); });
    map.on("click", function (e) {
      if (!active) { return; }
      points.push([Math.round(e.latlng.lat * 1e7) / 1e7, Math.round(e.latlng.lng * 1e7) / 1e7]);
      update();
    });
    update();
  }

  // Place a report's location with a click (the clerk's form).
  function picking(map) {
    var lat = document.getElementById("lat"), lon = document.getElementById("lon");
    var marker = null;
    function place(latlng) {
      if (marker) { marker.setLatLng(latlng); } else { marker = L.circleMarker(latlng, { radius: 9, color: "#b42318" }).addTo(map); }
    }
    if (lat && lon && lat.value && lon.value) { place([+lat.value, +lon.value]); }
    map.on("click", function (e) {
      lat.value = e.latlng.lat.toFixed(6);
      lon.value = e.latlng.lng.toFixed(6);
      place(e.latlng);
    });
  }

  if (window.L) {
    Array.prototype.forEach.call(document.querySelectorAll("[data-map]"), function (el) {
      el.patrolMap = initMap(el);
    });
  }
})();

// The attendance grid: "mark present every holder with an on-section patrol today" fills the
// unrecorded rows' status as if typed (a change event each, so the grid's own marking and
// "changed rows only" saving see them); nothing is saved until the clerk saves.
(function () {
  "use strict";
  var button = document.querySelector("[data-patrol-fill]");
  var form = document.getElementById("grid-form");
  if (!button || !form) { return; }
  var message = form.querySelector("[data-patrol-fill-message]");
  button.hidden = false;
  button.addEventListener("click", function () {
    var n = 0;
    Array.prototype.forEach.call(form.querySelectorAll("tr[data-on-section] select[data-status]"), function (select) {
      if (!select.value && !select.disabled) {
        select.value = "present";
        select.dispatchEvent(new Event("change", { bubbles: true }));
        n += 1;
      }
    });
    message.textContent = n ? button.dataset.msgDone.replace("{n}", n) : button.dataset.msgNone;
  });
})();
