// node mpdcheck.mjs <url> -> mpd-parser summary; exit 1 without a video representation
import { parse } from 'mpd-parser';
const url = process.argv[2];
const text = await (await fetch(url)).text();
const m = parse(text, { manifestUri: url, NOW: Date.now(), clientOffset: 0 });
const pl = m.playlists || [];
console.log(JSON.stringify({ dynamic: /type="dynamic"/.test(text), video: pl.map(p => ({ codecs: p.attributes.CODECS,
  bw: p.attributes.BANDWIDTH, segs: p.segments.length })) }));
process.exit(pl.length ? 0 : 1);
