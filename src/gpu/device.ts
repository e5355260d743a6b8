/**
 * Finding a GPUDevice: navigator.gpu in browsers, Dawn's Node bindings (the `webgpu` package) in
 * Node. Limits are raised to what the adapter allows, since the defaults (128 MiB bindings, 16 KiB
 * workgroup memory) are far below what large layers and tiled kernels need.
 */
import { WebGpuUnavailableError } from '../errors.js';

/**
 * Where a Context's device came from: navigator.gpu, Dawn for Node (the `webgpu` package), or a device handed in.
 */
export type Backend = 'browser' | 'dawn-node' | 'external';

/** Vulkan ICD of the SwiftShader build Debian's chromium package ships (the GPU-less fallback). */
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

const WANTED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxStorageBuffersPerShaderStage',
] as const;

const WANTED_FEATURES: GPUFeatureName[] = ['timestamp-query', 'subgroups'];

/**
 * The WebGPU entry point this library uses: navigator.gpu in a browser, else the one Dawn instance
 * of this process (Dawn for Node supports one per process: code that wants a device of its own,
 * with other limits, must request it here rather than create a second instance).
 */
export async function gpuEntry(): Promise<{ gpu: GPU; backend: Backend }> {
  const browserGpu = typeof navigator !== 'undefined' ? (navigator as Navigator).gpu : undefined;
  return browserGpu ? { gpu: browserGpu, backend: 'browser' } : nodeGpu();
}

export async function requestDevice(): Promise<{ device: GPUDevice; adapter: GPUAdapter; backend: Backend }> {
  const { gpu, backend } = await gpuEntry();
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    throw new WebGpuUnavailableError(
      backend === 'browser'
        ? 'navigator.gpu returned no adapter: this browser or machine has WebGPU disabled'
        : `Dawn found no Vulkan adapter. Install a Vulkan driver, or Debian's chromium package for SwiftShader (${SWIFTSHADER_ICD}), and set VK_ICD_FILENAMES to its ICD file`,
    );
  }
  const requiredLimits: Record<string, number> = {};
  for (const name of WANTED_LIMITS) requiredLimits[name] = adapter.limits[name];
  const requiredFeatures = WANTED_FEATURES.filter((f) => adapter.features.has(f));
  const device = await adapter.requestDevice({ requiredLimits, requiredFeatures });
  return { device, adapter, backend };
}

let dawnInstance: GPU | undefined;

async function nodeGpu(): Promise<{ gpu: GPU; backend: Backend }> {
  if (!dawnInstance) {
    // A variable specifier keeps browser bundlers from trying to resolve the Node-only package.
    const specifier = 'webgpu';
    let dawn: { create(flags: string[]): GPU; globals: Record<string, unknown> };
    try {
      dawn = await import(/* @vite-ignore */ specifier);
    } catch (cause) {
      throw new WebGpuUnavailableError(
        "no WebGPU here: not a browser with navigator.gpu, and the 'webgpu' package (Dawn for Node, an optional peer dependency of orthosparse) is not installed: npm install webgpu",
        { cause },
      );
    }
    const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env;
    // Dawn's Vulkan loader reads the ICD list when the instance is created. Without a GPU driver,
    // SwiftShader is the one that works on a GPU-less machine (Debian 12's lavapipe is too old for Dawn).
    if (env && env.VK_ICD_FILENAMES === undefined && env.VK_DRIVER_FILES === undefined && (await fileExists(SWIFTSHADER_ICD)) && !(await hasGpu())) {
      env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    }
    for (const [name, value] of Object.entries(dawn.globals)) {
      if (!(name in globalThis)) (globalThis as Record<string, unknown>)[name] = value;
    }
    // Dawn quantises timestamps to 100 us by default; benchmarks need the real resolution.
    dawnInstance = dawn.create(['disable-dawn-features=timestamp_quantization']);
  }
  return { gpu: dawnInstance, backend: 'dawn-node' };
}

async function nodeFs(): Promise<typeof import('node:fs/promises')> {
  const fsName = 'node:fs/promises';
  return import(/* @vite-ignore */ fsName);
}

async function fileExists(path: string): Promise<boolean> {
  return (await nodeFs()).access(path).then(
    () => true,
    () => false,
  );
}

/** The machine exposes a GPU to user space (NVIDIA's device nodes, or a DRM render node). */
async function hasGpu(): Promise<boolean> {
  const fs = await nodeFs();
  if (await fileExists('/dev/nvidiactl')) return true;
  const dri = await fs.readdir('/dev/dri').catch(() => [] as string[]);
  return dri.some((f) => f.startsWith('renderD'));
}
