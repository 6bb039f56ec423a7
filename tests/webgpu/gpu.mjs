// A WebGPU device in Node: Dawn (npm `webgpu`) on whatever Vulkan driver
// VK_ICD_FILENAMES names (Chromium's SwiftShader in CI).
import { create, globals } from 'webgpu';
import { requestDevice } from '../../wasm/webgpu/executor.mjs';

Object.assign(globalThis, globals);

// Dawn's instance must outlive its devices: if the GPU object is garbage
// collected, the device's event processing uses a freed instance and the
// process crashes at random. Keep it for the whole process.
const gpu = create([]);

export async function nodeDevice() {
  return requestDevice(gpu);
}

export async function adapter() {
  return gpu.requestAdapter();
}
