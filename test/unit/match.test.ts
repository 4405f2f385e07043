import { expect } from 'chai';
import { globToRegExp, matchBaseline } from '../../src/drift/match.js';
import { baseline } from '../helpers/fixtures.js';

const target = { vcenter: 'vc-prod', cluster: 'C1', host: 'esx01.prod.example.com' };

function winner(...candidates: ReturnType<typeof baseline>[]): string {
  const match = matchBaseline(candidates, target);
  return match.kind === 'matched' ? match.baseline.baseline.id : match.kind;
}

describe('matchBaseline', () => {
  it('matches an empty scope everywhere', () => {
    expect(winner(baseline({ id: 'all' }))).to.equal('all');
  });

  it('returns none when nothing matches', () => {
    expect(winner(baseline({ id: 'lab', scope: { vcenters: ['vc-lab'] } }))).to.equal('none');
  });

  it('requires every named dimension', () => {
    expect(winner(baseline({ id: 'x', scope: { vcenters: ['vc-prod'], clusters: ['C2'] } }))).to.equal('none');
  });

  it('prefers a cluster over a vCenter', () => {
    expect(winner(baseline({ id: 'vc', scope: { vcenters: ['vc-prod'] } }), baseline({ id: 'cl', scope: { clusters: ['C1'] } }))).to.equal('cl');
  });

  it('prefers a host pattern over a cluster', () => {
    expect(winner(baseline({ id: 'cl', scope: { clusters: ['C1'] } }), baseline({ id: 'pat', scope: { hosts: ['esx*'] } }))).to.equal('pat');
  });

  it('prefers a literal name over a pattern', () => {
    expect(winner(baseline({ id: 'pat', scope: { hosts: ['esx01.prod.*'] } }), baseline({ id: 'lit', scope: { hosts: ['ESX01.prod.example.com'] } }))).to.equal('lit');
  });

  it('prefers the longer pattern', () => {
    expect(winner(baseline({ id: 'short', scope: { hosts: ['esx*'] } }), baseline({ id: 'long', scope: { hosts: ['esx*.prod.example.com'] } }))).to.equal('long');
  });

  it('reports equal specificity as a conflict', () => {
    expect(winner(baseline({ id: 'a', scope: { clusters: ['C1'] } }), baseline({ id: 'b', scope: { clusters: ['C1'] } }))).to.equal('conflict');
  });

  it('never matches a cluster scope to a standalone host', () => {
    const match = matchBaseline([baseline({ scope: { clusters: ['C1'] } })], { ...target, cluster: null });
    expect(match.kind).to.equal('none');
  });
});

describe('globToRegExp', () => {
  it('matches whole names only', () => {
    expect(globToRegExp('esx?').test('esx1')).to.equal(true);
    expect(globToRegExp('esx?').test('esx12')).to.equal(false);
  });

  it('treats dots literally', () => {
    expect(globToRegExp('a.b').test('axb')).to.equal(false);
  });
});
