// node m3u8check.mjs <url> -> m3u8-parser summary incl. LL-HLS fields; exit 1 on parser warnings
import { Parser } from 'm3u8-parser';
const text = await (await fetch(process.argv[2])).text();
const p = new Parser(); const warns = [];
p.on('warn', w => warns.push(w.message)); p.push(text); p.end();
const m = p.manifest;
console.log(JSON.stringify({ targetDuration: m.targetDuration, mediaSequence: m.mediaSequence, segments: (m.segments || []).length,
  partTargetDuration: m.partTargetDuration, serverControl: m.serverControl,
  preloadHints: m.preloadSegment && m.preloadSegment.preloadHints, renditionReports: m.renditionReports,
  playlists: (m.playlists || []).length, warns }));
process.exit(warns.length ? 1 : 0);
