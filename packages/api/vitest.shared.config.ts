import { apiTestConfig, CDN_TEST_FILES, TEST_FILES } from './vitest.config.ts';

// The workerd files that do not reach the CDN, in one shared runtime (see vitest.config.ts and test/setup.ts).
export default apiTestConfig({ isolate: false, include: TEST_FILES, exclude: CDN_TEST_FILES });
