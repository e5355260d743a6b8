/**
 * Typed errors for everything that can go wrong on the GPU side. Argument errors stay plain
 * RangeError/TypeError naming the argument; these cover what only the device can tell us.
 */

export class OrthosparseError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** No WebGPU implementation or adapter could be found (no navigator.gpu, no Dawn, no Vulkan driver). */
export class WebGpuUnavailableError extends OrthosparseError {}

/** WGSL failed to compile or a pipeline failed to build; carries the compiler's messages. */
export class ShaderCompileError extends OrthosparseError {
  constructor(
    readonly kernel: string,
    readonly messages: readonly string[],
  ) {
    super(`WGSL kernel '${kernel}' failed to compile:\n${messages.join('\n')}`);
  }
}

/** A WebGPU validation error (wrong usage, a bad binding); message is the implementation's. */
export class GpuValidationError extends OrthosparseError {}

/** The device could not allocate memory for a buffer or pipeline. */
export class GpuOutOfMemoryError extends OrthosparseError {}

/** The GPUDevice was lost (driver reset, destroy(), tab backgrounded); the context is unusable. */
export class DeviceLostError extends OrthosparseError {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(`GPU device lost (${reason}): ${message}`);
  }
}

/** A call on a Context after its destroy(), or on a tensor after its destroy(): refused at the call. */
export class DestroyedError extends OrthosparseError {}

/** A buffer would exceed the device's size limits; refused before anything is allocated or dispatched. */
export class BufferTooLargeError extends RangeError {
  constructor(what: string, bytes: number, limitName: string, limit: number) {
    super(`${what} needs ${bytes} bytes, above this device's ${limitName} (${limit} bytes)`);
    this.name = 'BufferTooLargeError';
  }
}
