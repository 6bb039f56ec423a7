// The scoring worker: loads the Cappy module and a model, and scores
// (instruction, responses) batches off the page's thread (the wasm device
// computes on the calling thread; a big model would freeze the page).
//
// Messages in:  { type: 'load', id, source, device }   source: an absolute URL
//               { type: 'score', id, instruction, responses }
// Messages out: { type: 'progress', id, loaded, total }
//               { type: 'loaded', id, info, ms }
//               { type: 'scores', id, scores, ms }
//               { type: 'error', id, message }
import { load } from './cappy/cappy.mjs';

let scorer = null;

self.onmessage = async ({ data }) => {
  const { type, id } = data;
  try {
    if (type === 'load') {
      const started = performance.now();
      const next = await load(data.source, {
        device: data.device,
        onProgress: ({ loaded, total }) => self.postMessage({ type: 'progress', id, loaded, total }),
      });
      scorer?.dispose();
      scorer = next;
      self.postMessage({ type: 'loaded', id, info: scorer.info, ms: performance.now() - started });
    } else if (type === 'score') {
      if (!scorer) throw new Error('no model is loaded');
      const started = performance.now();
      const scores = await scorer.score(data.instruction, data.responses);
      self.postMessage({ type: 'scores', id, scores: Array.from(scores), ms: performance.now() - started, info: scorer.info });
    } else {
      throw new Error(`unknown message ${type}`);
    }
  } catch (e) {
    self.postMessage({ type: 'error', id, message: String(e?.message ?? e) });
  }
};
