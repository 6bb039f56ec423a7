// Text arguments of the API: a string or its UTF-8 bytes (Uint8Array).

export function isText(x) {
  return typeof x === 'string' || x instanceof Uint8Array;
}

// JavaScript strings are UTF-16 and may hold lone surrogates, which have no
// UTF-8 form; the glue would encode them into other characters silently.
// Bytes are left to the core, which rejects invalid UTF-8 naming the byte.
export function checkWellFormed(text, what) {
  if (typeof text !== 'string') return;
  const bad = text.search(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
  if (bad >= 0) throw new Error(`${what}: invalid UTF-16 (a lone surrogate at index ${bad}), which has no UTF-8 form`);
}
