// Paths into a JSON document as they appear in messages: `vcenters[0].tls.caFile`.

export type PathSegment = string | number;

const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** Formats segments as `a.b[0].c`, quoting keys that would read ambiguously (`rulesets["a.b"]`). */
export function formatPath(segments: readonly PathSegment[]): string {
  let path = '';
  for (const segment of segments) {
    if (typeof segment === 'number') {
      path += `[${segment}]`;
    } else if (PLAIN_KEY.test(segment)) {
      path += path === '' ? segment : `.${segment}`;
    } else {
      path += `[${JSON.stringify(segment)}]`;
    }
  }
  return path;
}

/**
 * Converts a JSON pointer (RFC 6901) into path segments. `data` is the
 * document the pointer points into: a segment is an array index only where
 * the document has an array, since a key such as "0" can name an object member.
 */
export function pointerToSegments(pointer: string, data: unknown): PathSegment[] {
  if (pointer === '') {
    return [];
  }
  const segments: PathSegment[] = [];
  let node = data;
  for (const escaped of pointer.slice(1).split('/')) {
    const key = escaped.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node) && /^\d+$/.test(key)) {
      segments.push(Number(key));
      node = node[Number(key)];
    } else {
      segments.push(key);
      node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
    }
  }
  return segments;
}

/** Formats an issue as `path: message`, or the bare message for the document itself. */
export function formatIssue(segments: readonly PathSegment[], message: string): string {
  return segments.length === 0 ? message : `${formatPath(segments)}: ${message}`;
}
