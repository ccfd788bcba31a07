/** A small line diff (Myers' O(ND) algorithm) and unified-diff hunks, so the project needs no diff package. */

export type Op = { readonly type: ' ' | '-' | '+'; readonly line: string };

/** Past this many differing lines the middle is shown as a plain removal + addition (it is unreadable anyway). */
const MAX_EDIT_DISTANCE = 4000;

export function diffLines(a: readonly string[], b: readonly string[]): Op[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const head: Op[] = a.slice(0, start).map((line) => ({ type: ' ', line }));
  const tail: Op[] = a.slice(endA).map((line) => ({ type: ' ', line }));
  return [...head, ...myers(a.slice(start, endA), b.slice(start, endB)), ...tail];
}

function myers(a: readonly string[], b: readonly string[]): Op[] {
  const n = a.length;
  const m = b.length;
  const plain = (): Op[] => [...a.map((line): Op => ({ type: '-', line })), ...b.map((line): Op => ({ type: '+', line }))];
  if (n === 0 || m === 0) return plain();
  const max = Math.min(n + m, MAX_EDIT_DISTANCE);
  const offset = max + 1;
  let v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  for (let d = 0; d <= max; d++) {
    trace.push(v.slice());
    const next = v.slice();
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]) ? v[offset + k + 1] : v[offset + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      next[offset + k] = x;
      if (x >= n && y >= m) return backtrack(trace, a, b, offset, d);
    }
    v = next;
  }
  return plain();
}

function backtrack(trace: readonly Int32Array[], a: readonly string[], b: readonly string[], offset: number, dEnd: number): Op[] {
  const ops: Op[] = [];
  let x = a.length;
  let y = b.length;
  for (let d = dEnd; d >= 0; d--) {
    // trace[d] is the frontier after d-1 edits: it tells which move led to the current point.
    const prev = trace[d];
    const k = x - y;
    const down = k === -d || (k !== d && prev[offset + k - 1] < prev[offset + k + 1]);
    const prevK = down ? k + 1 : k - 1;
    const prevX = d === 0 ? 0 : prev[offset + prevK];
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      ops.push({ type: ' ', line: a[x - 1] });
      x--;
      y--;
    }
    if (d === 0) break;
    if (down) ops.push({ type: '+', line: b[y - 1] });
    else ops.push({ type: '-', line: a[x - 1] });
    x = prevX;
    y = prevY;
  }
  return ops.reverse();
}

/** Unified diff text (`@@ -l,s +l,s @@` hunks with `context` lines around each change); '' when equal. */
export function unifiedDiff(oldText: string, newText: string, labels: { readonly from: string; readonly to: string }, context = 3): string {
  const a = oldText === '' ? [] : oldText.replace(/\n$/, '').split('\n');
  const b = newText === '' ? [] : newText.replace(/\n$/, '').split('\n');
  const ops = diffLines(a, b);
  if (!ops.some((o) => o.type !== ' ')) return '';
  const out = [`--- ${labels.from}`, `+++ ${labels.to}`];
  // Positions (in old and new) before each op.
  const posA: number[] = [];
  const posB: number[] = [];
  let ia = 0;
  let ib = 0;
  for (const o of ops) {
    posA.push(ia);
    posB.push(ib);
    if (o.type !== '+') ia++;
    if (o.type !== '-') ib++;
  }
  let i = 0;
  while (i < ops.length) {
    if (ops[i].type === ' ') {
      i++;
      continue;
    }
    const from = Math.max(0, i - context);
    let to = i;
    // Extend the hunk while the next change is within 2×context lines.
    for (;;) {
      while (to < ops.length && ops[to].type !== ' ') to++;
      let gap = to;
      while (gap < ops.length && ops[gap].type === ' ') gap++;
      if (gap < ops.length && gap - to <= 2 * context) to = gap;
      else break;
    }
    const end = Math.min(ops.length, to + context);
    const hunk = ops.slice(from, end);
    const lenA = hunk.filter((o) => o.type !== '+').length;
    const lenB = hunk.filter((o) => o.type !== '-').length;
    const startA = lenA === 0 ? posA[from] : posA[from] + 1;
    const startB = lenB === 0 ? posB[from] : posB[from] + 1;
    out.push(`@@ -${startA},${lenA} +${startB},${lenB} @@`);
    for (const o of hunk) out.push(`${o.type}${o.line}`);
    i = end;
  }
  return `${out.join('\n')}\n`;
}
