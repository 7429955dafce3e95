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
    'unsupported-image-type': () => t('feed.error.imageType'),
    'image-type-mismatch': () => t('feed.error.imageType'),
    'invalid-image': () => t('feed.error.imageInvalid'),
    'image-too-large': (failure) => t('feed.error.imageTooLarge', { limit: imageLimit(failure.message) }),
    'upload-interrupted': () => t('feed.error.uploadInterrupted'),
    'upload-allowance': () => t('feed.error.uploadAllowance'),
    forbidden: () => t('feed.error.forbidden')
  });
}

/** The server's limit, from its message "… (10485760 bytes).", in megabytes as the language writes them. */
function imageLimit(message: string): string {
  const bytes = Number(/\((\d+) bytes\)/.exec(message)?.[1] ?? NaN);
  return Number.isFinite(bytes) ? `${i18n.number(Math.round((bytes / 1024 / 1024) * 10) / 10)} MB` : '10 MB';
}
