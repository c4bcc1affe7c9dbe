'use strict';
// HTTP server of the fake: one port serves the Hub (whoami), the management
// API (/v2), the catalog (/api/catalog), every endpoint's data plane
// (/endpoints/<ns>/<name>/...) and the test-control routes (/_fake/...).
//
// Per request: read the body, record it, count it, apply a matching fault or
// route it to control.js / dataplane.js, then write the response object.

const http = require('http');
const { State } = require('./state');
const { Faults } = require('./faults');
const { DataPlane } = require('./dataplane');
const control = require('./control');
const knobs = require('./knobs');
const { apiError } = require('./util');

const BODY_CAP = 64 * 1024 * 1024;     // bytes kept in memory per request; the rest is counted and dropped
const CONTROL_BODY_LIMIT = 10 * 1024 * 1024;
const EMPTY = Buffer.alloc(0);

// A Content-Type whose body is bytes, not text: recorded as `<N bytes of TYPE>`.
function binaryType(ct) {
  if (typeof ct !== 'string') return false;
  const t = ct.split(';')[0].trim().toLowerCase();
  return t.startsWith('image/') || t.startsWith('audio/') || t.startsWith('video/') || t === 'application/octet-stream';
}

// Per-request context handed to every handler.
class Ctx {
  constructor(req, res) {
    const url = req.url;
    const q = url.indexOf('?');
    this.req = req;
    this.res = res;
    this.url = url;
    this.path = q < 0 ? url : url.slice(0, q);
    this.method = req.method;
    this.headers = req.headers;
    this.now = Date.now();
    this.aborted = false;
    this.body = EMPTY;        // the request body as bytes (up to BODY_CAP)
    this.text = null;         // its UTF-8 decoding, made on first use of bodyText
    this.bodyBytes = 0;
    this.q = q;
  }

  // The body as UTF-8 text (JSON bodies).  Decoded lazily, so a binary media
  // body (toolkit.js) is only ever handled as the Buffer ctx.body.
  get bodyText() {
    if (this.text === null) this.text = this.body.length ? this.body.toString('utf8') : '';
    return this.text;
  }

  get query() {
    return new URLSearchParams(this.q < 0 ? '' : this.url.slice(this.q + 1));
  }
}

class FakeServer {
  constructor(opts) {
    this.state = new State({ token: opts.token || 'hf_fake_token' });
    this.faults = new Faults();
    this.dataplane = new DataPlane(this.state);
    this.state.onReset = () => {
      this.faults.reset();
      this.dataplane.reset();
    };
    this.sockets = new Set();
    this.server = http.createServer({ keepAliveTimeout: 600000, headersTimeout: 610000, requestTimeout: 0 }, (req, res) => this.onRequest(req, res));
    this.server.keepAliveTimeout = 600000;
    this.server.headersTimeout = 610000;
    this.server.maxHeadersCount = 200;
    this.server.timeout = 0;
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server.on('clientError', (err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      else socket.destroy();
    });
  }

