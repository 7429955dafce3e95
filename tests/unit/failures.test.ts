import { describe, expect, it, vi } from 'vitest';
import { ApiFailure } from '../../src/lib/api';
import { failureMessage } from '../../src/lib/i18n/failures';
import { t } from '../../src/lib/i18n/index.svelte';

describe('failureMessage', () => {
  it('gives the page’s own words for the failures it expects', () => {
    const failure = new ApiFailure(429, 'too-many-attempts', 'Too many attempts.', 120);
    expect(failureMessage(failure, 'sign-in', { 'too-many-attempts': (f) => `wait ${f.retryAfter} s` })).toBe(
      'wait 120 s'
    );
  });

  it('never shows the server’s English sentence for a failure the page did not expect', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const failure = new ApiFailure(
      403,
      'forbidden-origin',
      'This request came from a site that may not make it.'
    );
    expect(failureMessage(failure, 'set-up', {})).toBe(t('error.unexpected'));
    expect(warn).toHaveBeenCalledOnce();
    warn.mockRestore();
  });

  it('treats anything that is not the server’s answer as unexpected', () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    expect(failureMessage(new TypeError('boom'), 'sign-in', {})).toBe(t('error.unexpected'));
    error.mockRestore();
  });
});
