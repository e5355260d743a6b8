// compare's flag checks and arm list (planCompare), no GPU and no data: what each --block-mask
// combination runs or refuses, the base --init aside.
import { describe, expect, it } from 'vitest';
import { armNames, planCompare } from '../../src/cli/compare-command.js';

const plan = (args: string[]) => planCompare([...args, '--out', '/nonexistent']);

describe('planCompare with --block-mask', () => {
  it('needs no --init of its own: the arms bring theirs', () => {
    const { arms, base } = plan(['--format', 'bsr8', '--block-mask', '--inits', 'uniform,erk,dense-orthogonal', '--densities', '0.1,0.05']);
    expect(arms.map((a) => `${a.init} ${a.density}`)).toEqual(['uniform 0.1', 'uniform 0.05', 'erk 0.1', 'erk 0.05', 'dense-orthogonal 1']);
    expect(base.spec.model).toMatchObject({ blockMask: true, format: { bsr: 8 } });
  });

  it('defaults to the inits that can draw block masks, and dense orthogonal', () => {
    expect(plan(['--format', 'bsr16', '--block-mask']).arms.map((a) => a.init)).toEqual(['uniform', 'erk', 'dense-orthogonal']);
  });

  it('refuses inits and mask methods that make elementwise masks, naming the flag', () => {
    expect(() => plan(['--format', 'bsr8', '--block-mask', '--inits', 'uniform,eoi'])).toThrow(/--inits: 'eoi' cannot draw block masks; with --block-mask the sparse inits are uniform and erk/);
    expect(() => plan(['--format', 'bsr8', '--block-mask', '--masks', 'snip'])).toThrow(/--masks: a mask method makes elementwise masks; it cannot be used with --block-mask/);
    expect(() => plan(['--block-mask', '--inits', 'uniform'])).toThrow(/--block-mask needs --format bsr4/);
  });

  it('honours an --init given, in either spelling, and refuses one that cannot draw block masks', () => {
    expect(plan(['--format', 'bsr8', '--block-mask', '--init=erk']).base.spec.model.init).toBe('erk');
    expect(plan(['--format', 'bsr8', '--block-mask']).base.spec.model.init).toBe('uniform');
    expect(() => plan(['--format', 'bsr8', '--block-mask', '--init', 'eoi'])).toThrow(/--block-mask needs --init uniform or erk/);
  });

  it('keeps the default inits without --block-mask', () => {
    expect(plan([]).arms.map((a) => a.init)).toEqual(['eoi', 'uniform', 'erk', 'dense-orthogonal']);
  });
});

describe('armNames', () => {
  const names = (args: string[]) => {
    const p = plan(args);
    return p.arms.map((arm) => armNames(arm, p));
  };

  it('names the mask spread when --distribution is given, and the weight kind', () => {
    expect(names(['--inits', '', '--masks', 'random', '--distribution', 'erk', '--mask-weights', 'masked-orthogonal', '--densities', '0.1'])).toEqual([
      { method: 'random (erk) [masked-orthogonal]', label: 'random (erk) [masked-orthogonal] d=0.1' },
    ]);
    expect(names(['--inits', '', '--masks', 'snip', '--densities', '0.1']).map((n) => n.method)).toEqual(['snip']);
    expect(names(['--inits', '', '--masks', 'random', '--depth', '2', '--distribution', '0.5,1']).map((n) => n.method)).toEqual(['random (per-layer densities)']);
  });

  it('labels inits with density, recipe and seed, a dense init without a density', () => {
    expect(names(['--inits', 'eoi,dense-orthogonal', '--densities', '0.1', '--recipes', 'none,all', '--seeds', '0,1']).map((n) => n.label)).toEqual([
      'eoi d=0.1 seed 0',
      'dense-orthogonal seed 0',
      'eoi d=0.1 +all seed 0',
      'dense-orthogonal +all seed 0',
      'eoi d=0.1 seed 1',
      'dense-orthogonal seed 1',
      'eoi d=0.1 +all seed 1',
      'dense-orthogonal +all seed 1',
    ]);
  });
});
