/**
 * The settings form: its option lists, which fields apply, and the training run it describes. The
 * Network choice shows the MLP's fields or the CNN's. Both take the mask methods (a CNN's on its
 * convolution filters; SAO, which builds linear layers only, shows disabled there rather than
 * asking for a run that cannot start) and the recipe; dynamic sparsity moves an MLP's masks only.
 */
import { ACTIVATIONS, type ActivationName, type CnnInit, type DstMethod, isSparseCnnInit, type MlpInit, type ModelConfig, type PaddingMode, type TrainSpec } from '../src/index.js';
import { isSparseInit } from '../src/nn/mlp.js';
import { isCnnConfig, isSparseModel } from '../src/nn/model.js';
import { CNN_INIT_OPTIONS, INIT_OPTIONS, isMaskValue, MASK_OPTIONS, maskValue, parseInitChoice, REFINEMENT_OPTIONS } from './inits.js';
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

function field<T extends HTMLInputElement | HTMLSelectElement | HTMLFieldSetElement = HTMLInputElement | HTMLSelectElement>(form: HTMLFormElement, name: string): T {
  const element = form.elements.namedItem(name);
  if (!element) throw new Error(`the form has no field '${name}'`);
  return element as T;
}

const checked = (form: HTMLFormElement, name: string) => field<HTMLInputElement>(form, name).checked;

type ModelKind = 'mlp' | 'cnn';

const modelKind = (form: HTMLFormElement) => field<HTMLSelectElement>(form, 'model').value as ModelKind;

/** The Init menu of the chosen network. */
const initField = (form: HTMLFormElement) => (modelKind(form) === 'cnn' ? 'cnnInit' : 'init');

/** Training fields that start from a default per kind of network. */
const TRAINING_FIELDS = ['steps', 'batch', 'optimizer', 'lr'] as const;
type TrainingDefaults = Record<(typeof TRAINING_FIELDS)[number], string>;

/**
 * A CNN's: a step costs far more than an MLP's on a software adapter, so fewer, smaller steps, and
 * Adam, which gets further than SGD in so few. (The MLP's are the form's own values.)
 */
const CNN_TRAINING: TrainingDefaults = { steps: '60', batch: '32', optimizer: 'adam', lr: '0.01' };

const trainingValues = (form: HTMLFormElement) => Object.fromEntries(TRAINING_FIELDS.map((name) => [name, field(form, name).value])) as TrainingDefaults;

