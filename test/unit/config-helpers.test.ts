import { expect } from 'chai';

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import configSchema from '../../schemas/config.schema.json' with { type: 'json' };
import { CONFIG_DEFAULTS } from '../../src/config/config-defaults.js';
import { closestMatch } from '../../src/config/did-you-mean.js';
import { formatPath, pointerToSegments } from '../../src/config/issue-path.js';
import { parseJsonText } from '../../src/config/json-text.js';
import { compileSchema } from '../../src/config/schema-validation.js';

describe('closestMatch', () => {
  const keys = ['passwordEnv', 'passwordFile', 'timeoutSeconds', 'maxObjects', 'url', 'name'];

  it('ignores case', () => {
    expect(closestMatch('passwordenv', keys)).to.equal('passwordEnv');
  });

  it('allows small typos', () => {
    expect(closestMatch('maxObject', keys)).to.equal('maxObjects');
    expect(closestMatch('passwordFlie', keys)).to.equal('passwordFile');
  });

  it('matches a prefix', () => {
    expect(closestMatch('timeout', keys)).to.equal('timeoutSeconds');
  });

  it('returns null when nothing is close', () => {
    expect(closestMatch('colour', keys)).to.equal(null);
  });

  it('does not stretch short words', () => {
    expect(closestMatch('uri', ['url'])).to.equal('url');
    expect(closestMatch('id', ['url'])).to.equal(null);
  });
});

/** Parses valid JSON text and returns its duplicate-key issues. */
function duplicateKeysOf(text: string): string[] {
  const result = parseJsonText(text);
  if (!result.ok) {
    throw new Error(`test setup: ${result.error}`);
  }
  return result.duplicateKeys;
}

describe('parseJsonText', () => {
  const errors: [string, string][] = [
    ['', 'line 1, column 1: unexpected end of input; expected a value'],
    ['abc', 'line 1, column 1: unexpected character "a"; expected a value'],
    ['{"a": x}', 'line 1, column 7: unexpected character "x"; expected a value'],
    ['{"a": tru}', 'line 1, column 7: invalid literal; expected true, false or null'],
    ['{"a": 1,}', "line 1, column 9: expected a double-quoted property name"],
    ['{\n  "a": 1\n  "b": 2\n}', "line 3, column 3: expected ',' or '}' after the property value"],
    ['[1, 2', "line 1, column 6: unexpected end of input; expected ',' or ']' after the array element"],
    ['{"a": 01}', 'line 1, column 7: invalid number'],
    ['{"a": "x\ny"}', 'line 1, column 9: control character in string; write it as an escape such as \\n'],
    ['{"a": "\\x"}', 'line 1, column 8: invalid escape sequence'],
    ['{"a": "abc', 'line 1, column 11: unterminated string'],
    ['{} {}', 'line 1, column 4: unexpected text after the JSON value'],
    ["{'a': 1}", 'line 1, column 2: expected a double-quoted property name'],
  ];
  for (const [text, expected] of errors) {
    it(`locates the error in ${JSON.stringify(text)}`, () => {
      const result = parseJsonText(text);
      expect(result.ok).to.equal(false);
      expect(result.ok ? null : result.error).to.equal(`invalid JSON at ${expected}`);
    });
  }

  const valid = ['{}', '[]', '0', '-1.5e+3', '"\\u00e9\\n"', 'null', ' { "a" : [ true , false , null ] } ', '\uFEFF{"a": 1}'];
  for (const text of valid) {
    it(`parses ${JSON.stringify(text)}`, () => {
      const result = parseJsonText(text);
      expect(result.ok).to.equal(true);
      expect(result.ok ? result.value : null).to.deep.equal(JSON.parse(text.replace(/^\uFEFF/, '')));
    });
  }

  it('reports duplicate keys', () => {
    expect(duplicateKeysOf('{"rulesets": {"ssh": {}, "other": 1, "ssh": {"enabled": true}}}')).to.deep.equal([
      'rulesets.ssh: duplicate key; JSON parsers keep only the last value, so remove one',
    ]);
  });

  it('compares keys after escapes', () => {
    expect(duplicateKeysOf('{"a": 1, "\\u0061": 2}')).to.have.length(1);
  });

  it('reports duplicate keys inside arrays', () => {
    expect(duplicateKeysOf('{"list": [{"x": 1, "x": 2}]}')[0]).to.match(/^list\[0\]\.x: duplicate key/);
  });
});

describe('issue paths', () => {
  it('formats keys and indexes', () => {
    expect(formatPath(['vcenters', 0, 'tls', 'caFile'])).to.equal('vcenters[0].tls.caFile');
  });

  it('quotes keys with dots', () => {
    expect(formatPath(['rulesets', 'a.b', 'enabled'])).to.equal('rulesets["a.b"].enabled');
  });

  it('reads array indexes from the data', () => {
    const data = { vcenters: [{ tls: {} }], rulesets: { '0': {} } };
    expect(pointerToSegments('/vcenters/0/tls', data)).to.deep.equal(['vcenters', 0, 'tls']);
    expect(pointerToSegments('/rulesets/0', data)).to.deep.equal(['rulesets', '0']);
  });

  it('unescapes pointer segments', () => {
    expect(pointerToSegments('/a~1b/c~0d', {})).to.deep.equal(['a/b', 'c~d']);
  });
});

describe('config schema defaults', () => {
  const properties = configSchema.properties;
  const vcenter = configSchema.definitions.vcenter.properties;

  it('match the code defaults', () => {
    expect(properties.database.default).to.equal(CONFIG_DEFAULTS.database);
    expect(properties.baselines.default).to.equal(CONFIG_DEFAULTS.baselines);
    expect(properties.log.properties.level.default).to.equal(CONFIG_DEFAULTS.logLevel);
    expect(vcenter.maxObjects.default).to.equal(CONFIG_DEFAULTS.maxObjects);
    expect(vcenter.timeoutSeconds.default).to.equal(CONFIG_DEFAULTS.timeoutSeconds);
    expect(configSchema.definitions.tls.properties.insecure.default).to.equal(CONFIG_DEFAULTS.insecure);
  });
});

describe('config.example.json', () => {
  it('passes the schema', () => {
    const path = fileURLToPath(new URL('../../../config.example.json', import.meta.url));
    const example: unknown = JSON.parse(readFileSync(path, 'utf8'));
    expect(compileSchema(configSchema)(example)).to.deep.equal([]);
  });
});
