// Candidates pasted by hand: blocks separated by a line holding only "---"
// (answers may span lines); without such a line, one candidate per non-empty
// line. Surrounding blank space is trimmed; empty candidates are dropped.
export const SEPARATOR = /^[ \t]*---[ \t]*$/m;

export function splitCandidates(text) {
  const normalized = String(text).replace(/\r\n?/g, '\n');
  const pieces = SEPARATOR.test(normalized)
    ? normalized.split(/^[ \t]*---[ \t]*$/m)
    : normalized.split('\n');
  return pieces.map((p) => p.trim()).filter((p) => p.length > 0);
}
