import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { constantLr, cosineLr, linearWarmup, stepLr } from '../src/train/schedule.js';

const at = (schedule: (step: number) => number, steps: number[]) => steps.map(schedule);

describe('learning-rate schedules', () => {
  it('constant: the same rate at every step', () => {
    expect(at(constantLr(0.1), [0, 1, 1000])).toEqual([0.1, 0.1, 0.1]);
  });

  it('step: lr·gamma^floor(step / stepSize)', () => {
    const got = at(stepLr({ lr: 1, stepSize: 3, gamma: 0.1 }), [0, 2, 3, 5, 6, 9]);
    [1, 1, 0.1, 0.1, 0.01, 0.001].forEach((want, i) => expect(got[i]).toBeCloseTo(want, 15));
  });

  it('cosine: from lr at step 0 through the midpoint to minLr at totalSteps, then flat', () => {
    const schedule = cosineLr({ lr: 1, totalSteps: 10, minLr: 0.1 });
    const got = at(schedule, [0, 5, 10, 11, 100]);
    [1, 0.55, 0.1, 0.1, 0.1].forEach((want, i) => expect(got[i]).toBeCloseTo(want, 15));
    const curve = at(schedule, [...Array(11).keys()]);
    curve.slice(1).forEach((lr, i) => expect(lr).toBeLessThan(curve[i]!));
  });

  it('linear warm-up: (step + 1)/warmupSteps of the schedule’s start, then the schedule shifted by warmupSteps', () => {
    const got = at(linearWarmup(cosineLr({ lr: 1, totalSteps: 4 }), 4), [0, 1, 2, 3, 4, 6, 8, 9]);
    [0.25, 0.5, 0.75, 1, 1, 0.5, 0, 0].forEach((want, i) => expect(got[i]).toBeCloseTo(want, 15));
    const plain = stepLr({ lr: 0.3, stepSize: 2, gamma: 0.5 });
    expect(at(linearWarmup(plain, 0), [0, 1, 2, 7])).toEqual(at(plain, [0, 1, 2, 7]));
  });

  it('every schedule is a pure function of the step, within [0, lr]', () => {
    const schedules = [
      constantLr(0.02),
      stepLr({ lr: 0.02, stepSize: 7, gamma: 0.5 }),
      cosineLr({ lr: 0.02, totalSteps: 50, minLr: 0.001 }),
      linearWarmup(cosineLr({ lr: 0.02, totalSteps: 50 }), 10),
    ];
    fc.assert(
      fc.property(fc.nat(200), fc.nat(200), (a, b) =>
        schedules.every((s) => {
          const first = s(a);
          s(b); // evaluating another step in between changes nothing
          return s(a) === first && first >= 0 && first <= 0.02;
        }),
      ),
    );
  });

  it('refuses bad steps and options, naming them and the range', () => {
    const schedule = cosineLr({ lr: 0.1, totalSteps: 10 });
    expect(() => schedule(-1)).toThrow(/step must be an integer in \[0, /);
    expect(() => schedule(1.5)).toThrow(/step must be an integer in \[0, /);
    expect(() => constantLr(-0.1)).toThrow(/lr must be a finite number >= 0, got -0.1/);
    expect(() => stepLr({ lr: 0.1, stepSize: 0, gamma: 0.5 })).toThrow(/opts.stepSize must be an integer in \[1, /);
    expect(() => stepLr({ lr: 0.1, stepSize: 2, gamma: 0 })).toThrow(/opts.gamma must be a number in \(0, 1\], got 0/);
    expect(() => cosineLr({ lr: 0.1, totalSteps: 10, minLr: 0.2 })).toThrow(/opts.minLr must be a number in \[0, 0.1\], got 0.2/);
    expect(() => linearWarmup(schedule, -1)).toThrow(/warmupSteps must be an integer in \[0, /);
    expect(() => linearWarmup(0.1 as never, 5)).toThrow(/after must be a learning-rate schedule/);
  });
});
