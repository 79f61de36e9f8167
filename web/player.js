// Haze minimal player: loads json_<stream>.js, takes the first source a <video> element can
// play natively (progressive MP4/WebM or native HLS), and plays it. The web UI issue replaces
// this with a wrapper-per-technology player.
(function () {
  'use strict';
  function canPlay(video, source) {
    var mime = source.type.replace(/^html5\//, '');
    if (source.type.indexOf('html5/') !== 0) return false;
    return video.canPlayType(mime) !== '';
  }
  function play(stream, container, options) {
    options = options || {};
    var base = options.host || '';
    var video = document.createElement('video');
    video.controls = true;
    video.autoplay = true;
    video.muted = true;
    video.playsInline = true;
    video.style.maxWidth = '100%';
    container.appendChild(video);
    return fetch(base + 'json_' + encodeURIComponent(stream) + '.js')
      .then(function (r) { return r.json(); })
      .then(function (info) {
        if (info.error) throw new Error(info.error);
        var sources = (info.source || []).slice().sort(function (a, b) {
          return b.priority - a.priority;
        });
        var playable = sources.filter(function (s) { return canPlay(video, s); });
        if (!playable.length) throw new Error('no playable source');
        // On a media error, fall back to the next playable source.
        var next = 0;
        function tryNext() {
          if (next >= playable.length) {
            video.removeEventListener('error', tryNext);
            fail(new Error('every source failed'));
            return;
          }
          video.src = playable[next++].url;
          video.play().catch(function () {});
        }
        video.addEventListener('error', tryNext);
        tryNext();
        return playable[0];
      })
      .catch(fail);
    function fail(e) {
      var p = document.createElement('p');
      p.textContent = 'Cannot play ' + stream + ': ' + e.message;
      container.appendChild(p);
    }
  }
  window.hazePlay = play;
  window.mistPlay = function (stream, options) {
    return play(stream, options && options.target ? options.target : document.body, options);
  };
})();
