#!/usr/bin/env node
'use strict';
// token_copies.js PID TOKEN -- how many copies of TOKEN the process PID
// holds in its private memory (heap, anonymous mappings, stack), read
// through /proc/PID/maps and /proc/PID/mem.  Shared mappings are left out:
// shared buffers hold the catalog pages with every role's user mapping,
// which no backend owns.  Prints the count only.
const fs = require('fs');

const [pid, token] = process.argv.slice(2);
if (!pid || !token) {
  process.stderr.write('usage: token_copies.js PID TOKEN\n');
  process.exit(2);
}
const needle = Buffer.from(token);
const mem = fs.openSync(`/proc/${pid}/mem`, 'r');
const CHUNK = 1 << 20;
const buf = Buffer.alloc(CHUNK + needle.length);
let copies = 0;
for (const line of fs.readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n')) {
  const m = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) \S+ \S+ \S+\s*(.*)$/.exec(line);
  if (!m) continue;
  const [, lo, hi, perms, name] = m;
  // private, readable and writable: where the process's own data lives
  if (!perms.startsWith('rw') || perms[3] !== 'p' || name === '[vvar]' || name === '[vsyscall]') continue;
  const end = parseInt(hi, 16);
  let carry = 0;
  for (let pos = parseInt(lo, 16); pos < end; pos += CHUNK) {
    let n;
    try {
      n = fs.readSync(mem, buf, carry, Math.min(CHUNK, end - pos), pos);
    } catch (e) {
      break;			// an unreadable region (a guard page)
    }
    const view = buf.subarray(0, carry + n);
    for (let i = view.indexOf(needle); i >= 0; i = view.indexOf(needle, i + needle.length)) copies++;
    // keep the last bytes, less one, so that a copy across chunks counts once
    carry = Math.min(needle.length - 1, view.length);
    view.copy(buf, 0, view.length - carry);
  }
}
process.stdout.write(`${copies}\n`);
