/**
 * What a failed feed action means for the person, in their language: the input checks made
 * before writing (empty, too long), the server's refusals of an upload, and being offline
 * where the network is needed.
 */
import { ApiFailure } from '../api';
import { failureMessage } from '../i18n/failures';
import { i18n, t } from '../i18n/index.svelte';
import { FeedInputError } from './actions';

export function feedFailure(err: unknown, action: string): string {
  if (err instanceof FeedInputError) {
    switch (err.code) {
      case 'empty':
        return t('feed.error.empty');
      case 'too-long':
        return t('feed.error.tooLong', { limit: i18n.number(err.limit ?? 0) });
      default:
        return t('error.unexpected');
    }
  }
  if (err instanceof ApiFailure && err.error === 'offline') return t('feed.error.offline');
  return failureMessage(err, action, {
    'unsupported-media-type': () => t('feed.error.imageType'),
    'payload-too-large': () => t('feed.error.imageTooLarge'),
    forbidden: () => t('feed.error.forbidden')
  });
}
