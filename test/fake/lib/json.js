'use strict';
// JSON helpers that imitate the Rust servers the fake stands in for.
//
// TGI and TEI are axum services that deserialise bodies with serde_json +
// serde_path_to_error, so a bad body gets a message such as
//   parameters.temperature: invalid type: string "x", expected f32 at line 1 column 42
// (spec §6.6, axum rejection shape).  To reproduce the path and the line/column
// we parse with a small position-tracking parser instead of JSON.parse, and
// deserialise the resulting node tree against a schema that mirrors the Rust
// structs.  The same parser keeps number literals verbatim, so u64 seeds
// (spec §7 pitfall 3) and canonical request dumps never lose precision.

class JsonSyntaxError extends Error {}
class DeserError extends Error {
  constructor(path, msg, pos) {
    super(msg);
    this.path = path;
    this.detail = msg;
    this.pos = pos;
  }
}

// ---------------------------------------------------------------- parsing
// Node: {k: 'object'|'array'|'string'|'number'|'bool'|'null', v, raw, s, e,
//        fields: [[key, node], ...] (object), items: [node] (array)}

function parse(text) {
  let i = 0;
  const n = text.length;
  const fail = (msg, at) => {
    const err = new JsonSyntaxError(msg);
    err.pos = at === undefined ? i : at;
    err.text = text;
    throw err;
  };
  const ws = () => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 10 || c === 13 || c === 9) i++;
      else break;
    }
  };
  function value(depth) {
    if (depth > 128) fail('recursion limit exceeded');
    ws();
    if (i >= n) fail('EOF while parsing a value', n);
    const c = text[i];
    const s = i;
    if (c === '{') {
      i++;
      const fields = [];
      ws();
      if (text[i] === '}') { i++; return { k: 'object', fields, s, e: i }; }
      for (;;) {
        ws();
        if (i >= n) fail('EOF while parsing an object', n);
        if (text[i] !== '"') fail(text[i] === '}' ? 'trailing comma' : 'key must be a string', i + 1);
        const key = str();
        ws();
        if (i >= n) fail('EOF while parsing an object', n);
        if (text[i] !== ':') fail('expected `:`', i + 1);
        i++;
        fields.push([key, value(depth + 1)]);
        ws();
        if (i >= n) fail('EOF while parsing an object', n);
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; return { k: 'object', fields, s, e: i }; }
        fail('expected `,` or `}`', i + 1);
      }
    }
    if (c === '[') {
      i++;
      const items = [];
      ws();
      if (text[i] === ']') { i++; return { k: 'array', items, s, e: i }; }
      for (;;) {
        ws();
        if (text[i] === ']' && items.length) fail('trailing comma', i + 1);
        items.push(value(depth + 1));
        ws();
        if (i >= n) fail('EOF while parsing a list', n);
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') { i++; return { k: 'array', items, s, e: i }; }
        fail('expected `,` or `]`', i + 1);
      }
    }
    if (c === '"') {
      const v = str();
      return { k: 'string', v, s, e: i };
    }
    if (c === 't' || c === 'f' || c === 'n') {
      const [lit, k, v] = { t: ['true', 'bool', true], f: ['false', 'bool', false], n: ['null', 'null', null] }[c];
      if (text.startsWith(lit, i)) { i += lit.length; return { k, v, s, e: i }; }
      let j = 1;
      while (j < lit.length && text[i + j] === lit[j]) j++;
      if (i + j >= n) fail('EOF while parsing a value', n);
      fail('expected ident', i + j + 1);
    }
    if (c === '-' || (c >= '0' && c <= '9')) {
      const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i, i + 400));
      if (!m) fail('invalid number', i + 1);
      i += m[0].length;
      return { k: 'number', v: Number(m[0]), raw: m[0], isFloat: !!(m[2] || m[3]), s, e: i };
    }
    fail('expected value', i + 1);
  }
  function str() {
    // text[i] === '"'
    i++;
    let out = '';
    let start = i;
    for (;;) {
      if (i >= n) fail('EOF while parsing a string', n);
      const c = text.charCodeAt(i);
      if (c === 34) { out += text.slice(start, i); i++; return out; }
      if (c < 32) fail('control character (\\u0000-\\u001F) found while parsing a string', i + 1);
      if (c === 92) {
        out += text.slice(start, i);
        const esc = text[i + 1];
        const map = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (esc in map) { out += map[esc]; i += 2; } else if (esc === 'u') {
          const hex = text.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('invalid escape', i + 2);
          out += String.fromCharCode(parseInt(hex, 16));
          i += 6;
        } else fail('invalid escape', i + 2);
        start = i;
        continue;
      }
      i++;
    }
  }
  const root = value(0);
  ws();
  if (i < n) fail('trailing characters', i + 1);
  return root;
}

