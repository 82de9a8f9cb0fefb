// Sluice status page: signs in with the admin token (kept in this closure only), then every two
// seconds reads /-/metrics and the admin API and shows rates over the last minute.
(function () {
  "use strict";

  var REFRESH_MS = 2000;
  var HISTORY_MS = 5 * 60 * 1000;
  var WINDOW_MS = 60 * 1000;
  var token = null;
  var timer = null;
  var history = [];

  function $(id) { return document.getElementById(id); }

  function text(id, value) { $(id).textContent = value; }

  function cell(row, value, className) {
    var td = document.createElement("td");
    td.textContent = value;
    if (className) { td.className = className; }
    row.appendChild(td);
    return td;
  }

  function get(path) {
    return fetch(path, { headers: { "Authorization": "Bearer " + token }, cache: "no-store", credentials: "omit" }).then(function (response) {
      if (response.status === 401) { throw new Error("unauthorized"); }
      if (!response.ok) { throw new Error(path + " answered " + response.status); }
      return path === "/-/metrics" ? response.text() : response.json();
    });
  }

  // Prometheus text format: name{a="b",...} value
  function parseMetrics(body) {
    var metrics = {};
    body.split("\n").forEach(function (line) {
      if (!line || line.charAt(0) === "#") { return; }
      var match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line);
      if (!match) { return; }
      var labels = {};
      var re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
      var label;
      while ((label = re.exec(match[2] || "")) !== null) {
        labels[label[1]] = label[2].replace(/\\n/g, "\n").replace(/\\(.)/g, "$1");
      }
      (metrics[match[1]] = metrics[match[1]] || []).push({ labels: labels, value: parseFloat(match[3]) });
    });
    return metrics;
  }

  function sum(metrics, name, filter) {
    return (metrics[name] || []).filter(function (s) { return !filter || filter(s.labels); })
      .reduce(function (total, s) { return total + s.value; }, 0);
  }

  function snapshot(metrics) {
    var routes = {};
    function route(name) {
      return routes[name] = routes[name] || { requests: 0, errors: 0, sum: 0, count: 0, buckets: {} };
    }
    (metrics.sluice_requests_total || []).forEach(function (s) {
      var r = route(s.labels.route);
      r.requests += s.value;
      if (s.labels.status_class === "5xx") { r.errors += s.value; }
    });
    (metrics.sluice_request_duration_seconds_sum || []).forEach(function (s) { route(s.labels.route).sum += s.value; });
    (metrics.sluice_request_duration_seconds_count || []).forEach(function (s) { route(s.labels.route).count += s.value; });
    (metrics.sluice_request_duration_seconds_bucket || []).forEach(function (s) {
      var b = route(s.labels.route).buckets;
      b[s.labels.le] = (b[s.labels.le] || 0) + s.value;
    });
    return {
      t: Date.now(),
      routes: routes,
      requests: sum(metrics, "sluice_requests_total"),
      errors: sum(metrics, "sluice_requests_total", function (l) { return l.status_class === "5xx"; }),
      hits: sum(metrics, "sluice_cache_requests_total", function (l) { return l.status === "hit"; }),
      lookups: sum(metrics, "sluice_cache_requests_total"),
      refused: sum(metrics, "sluice_ratelimit_decisions_total", function (l) { return l.result === "refused"; })
    };
  }

  function percent(part, whole) { return whole > 0 ? (100 * part / whole).toFixed(1) + " %" : "–"; }

  function quantile(now, then, q) {
    var bounds = Object.keys(now.buckets).map(function (le) { return le === "+Inf" ? Infinity : parseFloat(le); })
      .sort(function (a, b) { return a - b; });
    function at(bound) {
      var key = bound === Infinity ? "+Inf" : Object.keys(now.buckets).filter(function (le) { return parseFloat(le) === bound; })[0];
      return (now.buckets[key] || 0) - (then && then.buckets[key] || 0);
    }
    var total = at(Infinity);
    if (total <= 0) { return null; }
    for (var i = 0; i < bounds.length; i++) {
      if (at(bounds[i]) >= q * total) { return bounds[i]; }
    }
    return null;
  }

  function baseline(now) {
    for (var i = 0; i < history.length; i++) {
      if (now.t - history[i].t <= WINDOW_MS) { return i > 0 ? history[i - 1] : history[0]; }
    }
    return history[0];
  }

  function sparkline(name) {
    var svgNs = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(svgNs, "svg");
    svg.setAttribute("class", "spark");
    svg.setAttribute("viewBox", "0 0 120 24");
    var rates = [];
    for (var i = 1; i < history.length; i++) {
      var a = history[i - 1].routes[name], b = history[i].routes[name];
      var dt = (history[i].t - history[i - 1].t) / 1000;
      rates.push(b && dt > 0 ? ((b.requests - (a ? a.requests : 0)) / dt) : 0);
    }
    var max = Math.max.apply(null, rates.concat([1]));
    var points = rates.map(function (rate, index) {
      var x = rates.length > 1 ? (index * 120 / (rates.length - 1)) : 0;
      return x.toFixed(1) + "," + (23 - rate * 22 / max).toFixed(1);
    });
    if (rates.length < 2) { return svg; }
    var line = document.createElementNS(svgNs, "polyline");
    line.setAttribute("points", points.join(" "));
    svg.appendChild(line);
    return svg;
  }

  function showRoutes(now, then) {
    var body = $("routes").tBodies[0];
    body.textContent = "";
    var seconds = then && now.t > then.t ? (now.t - then.t) / 1000 : 0;
    Object.keys(now.routes).sort().forEach(function (name) {
      var r = now.routes[name], p = then && then.routes[name] || { requests: 0, errors: 0, sum: 0, count: 0, buckets: {} };
      var row = document.createElement("tr");
      row.setAttribute("data-route", name);
      cell(row, name);
      cell(row, String(r.requests), "requests");
      cell(row, seconds > 0 ? ((r.requests - p.requests) / seconds).toFixed(2) : "–", "rate");
      cell(row, percent(r.errors - p.errors, r.requests - p.requests), "errors");
      var count = r.count - p.count;
      cell(row, count > 0 ? (1000 * (r.sum - p.sum) / count).toFixed(1) : "–", "mean");
      var p95 = quantile(r, then ? p : null, 0.95);
      cell(row, p95 === null ? "–" : (p95 === Infinity ? "> 60000" : "≤ " + Math.round(p95 * 1000)), "p95");
      cell(row, "").appendChild(sparkline(name));
      body.appendChild(row);
    });
  }

  function showTargets(view) {
    var body = $("targets").tBodies[0];
    body.textContent = "";
    view.targets.forEach(function (t) {
      var row = document.createElement("tr");
      row.setAttribute("data-target", t.upstream + " " + t.target);
      cell(row, t.upstream);
      cell(row, t.target);
      cell(row, t.state, "state state-" + t.state);
      cell(row, String(t.in_flight));
      cell(row, t.latency_ewma_ms.toFixed(1));
      body.appendChild(row);
    });
  }

  function showCertificates(view) {
    var body = $("certificates").tBodies[0];
    body.textContent = "";
    view.certificates.forEach(function (c) {
      var row = document.createElement("tr");
      cell(row, c.subject);
      cell(row, c.sans.join(", "));
      cell(row, c.not_after);
      cell(row, String(c.expires_in_days), c.expires_in_days < 14 ? "soon" : "");
      body.appendChild(row);
    });
    $("no-certificates").hidden = view.certificates.length > 0;
  }

  function refresh() {
    Promise.all([get("/-/metrics"), get("/-/admin/upstreams"), get("/-/admin/certificates")]).then(function (results) {
      var metrics = parseMetrics(results[0]);
      var now = snapshot(metrics);
      history.push(now);
      while (history.length > 1 && now.t - history[0].t > HISTORY_MS) { history.shift(); }
      var then = history.length > 1 ? baseline(now) : null;
      var seconds = then ? (now.t - then.t) / 1000 : 0;
      var build = (metrics.sluice_build_info || [])[0];
      text("version", build ? build.labels.version : "");
      text("requests-rate", seconds > 0 ? ((now.requests - then.requests) / seconds).toFixed(2) : "–");
      text("error-rate", then ? percent(now.errors - then.errors, now.requests - then.requests) : percent(now.errors, now.requests));
      text("cache-hit-ratio", percent(now.hits, now.lookups));
      text("ratelimit-refusals", String(now.refused));
      text("in-flight", String(sum(metrics, "sluice_requests_in_flight")));
      text("reloads", sum(metrics, "sluice_config_reloads_total", function (l) { return l.result === "accepted"; }) + " ("
        + sum(metrics, "sluice_config_reloads_total", function (l) { return l.result === "rejected"; }) + ")");
      text("window", seconds > 0 ? Math.round(seconds) + " s" : "scrape");
      showRoutes(now, then);
      showTargets(results[1]);
      showCertificates(results[2]);
      text("updated", "Updated " + new Date(now.t).toLocaleTimeString());
      $("status").hidden = false;
      $("login").hidden = true;
    }).catch(function (failure) {
      if (failure.message === "unauthorized") {
        signOut("The admin token was refused.");
      } else {
        text("updated", "Update failed: " + failure.message);
      }
    });
  }

  function signOut(message) {
    token = null;
    history = [];
    if (timer) { clearInterval(timer); timer = null; }
    $("status").hidden = true;
    $("login").hidden = false;
    text("login-error", message || "");
  }

  document.addEventListener("DOMContentLoaded", function () {
    $("login").addEventListener("submit", function (event) {
      event.preventDefault();
      token = $("token").value;
      $("token").value = "";
      text("login-error", "");
      refresh();
      timer = setInterval(refresh, REFRESH_MS);
    });
    $("sign-out").addEventListener("click", function () { signOut(""); });
  });
})();