export function setUpControls(form: HTMLFormElement): void {
  const maskOptions = (kind: ModelKind) =>
    MASK_OPTIONS.map((o) => {
      const mlpOnly = kind === 'cnn' && o.mlpOnly === true;
      const choice = option(maskValue(o.id), mlpOnly ? `${o.label}: MLPs only` : o.label);
      choice.disabled = mlpOnly;
      return choice;
    });
  field<HTMLSelectElement>(form, 'init').append(optgroup('Initialisation', INIT_OPTIONS.map((o) => option(o.id, o.label))), optgroup('Mask method', maskOptions('mlp')));
  field<HTMLSelectElement>(form, 'cnnInit').append(optgroup('Initialisation', CNN_INIT_OPTIONS.map((o) => option(o.id, o.label))), optgroup('Mask method', maskOptions('cnn')));
  const defaults: Record<ModelKind, TrainingDefaults> = { mlp: trainingValues(form), cnn: CNN_TRAINING };
  let kind = modelKind(form);
  field(form, 'model').addEventListener('change', () => {
    // Fields the visitor left at the old kind's defaults move to the new kind's.
    const next = modelKind(form);
    for (const name of TRAINING_FIELDS) if (field(form, name).value === defaults[kind][name]) field(form, name).value = defaults[next][name];
    kind = next;
  });
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

/**
 * Show the chosen network's fields (hidden ones disabled, so the browser's validation skips them)
 * and disable what does not apply: density for dense inits, refinement for inits, dynamic sparsity
 * for CNNs, the activation while soft neurons turn into ReLU.
 */
function syncControls(form: HTMLFormElement): void {
  const cnn = modelKind(form) === 'cnn';
  for (const element of form.querySelectorAll<HTMLElement>('[data-model]')) {
    element.hidden = element.dataset.model !== (cnn ? 'cnn' : 'mlp');
    if (element instanceof HTMLFieldSetElement) element.disabled = element.hidden;
  }
  // The CNN inits' labels are long for the field: the whole one on hover.
  const cnnInit = field<HTMLSelectElement>(form, 'cnnInit');
  cnnInit.title = cnnInit.selectedOptions[0]?.label ?? '';
  const init = field(form, initField(form)).value;
  field(form, 'density').disabled = !isMaskValue(init) && !(cnn ? isSparseCnnInit(init as CnnInit) : isSparseInit(init as MlpInit));
  field(form, 'refine').disabled = !isMaskValue(init);
  // Dynamic sparsity moves sparse masks, an MLP's or a CNN's: not a dense init's.
  field(form, 'dst').disabled = field(form, 'density').disabled;
  field(form, 'dstEvery').disabled = field(form, 'dst').disabled || field(form, 'dst').value === '';
  const soft = checked(form, 'softNeuronsOn');
  const activation = field<HTMLSelectElement>(form, 'activation');
  if (soft) activation.value = 'relu'; // the recipe returns to ReLU, so the model is a ReLU model
  activation.disabled = soft;
  field(form, 'softActivation').disabled = !soft;
  field(form, 'rampFraction').disabled = field(form, 'ramp').disabled = !(soft || checked(form, 'ghostSkipsOn'));
  field(form, 'labelSmoothing').disabled = !checked(form, 'labelSmoothingOn');
}

/** The form's dynamic sparsity: off, or SET / RigL every `dstEvery` steps, moving 30% at first and none after 3/4 of the run. */
function dstSpec(form: HTMLFormElement, steps: number, number: (name: string) => number): TrainSpec['dst'] {
  const method = field(form, 'dst');
  if (method.disabled || method.value === '') return undefined;
  const every = number('dstEvery');
  return { method: method.value as DstMethod, every, fraction: 0.3, until: Math.max(every, Math.floor(0.75 * steps)) };
}

/** The inits "train every init" runs for the chosen network. */
export function everyInit(form: HTMLFormElement): Array<MlpInit | CnnInit> {
  return (modelKind(form) === 'cnn' ? CNN_INIT_OPTIONS : INIT_OPTIONS).map((o) => o.id);
}

/** The run the form describes; `init` (one of the chosen network's) replaces the form's init (for "train every init"). */
export function readSpec(form: HTMLFormElement, init?: MlpInit | CnnInit): TrainSpec {
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
  const common = {
    classes: 10,
    density: number('density'),
    activation: text('activation') as ActivationName,
    sigmaW: number('sigmaW'),
    sigmaB: 0.00448, // the EOI paper's σb, as the CLI uses
    seed,
  };
  const ramp = { steps: Math.max(1, Math.round(number('rampFraction') * steps)), ramp: text('ramp') as 'linear' | 'cosine' };
  const choice = init ? { init } : parseInitChoice(text(initField(form)), text('refine'));
  // With a mask method, runTraining takes the weights from spec.mask; a sparse Gaussian init gives the rest.
  const modelInit = 'init' in choice ? choice.init : 'uniform';
  const model: ModelConfig =
    modelKind(form) === 'cnn'
      ? {
          kind: 'cnn',
          inputShape: [1, 28, 28],
          stem: number('stem'),
          depth: number('cnnDepth'),
          channels: number('channels'),
          kernel: number('kernel'),
          paddingMode: text('padding') as PaddingMode,
          init: modelInit as CnnInit,
          ...common,
        }
      : { inputs: 28 * 28, depth: number('depth'), width: number('width'), init: modelInit as MlpInit, ...common };
  return {
    model,
    optimizer: { kind: optimizer, lr: number('lr'), momentum: optimizer === 'sgd' ? 0.9 : undefined, schedule: text('schedule') as 'constant' | 'cosine' },
    recipe: {
      softNeurons: checked(form, 'softNeuronsOn') ? { activation: text('softActivation') as ActivationName, ...ramp } : undefined,
      ghostSkips: checked(form, 'ghostSkipsOn') ? ramp : undefined,
      lrsi: (text('lrsi') || undefined) as 'gradinit' | 'sqrt-density' | undefined,
      labelSmoothing: checked(form, 'labelSmoothingOn') ? { alpha: number('labelSmoothing') } : undefined,
    },
    mask: 'mask' in choice ? { method: choice.mask } : undefined,
    dst: dstSpec(form, steps, number),
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

/** A short legend for a run, e.g. "eoi 8×128 d=0.25 tanh sgd 0.01", "snip+ai 8×128 d=0.1 …" or "eoi CNN 2+4×16ch 3×3 d=0.25 …". */
export function describeRun(spec: TrainSpec): string {
  const m = spec.model;
  const recipe = spec.recipe ?? {};
  const activation = typeof m.activation === 'string' ? m.activation : m.activation.name;
  return [
    spec.mask?.method ?? m.init,
    isCnnConfig(m) ? `CNN ${m.stem}+${m.depth}×${m.channels}ch ${m.kernel}×${m.kernel}${m.paddingMode === 'zeros' ? ' zero-padded' : ''}` : `${m.depth}×${m.width}`,
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