function lineCol(text, pos) {
  let line = 1;
  let ls = 0;
  for (let j = 0; j < pos && j < text.length; j++) if (text.charCodeAt(j) === 10) { line++; ls = j + 1; }
  return `line ${line} column ${Math.max(0, pos - ls)}`;
}

// Node -> plain JS value (u64-looking integers above 2^53 stay exact as strings
// only where a schema asks for them; here they become Numbers).
function toValue(node) {
  switch (node.k) {
    case 'object': {
      const o = {};
      for (const [k, v] of node.fields) o[k] = toValue(v);
      return o;
    }
    case 'array': return node.items.map(toValue);
    default: return node.v;
  }
}

// Canonical JSON (keys sorted, no whitespace, number literals verbatim).
function canonicalNode(node) {
  switch (node.k) {
    case 'object': {
      const m = new Map();
      for (const [k, v] of node.fields) m.set(k, v);
      const keys = [...m.keys()].sort();
      return '{' + keys.map((k) => JSON.stringify(k) + ':' + canonicalNode(m.get(k))).join(',') + '}';
    }
    case 'array': return '[' + node.items.map(canonicalNode).join(',') + ']';
    case 'number': return node.raw;
    default: return JSON.stringify(node.v);
  }
}

function canonical(text) {
  return canonicalNode(parse(text));
}

// Canonical JSON of a JS value (keys sorted).
function canonicalValue(v) {
  if (v === null || typeof v !== 'object') return JSON.stringify(v === undefined ? null : v);
  if (Array.isArray(v)) return '[' + v.map(canonicalValue).join(',') + ']';
  return '{' + Object.keys(v).sort().filter((k) => v[k] !== undefined)
    .map((k) => JSON.stringify(k) + ':' + canonicalValue(v[k])).join(',') + '}';
}

// ------------------------------------------------------- serde emulation
// A schema type is {name, de(node, path) -> value}.  Errors carry the serde
// path (`a.b[0].c`) and the node end offset, which serde_json reports.

