// The bindings' own checks, below the API: file sizes that wasm32 memory cannot
// hold are refused by name before anything is allocated or written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { distUrl } from './helpers.mjs';

const { loadCore } = await import(distUrl + 'core.mjs');

test('reserve refuses sizes a wasm32 allocation cannot have, naming the file', async () => {
  const core = await loadCore();
  const loader = new core.ModelLoader();
  try {
    for (const size of [-1, 1.5, 2 ** 31, 5e9, NaN]) {
      const r = loader.reserve('model.safetensors', size);
      assert.match(r?.error ?? '', /^model\.safetensors: .* bytes: a file in WebAssembly memory must be 0 to 2 GiB$/, `size ${size}`);
    }
    const address = loader.reserve('config.json', 10);
    assert.equal(typeof address, 'number');
    assert.ok(address > 0);
  } finally {
    loader.delete();
  }
});
