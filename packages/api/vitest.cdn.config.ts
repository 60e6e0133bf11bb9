import { apiTestConfig, CDN_TEST_FILES } from './vitest.config.ts';

// The workerd files that reach the CDN and its Cache API, each in a runtime of its own (see vitest.config.ts).
export default apiTestConfig({ isolate: true, include: CDN_TEST_FILES });