function rustDebugString(s) {
  return '"' + s.replace(/[\\"\n\r\t]/g, (c) => ({ '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t' }[c])) + '"';
}

function unexpected(node) {
  switch (node.k) {
    case 'string': return `string ${rustDebugString(node.v)}`;
    case 'number':
      if (node.isFloat) return `floating point \`${Number.isInteger(node.v) ? node.v.toFixed(1) : node.v}\``;
      return `integer \`${node.raw}\``;
    case 'bool': return `boolean \`${node.v}\``;
    case 'null': return 'null';
    case 'array': return 'sequence';
    default: return 'map';
  }
}

const typeErr = (node, path, expected) => new DeserError(path, `invalid type: ${unexpected(node)}, expected ${expected}`, node.e);
const join = (path, key) => (typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key);

const T = {};
T.string = { name: 'a string', de(node, path) { if (node.k !== 'string') throw typeErr(node, path, 'a string'); return node.v; } };
T.bool = { name: 'a boolean', de(node, path) { if (node.k !== 'bool') throw typeErr(node, path, 'a boolean'); return node.v; } };
T.any = { name: 'any valid JSON value', de(node) { return toValue(node); } };
T.f32 = { name: 'f32', de(node, path) { if (node.k !== 'number') throw typeErr(node, path, 'f32'); return Math.fround(node.v); } };
T.f64 = { name: 'f64', de(node, path) { if (node.k !== 'number') throw typeErr(node, path, 'f64'); return node.v; } };
function intType(name, min, max, asString) {
  return {
    name,
    de(node, path) {
      if (node.k !== 'number' || node.isFloat) throw typeErr(node, path, name);
      const b = BigInt(node.raw);
      if (b < min || b > max) throw new DeserError(path, `invalid value: integer \`${node.raw}\`, expected ${name}`, node.e);
      return asString ? node.raw : Number(node.raw);
    },
  };
}
T.u32 = intType('u32', 0n, 4294967295n);
T.i32 = intType('i32', -2147483648n, 2147483647n);
T.usize = intType('usize', 0n, 18446744073709551615n);
// u64 kept as its decimal text: seeds exceed double precision (spec §7.3).
T.u64 = intType('u64', 0n, 18446744073709551615n, true);
T.opt = (t) => ({ name: t.name, optional: true, de(node, path) { return node.k === 'null' ? null : t.de(node, path); } });
T.vec = (t) => ({
  name: 'a sequence',
  de(node, path) {
    if (node.k !== 'array') throw typeErr(node, path, 'a sequence');
    return node.items.map((it, idx) => t.de(it, join(path, idx)));
  },
});
T.map = (t) => ({
  name: 'a map',
  de(node, path) {
    if (node.k !== 'object') throw typeErr(node, path, 'a map');
    const o = {};
    for (const [k, v] of node.fields) o[k] = t.de(v, join(path, k));
    return o;
  },
});
// Field that may be missing (default) but not null unless wrapped in opt().
T.dflt = (t, d) => ({ name: t.name, hasDefault: true, dflt: d, de: t.de.bind(t) });
T.enum = (variants) => ({
  name: 'variant identifier',
  de(node, path) {
    if (node.k !== 'string') throw typeErr(node, path, 'variant identifier');
    if (!variants.includes(node.v)) {
      throw new DeserError(path, `unknown variant \`${node.v}\`, expected one of ${variants.map((v) => '`' + v + '`').join(', ')}`, node.e);
    }
    return node.v;
  },
});
T.untagged = (enumName, types) => ({
  name: enumName,
  de(node, path) {
    for (const t of types) {
      try { return t.de(node, path); } catch (e) { if (!(e instanceof DeserError)) throw e; }
    }
    throw new DeserError(path, `data did not match any variant of untagged enum ${enumName}`, node.e);
  },
});
// Struct with serde defaults: fields = {name: type}; a type without opt/dflt is required.
T.struct = (structName, fields) => ({
  name: `struct ${structName}`,
  de(node, path) {
    if (node.k !== 'object') throw typeErr(node, path, `struct ${structName}`);
    const seen = new Map();
    for (const [k, v] of node.fields) seen.set(k, v);
    const out = {};
    for (const [k, v] of node.fields) {
      if (fields[k]) out[k] = fields[k].de(v, join(path, k));
    }
    for (const [k, t] of Object.entries(fields)) {
      if (seen.has(k)) continue;
      if (t.hasDefault) out[k] = typeof t.dflt === 'function' ? t.dflt() : t.dflt;
      else if (t.optional) out[k] = null;
      else throw new DeserError(path, `missing field \`${k}\``, node.e);
    }
    return out;
  },
});
// Adjacently tagged enum {"type": variant, "value": ...} (TGI GrammarType).
T.tagged = (tag, content, variants, aliases) => ({
  name: 'adjacently tagged enum',
  de(node, path) {
    if (node.k !== 'object') throw typeErr(node, path, `adjacently tagged enum`);
    const f = new Map(node.fields);
    if (!f.has(tag)) throw new DeserError(path, `missing field \`${tag}\``, node.e);
    let tn = f.get(tag);
    const names = Object.keys(variants);
    if (tn.k === 'string' && aliases && aliases[tn.v]) tn = { ...tn, v: aliases[tn.v] };
    if (tn.k !== 'string' || !names.includes(tn.v)) {
      if (tn.k !== 'string') throw typeErr(tn, join(path, tag), 'variant identifier');
      throw new DeserError(join(path, tag), `unknown variant \`${tn.v}\`, expected one of ${names.map((v) => '`' + v + '`').join(', ')}`, tn.e);
    }
    const t = variants[tn.v];
    if (t === null) return { [tag]: tn.v };
    if (!f.has(content)) throw new DeserError(path, `missing field \`${content}\``, node.e);
    return { [tag]: tn.v, [content]: t.de(f.get(content), join(path, content)) };
  },
});

// Deserialise `text` against `schema`; returns {ok, value, node} or
// {ok:false, syntax:bool, message} with the axum-style message body.
function deserialize(text, schema) {
  let node;
  try {
    node = parse(text);
  } catch (e) {
    if (!(e instanceof JsonSyntaxError)) throw e;
    return { ok: false, syntax: true, message: `${e.message} at ${lineCol(text, e.pos)}` };
  }
  try {
    return { ok: true, value: schema.de(node, ''), node };
  } catch (e) {
    if (!(e instanceof DeserError)) throw e;
    const where = lineCol(text, e.pos);
    return { ok: false, syntax: false, node, message: `${e.path ? e.path + ': ' : ''}${e.detail} at ${where}` };
  }
}

function tryParse(text) {
  try { return { ok: true, node: parse(text) }; } catch (e) {
    if (!(e instanceof JsonSyntaxError)) throw e;
    return { ok: false, message: `${e.message} at ${lineCol(text, e.pos)}` };
  }
}

module.exports = { parse, tryParse, toValue, canonical, canonicalNode, canonicalValue, deserialize, unexpected, T, JsonSyntaxError, DeserError };
