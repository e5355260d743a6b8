/**
 * The GPU context: one GPUDevice (handed in by a host framework, or requested here), a kernel
 * registry that compiles each WGSL source once and caches pipelines by specialisation, and the
 * upload / dispatch / readback plumbing every kernel shares. Device errors are collected and thrown
 * as typed errors at the next synchronisation point (sync(), read()).
 */
import {
  BufferTooLargeError,
  DestroyedError,
  DeviceLostError,
  GpuOutOfMemoryError,
  GpuValidationError,
  OrthosparseError,
  ShaderCompileError,
} from '../errors.js';
import { type Backend, requestDevice } from './device.js';
import { type KernelInterface, knownKernelInterface, loadKernelInterface, packStructs } from './kernel-interface.js';
import { checkHostArray, checkNonNegativeInt } from '../validate.js';
import { DTYPES, type DType, GpuTensor, hostArrayKind, type TypedArrayOf, paddedByteLength } from './tensor.js';

/** A kernel family: one WGSL file. */
export interface KernelSource {
  name: string;
  source: string;
}

/** Values of a kernel's WGSL `override` constants, by name; they key the pipeline cache. */
export type OverrideValues = Record<string, number | boolean>;

export interface DispatchArgs {
  entryPoint?: string;
  /** `override` constants: these specialise (and key) the pipeline. */
  constants?: OverrideValues;
  /** Storage buffers by their WGSL variable names. */
  buffers: Record<string, GpuTensor>;
  /** Uniform struct fields by their WGSL names; shapes and counts travel here, not in constants. */
  uniforms?: Record<string, number>;
  workgroups: readonly [number, number?, number?];
}

const MAX_TIMED_PASSES = 1024;

export interface AdapterDescription {
  backend: Backend;
  vendor: string;
  architecture: string;
  description: string;
}

export interface CreateContextOptions {
  /** A device owned by the host framework (TF.js, ONNX Runtime Web, an app); it is never destroyed here. */
  device?: GPUDevice;
}

export async function createContext(opts: CreateContextOptions = {}): Promise<Context> {
  if (opts.device) return new Context(opts.device, 'external', opts.device.adapterInfo, false);
  const { device, adapter, backend } = await requestDevice();
  return new Context(device, backend, adapter.info, true);
}

export class Context {
  readonly adapter: AdapterDescription;
  private readonly layouts = new Map<string, { layout: GPUBindGroupLayout; pipelineLayout: GPUPipelineLayout }>();
  private readonly pipelines = new Map<string, Promise<GPUComputePipeline>>();
  private encoder: GPUCommandEncoder | undefined;
  /** Uniform buffers of encoded but not yet submitted dispatches. */
  private transient: GPUBuffer[] = [];
  /**
   * Uniform buffers free for reuse, by size. A buffer returns here when the work reading it is
   * submitted: its next fill (queue.writeBuffer) is ordered after that work, so a training loop
   * reuses the same few buffers instead of making and freeing one per dispatch.
   */
  private readonly uniformPool = new Map<number, GPUBuffer[]>();
  private pendingError: Error | undefined;
  private lostError: DeviceLostError | undefined;
  private destroyed = false;
  private live = 0;
  private readonly onUncapturedError = (event: Event) => {
    this.pendingError ??= toTypedError((event as GPUUncapturedErrorEvent).error);
  };
  /** Set while timeGpu() records a begin/end timestamp around every compute pass. */
  private profiler: { querySet: GPUQuerySet; used: number } | undefined;

  constructor(
    readonly device: GPUDevice,
    backend: Backend,
    info: GPUAdapterInfo | undefined,
    private readonly ownsDevice: boolean,
  ) {
    this.adapter = {
      backend,
      vendor: info?.vendor ?? '',
      architecture: info?.architecture ?? '',
      description: info?.description ?? '',
    };
    device.lost.then((lost) => {
      this.lostError = new DeviceLostError(lost.reason ?? 'unknown', lost.message);
    });
    device.addEventListener('uncapturederror', this.onUncapturedError);
  }

  /**
   * Buffers of tensors this context made (zeros, upload) that are not destroyed yet. Readback,
   * uniform and timing buffers are freed by the call that made them, so a steady training loop
   * keeps this number flat.
   */
  get liveBuffers(): number {
    return this.live;
  }

