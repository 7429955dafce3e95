/** What the profile editors (skills, a line about oneself) say when saving failed. */
import { ApiFailure } from '$lib/api';
import { t } from '$lib/i18n/index.svelte';

export function profileSaveFailure(err: unknown): string {
  if (err instanceof ApiFailure && err.error === 'offline') return t('skills.error.offline');
  return t('skills.error.failed', { message: err instanceof Error ? err.message : String(err) });
}
