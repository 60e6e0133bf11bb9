import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { PhotonImage } from '@cf-wasm/photon/node';

const require = createRequire(import.meta.url);

// human's package `exports` keys lack the leading './', so its wasm build is required by file path.
const humanDir = path.dirname(path.dirname(require.resolve('@vladmandic/human')));
const MODELS_DIR = path.join(humanDir, 'models');
const WASM_DIR = `${path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}/`;
/** human loads its models through fetch(modelBasePath + name); this origin is answered from the package's folder. */
const MODELS_ORIGIN = 'http://human-models.local/';
export const DETECT_MODEL = 'vladmandic-human@3.3.6/blazeface+centernet';

interface HumanResult {
  face: { box: [number, number, number, number]; boxScore?: number; score: number }[];
  object: { label: string; score: number; box: [number, number, number, number] }[];
}
interface HumanInstance {
  load(): Promise<void>;
  detect(input: unknown): Promise<HumanResult>;
  tf: { tensor3d(values: Uint8Array, shape: [number, number, number], dtype: 'int32'): { dispose(): void } };
}

let human: Promise<HumanInstance> | undefined;

function answerModelsLocally() {
  const blocked = globalThis.fetch;
  globalThis.fetch = (async (input: unknown, init?: RequestInit) => {
    const url = input instanceof Request ? input.url : String(input);
    if (!url.startsWith(MODELS_ORIGIN)) return blocked(input as Parameters<typeof fetch>[0], init);
    const file = path.join(MODELS_DIR, path.basename(new URL(url).pathname));
    return new Response(await readFile(file));
  }) as typeof fetch;
}

function loadHuman(): Promise<HumanInstance> {
  human ??= (async () => {
    answerModelsLocally();
    const { Human } = require(path.join(humanDir, 'dist', 'human.node-wasm.js')) as {
      Human: new (config: object) => HumanInstance;
    };
    const instance = new Human({
      backend: 'wasm',
      wasmPath: WASM_DIR,
      modelBasePath: MODELS_ORIGIN,
      debug: false,
      cacheSensitivity: 0,
      filter: { enabled: false },
      face: {
        enabled: true,
        detector: { rotation: false, maxDetected: 20, minConfidence: 0.3 },
        mesh: { enabled: false },
        iris: { enabled: false },
        description: { enabled: false },
        emotion: { enabled: false },
        antispoof: { enabled: false },
        liveness: { enabled: false },
      },
      body: { enabled: false },
      hand: { enabled: false },
      gesture: { enabled: false },
      segmentation: { enabled: false },
      object: { enabled: true, modelPath: 'centernet.json', minConfidence: 0.3, maxDetected: 20 },
    });
    await instance.load();
    return instance;
  })();
  return human;
}

export interface Detection {
  label: string;
  score: number;
  box: { xmin: number; ymin: number; xmax: number; ymax: number };
}

/** Faces (label `face`) and COCO-80 objects in a JPEG or PNG, in the shape of Workers AI's detr-resnet-50. */
export async function detect(bytes: Uint8Array): Promise<Detection[]> {
  const instance = await loadHuman();
  const image = PhotonImage.new_from_byteslice(bytes);
  const width = image.get_width();
  const height = image.get_height();
  const rgba = image.get_raw_pixels();
  image.free();
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) rgb.set(rgba.subarray(i, i + 3), j);
  const tensor = instance.tf.tensor3d(rgb, [height, width, 3], 'int32');
  try {
    const result = await instance.detect(tensor);
    const box = ([x, y, w, h]: [number, number, number, number]) => ({
      xmin: x,
      ymin: y,
      xmax: x + w,
      ymax: y + h,
    });
    const round = (score: number) => Math.round(score * 1000) / 1000;
    return [
      ...result.face.map((face) => ({
        label: 'face',
        score: round(face.boxScore ?? face.score),
        box: box(face.box),
      })),
      ...result.object.map((object) => ({
        label: object.label,
        score: round(object.score),
        box: box(object.box),
      })),
    ];
  } finally {
    tensor.dispose();
  }
}
