'use strict';
// Data-plane service times (README "Latency"): the draw of each request's
// latency from the knobs, a seeded generator per endpoint, and the record of
// the latencies served, in arrival order, that benchmarks read back with
// `hfctl latencies` to compute the schedule a client could not beat.
//
// latency_dist "constant": latency_ms + uniform [0, jitter_ms).
// latency_dist "lognormal": latency_median_ms * exp(latency_sigma * Z), Z a
// standard normal (Box-Muller), so half the requests take less than the
// median and a few take many times it.
// Every random draw comes from mulberry32 seeded with latency_seed: the same
// seed gives the same sequence of latencies, request after request.  The
// sequence restarts when latency_seed is written (config or endpoint knob)
// and on stats-reset.  Latencies are whole milliseconds, the value recorded
// being the value slept.  Only POST requests draw one (dataplane.js); a
// POST also sleeps latency_per_input_ms once per input in its body.

const DISTRIBUTIONS = ['constant', 'lognormal'];
const RECORD_CAP = 1000000;   // latencies kept; later ones are only counted

// mulberry32: a 32-bit state, uniform in [0, 1).
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6D2B79F5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// One standard normal from two uniforms (Box-Muller, the cosine half);
// 1 - u keeps the logarithm's argument in (0, 1].
function normal(rand) {
  const u1 = 1 - rand();
  const u2 = rand();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

// One service time in ms from the knobs (knob(name) -> value) and a generator.
function draw(knob, rand) {
  if (knob('latency_dist') === 'lognormal') {
    return Math.round(knob('latency_median_ms') * Math.exp(knob('latency_sigma') * normal(rand)));
  }
  const jitter = knob('jitter_ms');
  return knob('latency_ms') + (jitter > 0 ? Math.floor(rand() * jitter) : 0);
}

class Latency {
  constructor() {
    this.reset();
  }

  reset() {
    this.rngs = new Map();   // "ns/name" -> {seed, rand}
    this.clear();
  }

  clear() {
    this.served = [];        // ms, in arrival order
    this.keys = [];          // the endpoint of each
    this.dropped = 0;
  }

  // Restart the sequence of one endpoint, or of all of them.
  reseed(key) {
    if (key === undefined) this.rngs.clear(); else this.rngs.delete(key);
  }

  // The service time of the request now being served on endpoint `key`,
  // recorded.  A request that sleeps nothing draws nothing (latency_ms only).
  // `extra` (latency_per_input_ms times the request's inputs) is added to the draw.
  next(key, knob, extra) {
    let ms;
    if (knob('latency_dist') === 'constant' && !(knob('jitter_ms') > 0)) ms = knob('latency_ms');
    else {
      const seed = knob('latency_seed');
      let g = this.rngs.get(key);
      if (!g || g.seed !== seed) { g = { seed, rand: mulberry32(seed) }; this.rngs.set(key, g); }
      ms = draw(knob, g.rand);
    }
    if (extra > 0) ms += extra;
    if (this.served.length < RECORD_CAP) { this.served.push(ms); this.keys.push(key); } else this.dropped++;
    return ms;
  }

  // Recorded latencies, optionally of one endpoint.
  list(key) {
    if (!key) return this.served.slice();
    return this.served.filter((_, i) => this.keys[i] === key);
  }
}

module.exports = { Latency, DISTRIBUTIONS, RECORD_CAP, mulberry32, normal, draw };
