/* Yanxiu video player: records what was really played, queues events in localStorage and
 * re-sends them with the same keys after a network drop (the server turns a key into a
 * deterministic statement id, so a re-send is stored once). Plain ES5-ish JS for old phones. */
(function () {
  "use strict";
  var video = document.getElementById("player");
  if (!video) { return; }
  var url = video.getAttribute("data-events-url");
  var csrf = video.getAttribute("data-csrf");
  var length = parseFloat(video.getAttribute("data-length"));
  // One queue per member and video: on a shared school computer or phone, the next teacher's page
  // must not send what the last one watched offline as their own (it was credited to them).
  var queueKey = video.getAttribute("data-queue-key");
  // Its messages come in the page's language from the page (data-offline, data-expired).
  var net = document.getElementById("net");
  var watchedEl = document.getElementById("watched");

  function uid() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    return "k" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }
  var sessionId = uid();
  var segments = [];      // closed [start, end] ranges of this session, in media time
  var openStart = null;   // media time where the current play stretch began
  var completed = false;

  function load() {
    try { return JSON.parse(localStorage.getItem(queueKey) || "[]"); } catch (e) { return []; }
  }
  function save(queue) {
    try { localStorage.setItem(queueKey, JSON.stringify(queue)); } catch (e) { /* storage full: keep in memory */ }
  }
  var memoryQueue = load();

  function round(x) { return Math.round(x * 1000) / 1000; }
  function closeSegment() {
    if (openStart === null) { return; }
    var end = Math.min(video.currentTime, length);
    if (end > openStart) { segments.push([round(openStart), round(end)]); }
    openStart = null;
  }
  function covered(parts) {
    var total = 0, merged = parts.slice().sort(function (a, b) { return a[0] - b[0]; }), last = -1;
    merged.forEach(function (s) {
      var start = Math.max(s[0], last);
      if (s[1] > start) { total += s[1] - start; last = s[1]; }
    });
    return total;
  }
  function progress() { return Math.min(1, round(covered(segments) / length)); }
  // 已观看 while playing: the server's figure only came with an answer (after a pause), so a teacher
  // watching without pausing saw 0 s for the whole video. Between answers the page shows the larger
  // of the server's figure and what this visit has played: never more than was really watched.
  var serverWatched = watchedEl ? (parseFloat(watchedEl.textContent) || 0) : 0;
  function showWatched() {
    if (!watchedEl) { return; }
    var parts = segments.slice();
    if (openStart !== null && video.currentTime > openStart) { parts.push([openStart, Math.min(video.currentTime, length)]); }
    watchedEl.textContent = (Math.round(Math.max(serverWatched, covered(parts)) * 10) / 10).toString();
  }
  function push(verb, extra) {
    var event = { key: uid(), verb: verb, session_id: sessionId, time: round(Math.min(video.currentTime, length)) };
    for (var k in extra) { if (Object.prototype.hasOwnProperty.call(extra, k)) { event[k] = extra[k]; } }
    if (verb === "paused" || verb === "terminated" || verb === "completed") {
      event.segments = segments.slice();
      event.progress = progress();
    }
    memoryQueue.push(event);
    save(memoryQueue);
    flush();
  }

  var sending = false;
  var stale = false;
  function flush(beacon) {
    if (sending || stale || memoryQueue.length === 0) { return; }
    var batch = memoryQueue.slice(0, 50);
    if (beacon) {
      // Page closing: keepalive lets the request outlive the page; the queue stays until confirmed.
      try {
        fetch(url, { method: "POST", keepalive: true, credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf }, body: JSON.stringify(batch) });
      } catch (e) { /* re-sent on the next visit */ }
      return;
    }
    sending = true;
    fetch(url, { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf }, body: JSON.stringify(batch) })
      .then(function (resp) {
        return resp.json().catch(function () { return {}; }).then(function (body) {
          if (resp.ok) { return body; }
          if (resp.status === 400 && body.rejected && body.rejected.length) {
            // Events the server can never accept: drop them so they do not block the queue.
            var bad = {};
            body.rejected.forEach(function (r) { if (batch[r.index]) { bad[JSON.stringify(batch[r.index])] = true; } });
            memoryQueue = load().filter(function (e) { return !bad[JSON.stringify(e)]; });
            save(memoryQueue);
            throw new Error("retry");
          }
          throw new Error(resp.status === 400 || resp.status === 401 || resp.status === 403 ? "stale" : "HTTP " + resp.status);
        });
      })
      .then(function (body) {
        var sent = {};
        batch.forEach(function (e) { sent[e.key] = true; });
        memoryQueue = load().filter(function (e) { return !sent[e.key]; });
        save(memoryQueue);
        if (body.watched_seconds) { serverWatched = parseFloat(body.watched_seconds); showWatched(); }
        if (net) { net.textContent = ""; }
        sending = false;
        if (memoryQueue.length) { flush(); }
      })
      .catch(function (err) {
        sending = false;
        if (err && err.message === "retry") { if (memoryQueue.length) { flush(); } return; }
        if (err && err.message === "stale") {
          // The session expired or the page is stale: keep the queue; a fresh launch re-sends it.
          stale = true;
          if (net) { net.textContent = net.getAttribute("data-expired"); }
          return;
        }
        if (net) { net.textContent = net.getAttribute("data-offline"); }
      });
  }

  // The deferred script may run after the metadata arrived: initialise once, whichever comes first.
  var initialized = false;
  function initialize() { if (!initialized) { initialized = true; push("initialized", {}); } }
  if (video.readyState >= 1) { initialize(); }
  video.addEventListener("loadedmetadata", initialize);
  video.addEventListener("play", function () { openStart = video.currentTime; push("played", {}); });
  video.addEventListener("pause", function () {
    if (video.seeking) { return; }
    closeSegment();
    if (!video.ended) { push("paused", {}); }
  });
  video.addEventListener("waiting", function () { closeSegment(); });      // buffering: nothing is played
  video.addEventListener("playing", function () { if (openStart === null && !video.paused) { openStart = video.currentTime; } });
  video.addEventListener("ratechange", function () { if (!video.paused) { closeSegment(); openStart = video.currentTime; } });
  var seekFrom = 0;
  video.addEventListener("timeupdate", function () {
    if (!video.seeking) { seekFrom = video.currentTime; }
    if (!video.paused) { showWatched(); }
  });
  // A seek is a jump: the stretch played so far ends where the seek started. Where it started is
  // kept at "seeking": a timeupdate at the destination comes before "seeked" (seeking is already
  // false then), and the statement said 80 → 80 for a jump from 29.9.
  var seekStart = null;
  video.addEventListener("seeking", function () {
    if (seekStart === null) { seekStart = seekFrom; }  // a drag fires several: the first is where it began
    closeSegmentAt(seekFrom);
  });
  video.addEventListener("seeked", function () {
    var from = seekStart === null ? seekFrom : seekStart;
    seekStart = null;
    push("seeked", { time_from: round(Math.min(from, length)), time_to: round(Math.min(video.currentTime, length)) });
    if (!video.paused) { openStart = video.currentTime; }
  });
  function closeSegmentAt(t) {
    if (openStart === null) { return; }
    var end = Math.min(t, length);
    if (end > openStart) { segments.push([round(openStart), round(end)]); }
    openStart = null;
  }
  video.addEventListener("ended", function () {
    closeSegment();
    if (!completed && progress() >= 0.9) { completed = true; push("completed", {}); } else { push("paused", {}); }
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      if (!video.paused) { video.pause(); }  // a hidden tab is not watching
      flush(true);
    }
  });
  window.addEventListener("pagehide", function () { closeSegment(); push("terminated", {}); flush(true); });
  window.addEventListener("online", function () { flush(); });
  setInterval(function () { flush(); }, 15000);
  flush();  // events left from an earlier visit
})();
