/**
 * What a failed API call means for the person, in their language.
 *
 * A page names the failures it expects (by the server's machine-readable reason); anything else
 * gets one translated sentence rather than the server's own, which is English only. Failures
 * that are not the server's answer at all are logged for whoever looks at the console.
 */
import { ApiFailure } from '../api';
import { t } from './index.svelte';

export type FailureMessages = Partial<Record<string, (failure: ApiFailure) => string>>;

export function failureMessage(err: unknown, action: string, messages: FailureMessages): string {
  if (!(err instanceof ApiFailure)) {
    console.error(`${action} failed`, err);
    return t('error.unexpected');
  }
  const message = messages[err.error];
  if (message) return message(err);
  console.warn(`${action} failed: ${err.error}: ${err.message}`);
  return t('error.unexpected');
}
