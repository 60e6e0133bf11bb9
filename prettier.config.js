import config from '@pixelflare/tooling/prettier';

export default config;
