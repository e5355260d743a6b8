/** The settings form: its option lists, which fields apply, and the training run it describes. */
import { ACTIVATIONS, type ActivationName, type MlpInit, type TrainSpec } from '../src/index.js';
import { isSparseInit } from '../src/nn/mlp.js';
import { isCnnConfig, isSparseModel } from '../src/nn/model.js';
import { INIT_OPTIONS, isMaskValue, MASK_OPTIONS, maskValue, parseInitChoice, REFINEMENT_OPTIONS } from './inits.js';
import { MNIST_SUBSET } from './mnist-files.js';

/** Test accuracy points per run; intermediate ones use the first EVAL_LIMIT test images. */
const EVALS_PER_RUN = 10;
const EVAL_LIMIT = 500;
/** Loss and batch-accuracy points per run (each is a GPU readback, so not every step). */
const LOG_POINTS = 100;

const option = (value: string, label: string) => new Option(label, value);

function optgroup(label: string, options: HTMLOptionElement[]): HTMLOptGroupElement {
  const group = document.createElement('optgroup');
  group.label = label;
  group.append(...options);
  return group;
}

function field<T extends HTMLInputElement | HTMLSelectElement>(form: HTMLFormElement, name: string): T {
  const element = form.elements.namedItem(name);
  if (!element) throw new Error(`the form has no field '${name}'`);
  return element as T;
}

const checked = (form: HTMLFormElement, name: string) => field<HTMLInputElement>(form, name).checked;

export function setUpControls(form: HTMLFormElement): void {
  field<HTMLSelectElement>(form, 'init').append(
    optgroup('Initialisation', INIT_OPTIONS.map((o) => option(o.id, o.label))),
    optgroup('Mask method', MASK_OPTIONS.map((o) => option(maskValue(o.id), o.label))),
  );
  field<HTMLSelectElement>(form, 'refine').append(option('', 'as is'), ...REFINEMENT_OPTIONS.map((o) => option(o.id, o.label)));
  const activation = field<HTMLSelectElement>(form, 'activation');
  activation.append(...ACTIVATIONS.map((a) => option(a, a)));
  activation.value = 'tanh';
  const soft = field<HTMLSelectElement>(form, 'softActivation');
  soft.append(...ACTIVATIONS.filter((a) => a !== 'relu').map((a) => option(a, a)));
  soft.value = 'pswish';
  form.addEventListener('change', () => syncControls(form));
  syncControls(form);
}

/** Disable what does not apply: density for dense inits, refinement for inits, the activation while soft neurons turn into ReLU. */
function syncControls(form: HTMLFormElement): void {
  const init = field(form, 'init').value;
  field(form, 'density').disabled = !isMaskValue(init) && !isSparseInit(init as MlpInit);
  field(form, 'refine').disabled = !isMaskValue(init);
  const soft = checked(form, 'softNeuronsOn');
  const activation = field<HTMLSelectElement>(form, 'activation');
  if (soft) activation.value = 'relu'; // the recipe returns to ReLU, so the model is a ReLU model
  activation.disabled = soft;
  field(form, 'softActivation').disabled = !soft;
  field(form, 'rampFraction').disabled = field(form, 'ramp').disabled = !(soft || checked(form, 'ghostSkipsOn'));
  field(form, 'labelSmoothing').disabled = !checked(form, 'labelSmoothingOn');
}

/** The run the form describes; `init` replaces the form's init (for "train every init"). */
export function readSpec(form: HTMLFormElement, init?: MlpInit): TrainSpec {
  const number = (name: string) => {
    const input = field<HTMLInputElement>(form, name);
    if (!input.checkValidity() || input.value === '') throw new RangeError(`${input.closest('label')?.textContent?.trim() ?? name}: ${input.validationMessage || 'a number is needed'}`);
    return Number(input.value);
  };
  const text = (name: string) => field(form, name).value;
  const steps = number('steps');
  const batchSize = number('batch');
  const optimizer = text('optimizer') as TrainSpec['optimizer']['kind'];
  const seed = number('seed');
  const ramp = { steps: Math.max(1, Math.round(number('rampFraction') * steps)), ramp: text('ramp') as 'linear' | 'cosine' };
  const choice = init ? { init } : parseInitChoice(text('init'), text('refine'));
  return {
    model: {
      inputs: 28 * 28,
      classes: 10,
      depth: number('depth'),
      width: number('width'),
      density: number('density'),
      // With a mask method, runTraining takes the weights from spec.mask; the init is not used.
      init: 'init' in choice ? choice.init : 'uniform',
      activation: text('activation') as ActivationName,
      sigmaW: number('sigmaW'),
      sigmaB: 0.00448, // the EOI paper's σb, as the CLI uses
      seed,
    },
    optimizer: { kind: optimizer, lr: number('lr'), momentum: optimizer === 'sgd' ? 0.9 : undefined, schedule: text('schedule') as 'constant' | 'cosine' },
    recipe: {
      softNeurons: checked(form, 'softNeuronsOn') ? { activation: text('softActivation') as ActivationName, ...ramp } : undefined,
      ghostSkips: checked(form, 'ghostSkipsOn') ? ramp : undefined,
      lrsi: (text('lrsi') || undefined) as 'gradinit' | 'sqrt-density' | undefined,
      labelSmoothing: checked(form, 'labelSmoothingOn') ? { alpha: number('labelSmoothing') } : undefined,
    },
    mask: 'mask' in choice ? { method: choice.mask } : undefined,
    // Enough epochs over the subset for `steps`; maxSteps is the budget.
    epochs: Math.ceil(steps / Math.ceil(MNIST_SUBSET.train / batchSize)),
    maxSteps: steps,
    batchSize,
    seed,
    logEvery: Math.max(1, Math.round(steps / LOG_POINTS)),
    evalEvery: Math.max(1, Math.round(steps / EVALS_PER_RUN)),
    evalLimit: EVAL_LIMIT,
  };
}

/** A short legend for a run, e.g. "eoi 8×128 d=0.25 tanh sgd 0.01" or "snip+ai 8×128 d=0.1 …". */
export function describeRun(spec: TrainSpec): string {
  const m = spec.model;
  const recipe = spec.recipe ?? {};
  const activation = typeof m.activation === 'string' ? m.activation : m.activation.name;
  return [
    spec.mask?.method ?? m.init,
    isCnnConfig(m) ? `CNN ${m.stem}+${m.depth}×${m.channels}ch` : `${m.depth}×${m.width}`,
    spec.mask || isSparseModel(m) ? `d=${m.density}` : '',
    recipe.softNeurons ? `${recipe.softNeurons.activation}→${activation}` : activation,
    recipe.ghostSkips ? 'ghost skips' : '',
    recipe.lrsi ? 'LRsI' : '',
    recipe.labelSmoothing ? `ls ${recipe.labelSmoothing.alpha}` : '',
    `${spec.optimizer.kind} ${spec.optimizer.lr}`,
  ]
    .filter(Boolean)
    .join(' ');
}
