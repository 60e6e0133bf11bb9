import { describe, expect, it } from 'vitest';
import { sameOriginUploadUrl } from './tus-stack';

describe('sameOriginUploadUrl', () => {
  it('sends upload URLs on the API to the dashboard origin', () => {
    expect(sameOriginUploadUrl('http://localhost:8787/v1/uploads/tus/up_1', 'http://localhost:5173')).toBe(
      'http://localhost:5173/v1/uploads/tus/up_1',
    );
  });
  it('leaves other URLs alone', () => {
    expect(sameOriginUploadUrl('https://elsewhere.example/files/1', 'http://localhost:5173')).toBe(
      'https://elsewhere.example/files/1',
    );
  });
});