  /** Whether destroy() was called; every later call on the context throws a DestroyedError. */
  get isDestroyed(): boolean {
    return this.destroyed;
  }

  get limits(): GPUSupportedLimits {
    return this.device.limits;
  }

  /** "vendor architecture (backend)", for benchmark and test reports. */
  get adapterName(): string {
    const { vendor, architecture, description, backend } = this.adapter;
    return `${[vendor, architecture, description].filter(Boolean).join(' ') || 'unknown adapter'} (${backend})`;
  }

  // ---- tensors -------------------------------------------------------------------------------

  /** A new zero-filled tensor of `length` elements; dtype 'f32' or 'u32' (a TypeError otherwise). */
  zeros<D extends DType>(dtype: D, length: number, label = 'tensor'): GpuTensor<D> {
    this.throwIfUnusable();
    if (!DTYPES.includes(dtype)) throw new TypeError(`dtype must be one of ${DTYPES.join(', ')}, got ${String(dtype)}`);
    const size = this.checkedSize(label, length);
    const buffer = this.device.createBuffer({
      label,
      size,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
    // Encoded dispatches may still use the buffer: they are submitted before it is freed (a
    // submitted command keeps its buffers alive; an unsubmitted one would find them destroyed).
    this.live++;
    return new GpuTensor(buffer, dtype, length, true, () => {
      this.flush();
      this.live--;
    });
  }

  /**
   * Upload a typed array into a new tensor. `data` must be a Float32Array for 'f32' and a
   * Uint32Array for 'u32', not on a SharedArrayBuffer (a TypeError otherwise, before allocating).
   */
  upload<D extends DType>(dtype: D, data: TypedArrayOf<D>, label = 'tensor'): GpuTensor<D> {
    this.throwIfUnusable();
    if (!DTYPES.includes(dtype)) throw new TypeError(`dtype must be one of ${DTYPES.join(', ')}, got ${String(dtype)}`);
    checkHostArray(`${label} data`, data, hostArrayKind(dtype));
    const tensor = this.zeros(dtype, data.length, label);
    this.write(tensor, data);
    return tensor;
  }

  /**
   * Overwrite data.length elements of a tensor from `elementOffset`. The data's kind must match the
   * tensor's dtype (as in upload); a destroyed tensor or context is refused here, at the call.
   */
  write<D extends DType>(tensor: GpuTensor<D>, data: TypedArrayOf<D>, elementOffset = 0): void {
    this.throwIfUnusable();
    if (tensor.isDestroyed) throw new DestroyedError('write to a destroyed tensor');
    checkHostArray('data', data, hostArrayKind(tensor.dtype));
    checkNonNegativeInt('elementOffset', elementOffset, tensor.length);
    if (elementOffset + data.length > tensor.length) {
      throw new RangeError(`write of ${data.length} elements at ${elementOffset} overflows a tensor of ${tensor.length}`);
    }
    // queue.writeBuffer runs at submission order: encoded dispatches still waiting in our encoder
    // must be submitted first, or they would see the new data.
    this.flush();
    if (data.length > 0) this.device.queue.writeBuffer(tensor.buffer, elementOffset * 4, data.buffer, data.byteOffset, data.byteLength);
  }

  /**
   * Copy `length` elements of `src` from `srcOffset` into `dst` at `dstOffset` on the GPU, after
   * the dispatches encoded before it. Both tensors of one dtype, distinct, live, and with copy
   * usage (a wrapped buffer may lack it); a TypeError or RangeError naming the argument otherwise.
   */
  copy<D extends DType>(src: GpuTensor<D>, dst: GpuTensor<D>, range: { srcOffset?: number; dstOffset?: number; length?: number } = {}): void {
    this.throwIfUnusable();
    if (src.isDestroyed || dst.isDestroyed) throw new DestroyedError(`copy ${src.isDestroyed ? 'from' : 'into'} a destroyed tensor`);
    if (src.dtype !== dst.dtype) throw new TypeError(`copy: dst must hold ${src.dtype} like src, got ${dst.dtype}`);
    if (src === dst || src.buffer === dst.buffer) throw new RangeError('copy: src and dst must be different tensors');
    if (!(src.buffer.usage & GPUBufferUsage.COPY_SRC)) throw new TypeError('copy: src needs GPUBufferUsage.COPY_SRC');
    if (!(dst.buffer.usage & GPUBufferUsage.COPY_DST)) throw new TypeError('copy: dst needs GPUBufferUsage.COPY_DST');
    const srcOffset = checkNonNegativeInt('srcOffset', range.srcOffset ?? 0, src.length);
    const dstOffset = checkNonNegativeInt('dstOffset', range.dstOffset ?? 0, dst.length);
    const length = checkNonNegativeInt('length', range.length ?? src.length - srcOffset);
    if (srcOffset + length > src.length) throw new RangeError(`copy: srcOffset + length must be at most src.length ${src.length}, got ${srcOffset} + ${length}`);
    if (dstOffset + length > dst.length) throw new RangeError(`copy: dstOffset + length must be at most dst.length ${dst.length}, got ${dstOffset} + ${length}`);
    if (length > 0) this.currentEncoder().copyBufferToBuffer(src.buffer, srcOffset * 4, dst.buffer, dstOffset * 4, length * 4);
  }

  /**
   * View a host framework's GPUBuffer as a tensor without copying. The buffer needs STORAGE usage
   * (COPY_SRC to be read back); destroy() on the view leaves the buffer alone.
   */
  wrap<D extends DType>(buffer: GPUBuffer, dtype: D, length: number): GpuTensor<D> {
    this.throwIfUnusable();
    if (!DTYPES.includes(dtype)) throw new TypeError(`dtype must be one of ${DTYPES.join(', ')}, got ${String(dtype)}`);
    checkNonNegativeInt('length', length);
    if (buffer.size < length * 4) {
      throw new RangeError(`buffer of ${buffer.size} bytes cannot hold ${length} ${dtype} elements`);
    }
    if (!(buffer.usage & GPUBufferUsage.STORAGE)) throw new TypeError('wrapped buffer needs GPUBufferUsage.STORAGE');
    return new GpuTensor(buffer, dtype, length, false);
  }

  /** Copy a tensor back to the CPU; throws any device error raised by the work before it. */
  async read<D extends DType>(tensor: GpuTensor<D>): Promise<TypedArrayOf<D>> {
    return (await this.readAll([tensor]))[0] as TypedArrayOf<D>;
  }

  /**
   * Several tensors in one round trip: one copy each into a shared staging buffer, one submit, one
   * map (a read per tensor would wait on the GPU once per tensor).
   */
  async readAll<D extends DType>(tensors: readonly GpuTensor<D>[]): Promise<TypedArrayOf<D>[]> {
    this.throwIfUnusable();
    tensors.forEach((t, i) => {
      if (t.isDestroyed) throw new DestroyedError(`read of a destroyed tensor (tensors[${i}])`);
    });
    const offsets: number[] = [];
    let total = 0;
    for (const t of tensors) {
      offsets.push(total);
      total += t.length * 4;
    }
    const staging = this.device.createBuffer({ label: 'readback', size: Math.max(16, total), usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ });
    const encoder = this.takeEncoder();
    tensors.forEach((t, i) => t.length > 0 && encoder.copyBufferToBuffer(t.buffer, 0, staging, offsets[i]!, t.length * 4));
    this.submit(encoder);
    try {
      await staging.mapAsync(GPUMapMode.READ);
    } catch (cause) {
      this.throwIfLost();
      this.throwPendingError();
      throw new OrthosparseError('mapping the readback buffer failed', { cause });
    }
    const mapped = staging.getMappedRange();
    const out = tensors.map((t, i) => {
      const copy = mapped.slice(offsets[i]!, offsets[i]! + t.length * 4);
      return (t.dtype === 'f32' ? new Float32Array(copy) : new Uint32Array(copy)) as TypedArrayOf<D>;
    });
    staging.destroy();
    this.throwPendingError();
    return out;
  }

  // ---- kernels -------------------------------------------------------------------------------

  /**
   * The compiled pipeline for one specialisation of a kernel, built once per context. Waiting for it
   * is optional (dispatch does); benchmarks use it to keep compilation out of timings.
   */
  pipeline(kernel: KernelSource, entryPoint?: string, constants: OverrideValues = {}): Promise<GPUComputePipeline> {
    this.throwIfUnusable();
    const iface = knownKernelInterface(kernel.source);
    // A source not reflected at build time (a user's kernel) waits for the run-time reflection once.
    if (!iface) return reflectOrThrow(kernel).then(() => this.pipeline(kernel, entryPoint, constants));
    const entry = entryPoint ?? iface.entryPoints[0];
    if (!entry || !iface.entryPoints.includes(entry)) {
      throw new Error(`kernel '${kernel.name}' has no compute entry point '${entryPoint}' (has ${iface.entryPoints.join(', ')})`);
    }
    for (const name of Object.keys(constants)) {
      if (!iface.overrides.has(name)) throw new Error(`kernel '${kernel.name}' has no override constant '${name}'`);
    }
    const key = stableKey({ kernel: kernel.name, entry, constants });
    let pipeline = this.pipelines.get(key);
    if (!pipeline) {
      pipeline = this.buildPipeline(kernel, iface, entry, constants);
      this.pipelines.set(key, pipeline);
      pipeline.catch(() => this.pipelines.delete(key)); // a failed build is not cached
    }
    return pipeline;
  }

  /**
   * Encode one dispatch; it is submitted with the next flush(), sync() or read(). Every kernel goes
   * through here, so the operand rules no kernel may skip are checked here too: each binding gets a
   * live tensor, and a buffer bound writable is bound nowhere else (WebGPU would drop the whole
   * command buffer at the next sync instead).
   */
  async dispatch(kernel: KernelSource, args: DispatchArgs): Promise<void> {
    this.throwIfUnusable();
    const iface = knownKernelInterface(kernel.source) ?? (await reflectOrThrow(kernel));
    checkDispatchOperands(kernel.name, iface, args.buffers);
    const pipeline = await this.pipeline(kernel, args.entryPoint, args.constants);
    const [x, y = 1, z = 1] = args.workgroups;
    const maxGroups = this.device.limits.maxComputeWorkgroupsPerDimension;
    for (const n of [x, y, z]) {
      if (!Number.isInteger(n) || n < 0 || n > maxGroups) {
        throw new RangeError(`kernel '${kernel.name}': workgroup count ${n} outside [0, ${maxGroups}]`);
      }
    }
    if (x * y * z === 0) return;
    const entries: GPUBindGroupEntry[] = [];
    for (const b of iface.bindings) {
      if (b.kind === 'uniform') {
        const bytes = packStructs(iface.uniforms!.layout, [args.uniforms ?? {}], `kernel '${kernel.name}' uniforms`);
        entries.push({ binding: b.binding, resource: { buffer: this.uniformBuffer(bytes) } });
        continue;
      }
      entries.push({ binding: b.binding, resource: { buffer: args.buffers[b.name]!.buffer } });
    }
    for (const name of Object.keys(args.buffers)) {
      if (!iface.bindings.some((b) => b.name === name)) throw new Error(`kernel '${kernel.name}' has no binding '${name}'`);
    }
    const bindGroup = this.device.createBindGroup({ layout: this.layoutsFor(kernel, iface).layout, entries });
    const pass = this.currentEncoder().beginComputePass({ label: kernel.name, timestampWrites: this.nextTimestampWrites() });
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(x, y, z);
    pass.end();
  }

  /** Submit everything encoded so far. */
  flush(): void {
    if (this.encoder) this.submit(this.takeEncoder());
  }

  /** Submit and wait for the GPU to finish; throws device errors raised since the last sync. */
  async sync(): Promise<void> {
    this.throwIfUnusable();
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
    this.throwIfLost();
    this.throwPendingError();
  }

  /** Whether timeGpu() can measure on this device (the adapter offers 'timestamp-query'). */
  get hasTimestamps(): boolean {
    return this.device.features.has('timestamp-query');
  }

  /**
   * GPU time in milliseconds of the compute passes `work` encodes, summed from timestamp queries
   * (gaps between passes excluded). Needs hasTimestamps; at most 1024 passes per call.
   */
  async timeGpu(work: () => Promise<void>): Promise<number> {
    this.throwIfUnusable();
    if (!this.hasTimestamps) throw new OrthosparseError("timeGpu needs the 'timestamp-query' feature, which this adapter lacks");
    if (this.profiler) throw new OrthosparseError('timeGpu calls cannot nest');
    this.flush();
    const querySet = this.device.createQuerySet({ type: 'timestamp', count: 2 * MAX_TIMED_PASSES });
    const profiler = { querySet, used: 0 };
    this.profiler = profiler;
    try {
      await work();
    } finally {
      this.profiler = undefined;
    }
    const used = profiler.used;
    const resolved = this.device.createBuffer({ size: 16 * MAX_TIMED_PASSES, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
    const staging = this.device.createBuffer({ size: 16 * MAX_TIMED_PASSES, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ });
    const encoder = this.takeEncoder();
    encoder.resolveQuerySet(querySet, 0, 2 * used, resolved, 0);
    encoder.copyBufferToBuffer(resolved, 0, staging, 0, 16 * used);
    this.submit(encoder);
    await staging.mapAsync(GPUMapMode.READ);
    const stamps = new BigUint64Array(staging.getMappedRange().slice(0));
    let ns = 0n;
    for (let i = 0; i < used; i++) ns += stamps[2 * i + 1]! - stamps[2 * i]!;
    for (const b of [resolved, staging]) b.destroy();
    querySet.destroy();
    this.throwPendingError();
    return Number(ns) / 1e6;
  }

  /** Release the device if this context created it; a host's device is left as it was. */
  destroy(): void {
    if (this.destroyed) return;
    this.flush();
    this.destroyed = true;
    for (const free of this.uniformPool.values()) for (const buffer of free) buffer.destroy();
    this.uniformPool.clear();
    this.device.removeEventListener('uncapturederror', this.onUncapturedError);
    this.pipelines.clear();
    this.layouts.clear();
    if (this.ownsDevice) this.device.destroy();
  }

  // ---- internals -----------------------------------------------------------------------------

  private checkedSize(label: string, length: number): number {
    if (!Number.isSafeInteger(length) || length < 0) {
      throw new RangeError(`${label}: length must be a non-negative integer, got ${length}`);
    }
    const size = paddedByteLength(length);
    const { maxStorageBufferBindingSize, maxBufferSize } = this.device.limits;
    if (size > maxStorageBufferBindingSize) throw new BufferTooLargeError(label, size, 'maxStorageBufferBindingSize', maxStorageBufferBindingSize);
    if (size > maxBufferSize) throw new BufferTooLargeError(label, size, 'maxBufferSize', maxBufferSize);
    return size;
  }

  private layoutsFor(kernel: KernelSource, iface: KernelInterface) {
    let entry = this.layouts.get(kernel.name);
    if (!entry) {
      const layout = this.device.createBindGroupLayout({
        label: kernel.name,
        entries: iface.bindings.map((b) => ({
          binding: b.binding,
          visibility: GPUShaderStage.COMPUTE,
          buffer: { type: b.kind },
        })),
      });
      entry = { layout, pipelineLayout: this.device.createPipelineLayout({ label: kernel.name, bindGroupLayouts: [layout] }) };
      this.layouts.set(kernel.name, entry);
    }
    return entry;
  }

  private async buildPipeline(
    kernel: KernelSource,
    iface: KernelInterface,
    entryPoint: string,
    constants: OverrideValues,
  ): Promise<GPUComputePipeline> {
    // The scope keeps a bad shader's error out of the uncaptured-error stream: it is reported
    // here, with the compiler's messages, rather than again at some later sync.
    this.device.pushErrorScope('validation');
    const module = this.device.createShaderModule({ label: kernel.name, code: kernel.source });
    const scopeError = await this.device.popErrorScope();
    const info = await module.getCompilationInfo();
    const errors = info.messages.filter((m) => m.type === 'error');
    if (errors.length > 0) {
      throw new ShaderCompileError(kernel.name, errors.map((m) => `${kernel.name}.wgsl:${m.lineNum}:${m.linePos}: ${m.message}`));
    }
    if (scopeError) throw new ShaderCompileError(kernel.name, [scopeError.message]);
    const numericConstants: Record<string, number> = {};
    for (const [name, value] of Object.entries(constants)) numericConstants[name] = Number(value);
    try {
      return await this.device.createComputePipelineAsync({
        label: `${kernel.name}:${entryPoint}`,
        layout: this.layoutsFor(kernel, iface).pipelineLayout,
        compute: { module, entryPoint, constants: numericConstants },
      });
    } catch (cause) {
      throw new ShaderCompileError(kernel.name, [String((cause as Error)?.message ?? cause)]);
    }
  }

  private nextTimestampWrites(): GPUComputePassTimestampWrites | undefined {
    const p = this.profiler;
    if (!p) return undefined;
    if (p.used >= MAX_TIMED_PASSES) throw new OrthosparseError(`timeGpu measures at most ${MAX_TIMED_PASSES} passes`);
    const index = 2 * p.used++;
    return { querySet: p.querySet, beginningOfPassWriteIndex: index, endOfPassWriteIndex: index + 1 };
  }

  private currentEncoder(): GPUCommandEncoder {
    this.encoder ??= this.device.createCommandEncoder();
    return this.encoder;
  }

  private takeEncoder(): GPUCommandEncoder {
    const encoder = this.currentEncoder();
    this.encoder = undefined;
    return encoder;
  }

  private submit(encoder: GPUCommandEncoder): void {
    this.device.queue.submit([encoder.finish()]);
    for (const buffer of this.transient) {
      const free = this.uniformPool.get(buffer.size);
      if (free) free.push(buffer);
      else this.uniformPool.set(buffer.size, [buffer]);
    }
    this.transient = [];
  }

  /** A uniform buffer holding `bytes` for one dispatch of the current encoder: a free one from the pool, or a new one. */
  private uniformBuffer(bytes: ArrayBuffer): GPUBuffer {
    const buffer =
      this.uniformPool.get(bytes.byteLength)?.pop() ??
      this.device.createBuffer({ label: 'uniforms', size: bytes.byteLength, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    this.device.queue.writeBuffer(buffer, 0, bytes);
    this.transient.push(buffer);
    return buffer;
  }

  private throwIfLost(): void {
    if (this.lostError) throw this.lostError;
  }

  /** Refuses any call after destroy() (the device may still look alive in the same tick) or device loss. */
  private throwIfUnusable(): void {
    if (this.destroyed) throw new DestroyedError('this Context was destroyed; create a new one');
    this.throwIfLost();
  }

  private throwPendingError(): void {
    const error = this.pendingError;
    if (error) {
      this.pendingError = undefined;
      throw error;
    }
  }
}

/**
 * The bound tensors: every storage binding given a tensor that is not destroyed, and a writable
 * binding's buffer not bound a second time (read or written).
 */
function checkDispatchOperands(kernel: string, iface: KernelInterface, buffers: Record<string, GpuTensor>): void {
  for (const b of iface.bindings) {
    if (b.kind === 'uniform') continue;
    const tensor = buffers[b.name];
    if (!tensor) throw new Error(`kernel '${kernel}': buffer '${b.name}' was not given`);
    if (!(tensor instanceof GpuTensor)) throw new TypeError(`kernel '${kernel}': buffer '${b.name}' must be a GpuTensor, got ${String(tensor)}`);
    if (tensor.isDestroyed) throw new DestroyedError(`kernel '${kernel}': buffer '${b.name}' was destroyed`);
  }
  for (const b of iface.bindings) {
    if (b.kind !== 'storage') continue;
    const written = buffers[b.name]!.buffer;
    const twin = iface.bindings.find((o) => o.name !== b.name && o.kind !== 'uniform' && buffers[o.name]!.buffer === written);
    if (twin) throw new RangeError(`kernel '${kernel}': buffer '${b.name}' is written, so it must be a different tensor from '${twin.name}'`);
  }
}

/** A WGSL source that does not even parse is a compile error too, with the parser's message. */
async function reflectOrThrow(kernel: KernelSource): Promise<KernelInterface> {
  try {
    return await loadKernelInterface(kernel.source);
  } catch (cause) {
    throw new ShaderCompileError(kernel.name, [String((cause as Error)?.message ?? cause)]);
  }
}

function toTypedError(error: GPUError): Error {
  const kind = error.constructor?.name ?? '';
  if (kind.includes('OutOfMemory')) return new GpuOutOfMemoryError(error.message);
  if (kind.includes('Validation')) return new GpuValidationError(error.message);
  return new OrthosparseError(`GPU internal error: ${error.message}`);
}

/** Deterministic JSON with sorted keys: the pipeline cache key is never concatenated by hand. */
export function stableKey(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}
