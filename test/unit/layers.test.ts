import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { packagePath } from '../../src/model/paths.js';

/** Highest first: a folder may import only from folders after it. */
const LAYERS = ['cli', 'service', 'poll', 'report', 'notify', 'drift', 'store', 'collect', 'vsphere', 'config', 'model'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(path) : entry.name.endsWith('.ts') ? [path] : [];
  });
}

describe('source layers', () => {
  it('import only lower layers', () => {
    const src = packagePath('src');
    const violations: string[] = [];
    for (const file of sourceFiles(src)) {
      const layer = relative(src, file).split('/')[0]!;
      const rank = LAYERS.indexOf(layer);
      expect(rank, `${file} is in no known layer`).to.be.at.least(0);
      for (const match of readFileSync(file, 'utf8').matchAll(/from '(\.\.?\/[^']+)'/g)) {
        const target = relative(src, join(file, '..', match[1]!)).split('/')[0]!;
        // Files outside src/, such as the JSON schemas, belong to no layer.
        if (target !== '..' && target !== layer && LAYERS.indexOf(target) < rank) {
          violations.push(`${relative(src, file)} imports ${match[1]}`);
        }
      }
    }
    expect(violations).to.deep.equal([]);
  });
});
