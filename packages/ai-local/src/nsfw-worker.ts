import { createRequire } from 'node:module';
import path from 'node:path';
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { load, type NSFWJS } from 'nsfwjs/core';
import { MobileNetV2Model } from 'nsfwjs/models/mobilenet_v2';

/**
 * nsfwjs (MobileNetV2, whose weights ship inside the package as JS modules) on TensorFlow.js's WebAssembly backend,
 * in its own thread: its copy of TensorFlow.js must not share a realm with human's (see embed-worker.ts). Gets RGB
 * pixels (224×224, already resized), answers the five classes' probabilities.
 */
const require = createRequire(import.meta.url);
let model: Promise<NSFWJS> | undefined;

function loadModel(): Promise<NSFWJS> {
  model ??= (async () => {
    setWasmPaths(`${path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}/`);
    await tf.setBackend('wasm');
    await tf.ready();
    return load('MobileNetV2', { modelDefinitions: [MobileNetV2Model] });
  })();
  return model;
}

parentPort!.on('message', (message: { id: number; rgb: Uint8Array; width: number; height: number }) => {
  loadModel()
    .then(async (loaded) => {
      const tensor = tf.tensor3d(message.rgb, [message.height, message.width, 3], 'int32');
      try {
        return await loaded.classify(tensor, 5);
      } finally {
        tensor.dispose();
      }
    })
    .then(
      (predictions) => parentPort!.postMessage({ id: message.id, predictions }),
      (error: unknown) => parentPort!.postMessage({ id: message.id, error: String(error) }),
    );
});
