'use strict';
// `node scripts/mutation/match-mutants.js <new report> <old report or incremental file> [file-substring]`
// Verdicts are given by mutant id, and ids change from run to run: this carries them over.
// For each Survived/NoCoverage mutant of the new report, the mutant of the old report with the same
// file, mutator, replacement, original text and line text (the code around it may have moved).
const fs = require('fs');
const [nw, old, sub] = process.argv.slice(2);
const N = JSON.parse(fs.readFileSync(nw, 'utf8')),
  O = JSON.parse(fs.readFileSync(old, 'utf8'));
const statuses = (process.env.STATUSES || 'Survived,NoCoverage').split(',');
const text = (src, loc) => {
  const lines = src.split('\n');
  const s = loc.start,
    e = loc.end;
  if (s.line === e.line) return lines[s.line - 1].slice(s.column - 1, e.column - 1);
  return [lines[s.line - 1].slice(s.column - 1), ...lines.slice(s.line, e.line - 1), lines[e.line - 1].slice(0, e.column - 1)].join('\n');
};
const key = (src, m) => [m.mutatorName, m.replacement, text(src, m.location), src.split('\n')[m.location.start.line - 1].trim()].join('\u0000');
let matched = 0,
  unmatched = 0;
for (const [file, v] of Object.entries(N.files)) {
  if (sub && !file.includes(sub)) continue;
  const o = O.files[file];
  const idx = new Map();
  if (o)
    for (const m of o.mutants) {
      const k = key(o.source, m);
      (idx.get(k) ?? idx.set(k, []).get(k)).push(m);
    }
  for (const m of v.mutants) {
    if (!statuses.includes(m.status)) continue;
    const c = idx.get(key(v.source, m)) ?? [];
    const line = m.location.start.line;
    if (c.length === 1) {
      matched++;
      console.log(
        `${file}:${line} #${m.id} [${m.status}] ${m.mutatorName} -> ${JSON.stringify(m.replacement).slice(0, 60)}  == old #${c[0].id} line ${c[0].location.start.line} [${c[0].status}]`,
      );
    } else {
      unmatched++;
      console.log(
        `${file}:${line} #${m.id} [${m.status}] ${m.mutatorName} -> ${JSON.stringify(m.replacement).slice(0, 60)}  NEW (${c.length} candidates${c.length ? ': old ' + c.map((x) => '#' + x.id + ' ' + x.status).join(', ') : ''})`,
      );
    }
  }
}
console.error(`matched ${matched}, new or ambiguous ${unmatched}`);
