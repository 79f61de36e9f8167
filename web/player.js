// Haze embeddable player (served as /player.js on the HTTP port).
// mistPlay(stream, {target, host, autoplay, muted, controls, forceType, skip, stats, callback})
// reads <host>json_<stream>.js, ranks the sources for this browser (WHEP, CMAF/LL-HLS via hls.js,
// DASH via dash.js, native HLS on Safari, progressive MP4/WebM), plays the best one and falls back
// to the next source on an error or a stall. hls.js / dash.js are loaded from the same host
// (/hlsjs.js, /dashjs.js): nothing comes from the internet. All URLs come from the stream info,
// so X-Mst-Path and the public address are honoured.
(function (global) {
  'use strict';
  var STALL_MS = 12000;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    return e;
  }

  var scriptCache = {};
  function loadScript(url, globalName) {
    if (global[globalName]) return Promise.resolve(global[globalName]);
    if (!scriptCache[url]) {
      scriptCache[url] = new Promise(function (resolve, reject) {
        var s = document.createElement('script');
        s.src = url;
        s.onload = function () {
          if (global[globalName]) resolve(global[globalName]);
          else reject(new Error(url + ' did not define ' + globalName));
        };
        s.onerror = function () {
          delete scriptCache[url];
          reject(new Error('cannot load ' + url));
        };
        document.head.appendChild(s);
      });
    }
    return scriptCache[url];
  }

  function isSafari() {
    var ua = navigator.userAgent;
    return /Safari\//.test(ua) && !/Chrome\/|Chromium\/|Android/.test(ua);
  }
  function hasMse() {
    return !!(global.MediaSource || global.ManagedMediaSource);
  }

  // Classifies a json_ source into a playback technique, or null when this browser cannot play it.
  function techFor(source, video) {
    var type = source.type || '';
    var url = source.url || '';
    if (type === 'whep' || type === 'webrtc/whep' || /\/whep\//.test(url)) {
      return global.RTCPeerConnection ? 'whep' : null;
    }
    if (type.indexOf('html5/application/vnd.apple.mpegurl') === 0) {
      if (isSafari() && video.canPlayType('application/vnd.apple.mpegurl')) return 'native';
      return hasMse() ? 'hlsjs' : null;
    }
    if (type.indexOf('dash/') === 0) return hasMse() ? 'dashjs' : null;
    if (type.indexOf('html5/') === 0) {
      return video.canPlayType(type.slice(6)) ? 'native' : null;
    }
    return null;
  }

  // Browser preference on top of the server's priority (higher first).
  function techRank(tech, source) {
    if (tech === 'whep') return 50;
    if (tech === 'hlsjs' && /\/cmaf\//.test(source.url)) return 40;
    if (tech === 'native' && /mpegurl/.test(source.type)) return 38;
    if (tech === 'dashjs') return 30;
    if (tech === 'hlsjs') return 25;
    if (/mp4/.test(source.type)) return 20;
    if (/webm/.test(source.type)) return 18;
    return 0;
  }

  function rankSources(info, video, opts) {
    var skip = opts.skip || [];
    var list = [];
    (info.source || []).forEach(function (s, i) {
      if (opts.forceType && s.type.indexOf(opts.forceType) < 0) return;
      if (skip.some(function (k) { return s.type.indexOf(k) >= 0 || s.url.indexOf(k) >= 0; })) return;
      var tech = techFor(s, video);
      if (tech) list.push({ source: s, tech: tech, rank: techRank(tech, s), prio: s.priority || 0, i: i });
    });
    list.sort(function (a, b) { return b.rank - a.rank || b.prio - a.prio || a.i - b.i; });
    return list;
  }

  // ---- techniques: each returns {destroy(), latency()} and calls fail(err) on a fatal error ----

  function startNative(video, src, fail) {
    var onError = function () { fail(new Error('media error ' + (video.error ? video.error.code : ''))); };
    video.addEventListener('error', onError);
    video.src = src.url;
    return {
      destroy: function () {
        video.removeEventListener('error', onError);
        video.removeAttribute('src');
        video.load();
      },
      latency: function () { return null; },
    };
  }

  function startHlsJs(video, src, fail, host) {
    var hls = null;
    var dead = false;
    loadScript(host + 'hlsjs.js', 'Hls').then(function (Hls) {
      if (dead) return;
      if (!Hls.isSupported()) { fail(new Error('hls.js unsupported')); return; }
      hls = new Hls({ lowLatencyMode: true, backBufferLength: 30 });
      hls.on(Hls.Events.ERROR, function (_e, data) {
        if (data.fatal) {
          var why = data.reason || (data.error && data.error.message) || '';
          fail(new Error('hls.js: ' + data.details + (why ? ' (' + why + ')' : '')));
        }
      });
      hls.loadSource(src.url);
      hls.attachMedia(video);
    }, fail);
    return {
      destroy: function () { dead = true; if (hls) hls.destroy(); },
      latency: function () { return hls && isFinite(hls.latency) ? hls.latency : null; },
    };
  }

  function startDashJs(video, src, fail, host) {
    var player = null;
    var dead = false;
    loadScript(host + 'dashjs.js', 'dashjs').then(function (dashjs) {
      if (dead) return;
      player = dashjs.MediaPlayer().create();
      player.updateSettings({ streaming: { delay: { liveDelay: 4 } } });
      player.on('error', function (e) {
        fail(new Error('dash.js: ' + (e && e.error ? e.error.message || e.error.code : 'error')));
      });
      player.initialize(video, src.url, true);
    }, fail);
    return {
      destroy: function () { dead = true; if (player) player.destroy(); },
      latency: function () {
        try { return player ? player.getCurrentLiveLatency() : null; } catch (e) { return null; }
      },
    };
  }

  function startWhep(video, src, fail) {
    var pc = new RTCPeerConnection({ iceServers: src.RTCIceServers || [] });
    var resource = null;
    pc.addTransceiver('video', { direction: 'recvonly' });
    pc.addTransceiver('audio', { direction: 'recvonly' });
    pc.ontrack = function (ev) {
      if (video.srcObject !== ev.streams[0]) video.srcObject = ev.streams[0];
    };
    pc.onconnectionstatechange = function () {
      if (pc.connectionState === 'failed') fail(new Error('WebRTC connection failed'));
    };
    pc.createOffer().then(function (offer) {
      return pc.setLocalDescription(offer);
    }).then(function () {
      return fetch(src.url, { method: 'POST', headers: { 'Content-Type': 'application/sdp' },
                              body: pc.localDescription.sdp });
    }).then(function (r) {
      if (r.status !== 201 && r.status !== 200) throw new Error('WHEP answered ' + r.status);
      var loc = r.headers.get('Location');
      if (loc) resource = new URL(loc, src.url).href;
      return r.text();
    }).then(function (sdp) {
      return pc.setRemoteDescription({ type: 'answer', sdp: sdp });
    }).catch(fail);
    return {
      destroy: function () {
        pc.close();
        video.srcObject = null;
        if (resource) fetch(resource, { method: 'DELETE' }).catch(function () {});
      },
      latency: function () { return null; },
    };
  }

  var TECHS = { native: startNative, hlsjs: startHlsJs, dashjs: startDashJs, whep: startWhep };

  // ---- UI ----

  var CSS = '.mistvideo{position:relative;background:#000;color:#eee;font:12px sans-serif;' +
    'display:flex;flex-direction:column;overflow:hidden}' +
    '.mistvideo video{width:100%;flex:1;min-height:0;background:#000}' +
    '.mistvideo .haze-bar{display:flex;gap:6px;align-items:center;padding:4px;background:#111}' +
    '.mistvideo .haze-bar button{background:#333;color:#eee;border:0;padding:3px 8px;cursor:pointer}' +
    '.mistvideo .haze-bar input[type=range]{flex:1}' +
    '.mistvideo .haze-live.on{background:#c00}' +
    '.mistvideo .haze-stats{position:absolute;top:6px;left:6px;background:rgba(0,0,0,.65);' +
    'padding:4px 6px;white-space:pre;font:11px monospace;pointer-events:none}' +
    '.mistvideo .haze-msg{position:absolute;top:40%;width:100%;text-align:center}';

  function injectCss() {
    if (document.getElementById('haze-player-css')) return;
    var s = el('style');
    s.id = 'haze-player-css';
    s.textContent = CSS;
    document.head.appendChild(s);
  }

  function fmtTime(t) {
    if (!isFinite(t)) return '--:--';
    t = Math.max(0, Math.floor(t));
    var m = Math.floor(t / 60), s = t % 60;
    return m + ':' + (s < 10 ? '0' : '') + s;
  }

  function buildUi(player, video, live) {
    var bar = el('div', 'haze-bar');
    var play = el('button', 'haze-play', 'Pause');
    var mute = el('button', 'haze-mute', video.muted ? 'Unmute' : 'Mute');
    var seek = el('input', 'haze-seek');
    seek.type = 'range'; seek.min = 0; seek.max = 1000; seek.value = 0;
    var time = el('span', 'haze-time', '');
    var liveBtn = el('button', 'haze-live', 'LIVE');
    var statsBtn = el('button', 'haze-statsbtn', 'Stats');
    var stats = el('div', 'haze-stats');
    stats.hidden = !player.options.stats;
    play.onclick = function () { if (video.paused) video.play(); else video.pause(); };
    mute.onclick = function () { video.muted = !video.muted; };
    liveBtn.onclick = function () { player.goLive(); };
    statsBtn.onclick = function () { stats.hidden = !stats.hidden; };
    video.addEventListener('play', function () { play.textContent = 'Pause'; });
    video.addEventListener('pause', function () { play.textContent = 'Play'; });
    video.addEventListener('volumechange', function () { mute.textContent = video.muted ? 'Unmute' : 'Mute'; });
    var dragging = false;
    seek.addEventListener('input', function () { dragging = true; });
    seek.addEventListener('change', function () {
      dragging = false;
      var r = player.range();
      if (r) video.currentTime = r.start + (r.end - r.start) * seek.value / 1000;
    });
    bar.append(play, mute, seek, time);
    if (live) bar.append(liveBtn);
    bar.append(statsBtn);
    player.container.append(stats, bar);
    player.refreshUi = function () {
      var r = player.range();
      if (r && !dragging && r.end > r.start) {
        seek.value = Math.round(1000 * (video.currentTime - r.start) / (r.end - r.start));
      }
      if (live) {
        var behind = r ? r.end - video.currentTime : 0;
        liveBtn.classList.toggle('on', behind < 6);
        time.textContent = behind >= 6 ? '-' + fmtTime(behind) : '';
      } else {
        time.textContent = fmtTime(video.currentTime) + ' / ' + fmtTime(video.duration);
      }
      if (!stats.hidden) stats.textContent = player.statsText();
    };
  }

  function Player(stream, options) {
    this.stream = stream;
    this.options = options;
    this.container = options.target;
    this.host = options.host != null ? options.host : defaultHost();
    this.candidates = [];
    this.index = -1;
    this.active = null;
    this.timers = [];
    this.log = [];
  }

  Player.prototype.message = function (text) {
    if (!this.msg) { this.msg = el('div', 'haze-msg'); this.container.appendChild(this.msg); }
    this.msg.textContent = text || '';
    this.msg.hidden = !text;
  };

  Player.prototype.range = function () {
    var v = this.video;
    if (v.seekable && v.seekable.length) {
      return { start: v.seekable.start(0), end: v.seekable.end(v.seekable.length - 1) };
    }
    return isFinite(v.duration) ? { start: 0, end: v.duration } : null;
  };

  Player.prototype.goLive = function () {
    var r = this.range();
    if (r) this.video.currentTime = Math.max(r.start, r.end - 2);
    this.video.play().catch(function () {});
  };

  Player.prototype.bufferAhead = function () {
    var v = this.video, b = v.buffered;
    for (var i = 0; i < b.length; i++) {
      if (b.start(i) <= v.currentTime + 0.1 && b.end(i) >= v.currentTime) return b.end(i) - v.currentTime;
    }
    return 0;
  };

  Player.prototype.latency = function () {
    var l = this.active && this.active.latency();
    if (l != null) return l;
    var r = this.range();
    return this.live && r ? r.end - this.video.currentTime : null;
  };

  Player.prototype.statsText = function () {
    var v = this.video;
    var q = v.getVideoPlaybackQuality ? v.getVideoPlaybackQuality() : {};
    var lat = this.latency();
    var c = this.candidates[this.index];
    return 'source  ' + (c ? c.tech + ' ' + c.source.type : '-') + '\n' +
      'size    ' + v.videoWidth + 'x' + v.videoHeight + '\n' +
      'buffer  ' + this.bufferAhead().toFixed(2) + ' s\n' +
      'latency ' + (lat == null ? '-' : lat.toFixed(2) + ' s') + '\n' +
      'dropped ' + (q.droppedVideoFrames || 0) + ' / ' + (q.totalVideoFrames || 0);
  };

  // Moves to the next candidate source (after an error or stall on the current one).
  Player.prototype.next = function (reason) {
    var self = this;
    if (this.active) {
      this.log.push((this.candidates[this.index].source.url) + ': ' + (reason ? reason.message : ''));
      try { this.active.destroy(); } catch (e) { /* already torn down */ }
      this.active = null;
    }
    this.index++;
    if (this.index >= this.candidates.length) {
      this.message('Cannot play ' + this.stream + ': every source failed');
      this.emit('error', new Error('every source failed'));
      return;
    }
    var cand = this.candidates[this.index];
    var token = {};
    this.token = token;
    var failed = function (err) {
      if (self.token === token) { self.token = null; self.next(err); }
    };
    this.message('');
    this.lastProgress = Date.now();
    this.lastTime = -1;
    this.active = TECHS[cand.tech](this.video, cand.source, failed, this.host);
    this.failCurrent = failed;
    this.source = cand.source;
    this.tech = cand.tech;
    if (this.options.autoplay !== false) this.video.play().catch(function () {});
    this.emit('source', cand);
  };

  Player.prototype.tick = function () {
    var v = this.video;
    if (v.currentTime !== this.lastTime || v.paused) {
      this.lastTime = v.currentTime;
      this.lastProgress = Date.now();
    } else if (this.failCurrent && Date.now() - this.lastProgress > STALL_MS) {
      this.failCurrent(new Error('stalled'));
    }
    if (this.refreshUi) this.refreshUi();
  };

  Player.prototype.emit = function (what, arg) {
    var cb = this.options.callback;
    if (typeof cb === 'function') { try { cb(what, arg, this); } catch (e) { /* user code */ } }
  };

  Player.prototype.start = function () {
    var self = this;
    var c = this.container;
    c.classList.add('mistvideo');
    injectCss();
    var video = el('video');
    video.playsInline = true;
    video.autoplay = this.options.autoplay !== false;
    video.muted = this.options.muted != null ? !!this.options.muted : video.autoplay;
    video.controls = !!this.options.controls;
    this.video = video;
    c.appendChild(video);
    return fetch(this.host + 'json_' + encodeURIComponent(this.stream) + '.js')
      .then(function (r) { return r.json(); })
      .then(function (info) {
        if (info.error) throw new Error(info.error);
        self.info = info;
        self.live = info.type === 'live';
        self.candidates = rankSources(info, video, self.options);
        if (!self.candidates.length) throw new Error('no source this browser can play');
        buildUi(self, video, self.live);
        self.timers.push(setInterval(function () { self.tick(); }, 500));
        self.next();
        return self;
      })
      .catch(function (e) {
        self.message('Cannot play ' + self.stream + ': ' + e.message);
        self.emit('error', e);
        return self;
      });
  };

  Player.prototype.unload = function () {
    this.token = null;
    this.timers.forEach(clearInterval);
    if (this.active) this.active.destroy();
    this.active = null;
    while (this.container.firstChild) this.container.removeChild(this.container.firstChild);
  };

  function defaultHost() {
    var s = document.currentScript || document.querySelector('script[src$="player.js"]');
    return s ? s.src.replace(/player\.js(\?.*)?$/, '') : '';
  }
  var scriptHost = defaultHost();

  function mistPlay(stream, options) {
    options = options || {};
    if (typeof options.target === 'string') options.target = document.getElementById(options.target);
    if (!options.target) throw new Error('mistPlay: options.target is required');
    if (options.host == null) options.host = scriptHost;
    if (options.host && !/\/$/.test(options.host)) options.host += '/';
    if (options.stats == null) options.stats = true;
    var p = new Player(stream, options);
    options.target.hazePlayer = p;
    p.ready = p.start();
    return p;
  }

  global.mistPlay = mistPlay;
  // The earlier placeholder API: hazePlay(stream, container, {host}).
  global.hazePlay = function (stream, container, options) {
    var o = options || {};
    o.target = container;
    return mistPlay(stream, o);
  };
  global.HazePlayer = { rankSources: rankSources, techFor: techFor };
})(window);