  listen(port) {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ port, host: '127.0.0.1', backlog: 4096 }, () => {
        this.state.port = this.server.address().port;
        resolve(this.state.port);
      });
    });
  }

  close() {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
    });
  }

  onRequest(req, res) {
    const ctx = new Ctx(req, res);
    const isFake = ctx.path.startsWith('/_fake/');
    if (!isFake) this.countStart(ctx, res);
    else res.on('close', () => { ctx.aborted = !res.writableFinished; });

    const chunks = [];
    let n = 0;
    req.on('data', (c) => {
      if (n + c.length <= BODY_CAP) chunks.push(c);
      n += c.length;
    });
    req.on('end', () => {
      ctx.bodyBytes = n;
      if (chunks.length) ctx.body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
      this.dispatch(ctx, isFake);
    });
  }

  internalError(ctx, err) {
    process.stderr.write(`hf_fake: internal error on ${ctx.method} ${ctx.path}: ${err && err.stack}\n`);
    this.write(ctx, apiError(500, 'Internal Server Error'));
  }

  // Stats: totals, in-flight maxima overall and per endpoint (README "stats").
  countStart(ctx, res) {
    const st = this.state.stats;
    st.requests++;
    // A connection counts once, at its first non-/_fake request (keep-alive reuse checks).
    const sock = ctx.req.socket;
    if (sock.hfFakeStats !== st.epoch) { sock.hfFakeStats = st.epoch; st.connections++; }
    st.inFlight++;
    if (st.inFlight > st.maxInFlight) st.maxInFlight = st.inFlight;
    let key = null;
    if (ctx.path.startsWith('/endpoints/')) {
      const p = ctx.path.split('/');
      key = p[2] + '/' + p[3];
      if (this.state.endpoints.has(key)) {
        const cur = (st.byEndpoint.get(key) || 0) + 1;
        st.byEndpoint.set(key, cur);
        if (cur > (st.maxByEndpoint.get(key) || 0)) st.maxByEndpoint.set(key, cur);
      } else key = null;
    }
    res.on('close', () => {
      ctx.aborted = !res.writableFinished;
      st.inFlight--;
      if (key) st.byEndpoint.set(key, st.byEndpoint.get(key) - 1);
    });
  }

  record(ctx) {
    const cfg = this.state.config;
    if (!cfg.record_requests) return;
    const ct = ctx.headers['content-type'];
    if (ctx.bodyBytes > 0 && binaryType(ct)) {
      // Binary media: only its size and type are kept (hfctl prints them as the body).
      ctx.record = this.keep(cfg, {
        seq: ++this.state.recordSeq, method: ctx.method, path: ctx.url, headers: ctx.headers,
        body: `<${ctx.bodyBytes} bytes of ${ct.trim()}>`, binary: true, bodyBytes: ctx.bodyBytes, truncated: false, status: null,
      });
      return;
    }
    const rec = {
      seq: ++this.state.recordSeq,
      method: ctx.method,
      path: ctx.url,
      headers: ctx.headers,
      body: ctx.bodyText.length > cfg.record_body_limit ? ctx.bodyText.slice(0, cfg.record_body_limit) : ctx.bodyText,
      bodyBytes: ctx.bodyBytes,
      truncated: ctx.bodyText.length > cfg.record_body_limit || ctx.bodyBytes > BODY_CAP,
      status: null,
    };
    ctx.record = this.keep(cfg, rec);
  }

  keep(cfg, rec) {
    const list = this.state.recorded;
    list.push(rec);
    if (list.length > cfg.record_limit + 1000) list.splice(0, list.length - cfg.record_limit);
    return rec;
  }

  // Handlers return a response object, or a promise of one when they have to
  // wait (latency, slots, scale-up, faults); the common case is answered
  // synchronously, without a promise.
  dispatch(ctx, isFake) {
    let r;
    try {
      if (isFake) {
        this.write(ctx, knobs.handle(this, ctx));
        return;
      }
      this.record(ctx);
      const fault = this.faults.match(ctx);
      if (fault) r = this.dispatchFault(ctx, fault);
      else {
        r = this.route(ctx);
        if (r == null || typeof r.then !== 'function') { this.finish(ctx, r); return; }
        r = r.then((resp) => this.finish(ctx, resp));
      }
    } catch (err) {
      this.internalError(ctx, err);
      return;
    }
    r.catch((err) => this.internalError(ctx, err));
  }

  finish(ctx, resp) {
    if (resp) this.write(ctx, resp);
    else if (!ctx.aborted) this.write(ctx, apiError(404, 'Not Found'));
  }

  async dispatchFault(ctx, fault) {
    if (ctx.record) ctx.record.status = fault.action === 'respond' ? fault.status || 500 : fault.action;
    const real = this.faults.needsReal(fault) ? await this.route(ctx) : null;
    await this.faults.apply(ctx, fault, real, (r) => this.write(ctx, r));
  }

  route(ctx) {
    const p = ctx.path;
    if (p.startsWith('/endpoints/')) return this.dataplane.handle(ctx);
    if (ctx.bodyBytes > CONTROL_BODY_LIMIT) return apiError(413, 'Payload Too Large');
    if (p === '/v2' || p.startsWith('/v2/')) return control.handleV2(this.state, ctx);
    if (p === '/api/whoami-v2') {
      return ctx.method === 'GET' ? control.whoami(this.state, ctx) : apiError(405, 'Method Not Allowed');
    }
    if (p.startsWith('/api/catalog/')) return control.handleCatalog(this.state, ctx);
    return apiError(404, 'Not Found');
  }

  write(ctx, resp) {
    const { res } = ctx;
    if (!resp || res.headersSent || res.destroyed) return;
    if (ctx.record && ctx.record.status === null) ctx.record.status = resp.status;
    const body = resp.body === undefined ? '' : resp.body;
    const headers = resp.headers || {};
    headers['content-length'] = Buffer.byteLength(body);
    res.writeHead(resp.status, headers);
    res.end(ctx.method === 'HEAD' ? undefined : body);
  }
}

module.exports = { FakeServer };
