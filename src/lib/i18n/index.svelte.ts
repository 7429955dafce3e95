/**
 * Swedish and English: every visible string comes from `sv.json` / `en.json` through `t()`.
 *
 * The language follows the browser (Swedish when the browser prefers Swedish, else English)
 * unless the person picks one in settings; the choice is kept on this device. Dates, times and
 * relative times are formatted with `Intl` in the same language.
 */
import en from './en.json';
import sv from './sv.json';

export type Locale = 'sv' | 'en';
export type LocalePreference = Locale | 'auto';
export type MessageKey = keyof typeof en;
type Params = Record<string, string | number>;

// A key missing from either catalogue is a type error here.
const catalogues: Record<Locale, Record<MessageKey, string>> = { en, sv };

export const LOCALES: readonly Locale[] = ['sv', 'en'];
const STORAGE_KEY = 'fika.locale';

export function browserLocale(languages: readonly string[] = globalThis.navigator?.languages ?? []): Locale {
  for (const lang of languages) {
    const base = lang.toLowerCase().split('-')[0];
    if (base === 'sv') return 'sv';
    if (base === 'en') return 'en';
  }
  return 'en';
}

/** Replaces `{name}` placeholders; unknown placeholders are left as they are. */
export function format(message: string, params: Params = {}): string {
  return message.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole
  );
}

class I18n {
  preference = $state<LocalePreference>(readPreference());
  browser = $state<Locale>(browserLocale());
  readonly locale: Locale = $derived(this.preference === 'auto' ? this.browser : this.preference);
  /**
   * The browser's own regional variant of the language, when it has one (en-GB writes 24-hour
   * times and day-first dates, en-US does not); else the language itself.
   */
  readonly formatLocale: string = $derived(regionalVariant(this.locale));

  /** The message for `key` in the current language, with `{placeholders}` filled in. */
  t = (key: MessageKey, params?: Params): string => format(catalogues[this.locale][key], params);

  /**
   * A message that depends on a count: `key` + `.one` or `.other` by the language's plural rules
   * (both must exist in the catalogues); `{count}` is filled in.
   */
  plural = (key: string, count: number, params?: Params): string => {
    const form = new Intl.PluralRules(this.locale).select(count) === 'one' ? 'one' : 'other';
    const message = catalogues[this.locale][`${key}.${form}` as MessageKey] ?? `${key}.${form}`;
    return format(message, { count, ...params });
  };

  setPreference(preference: LocalePreference): void {
    this.preference = preference;
    try {
      if (preference === 'auto') localStorage.removeItem(STORAGE_KEY);
      else localStorage.setItem(STORAGE_KEY, preference);
    } catch {
      // storage unavailable (private mode): the choice lasts for this visit
    }
  }

  date(time: number | Date, options: Intl.DateTimeFormatOptions = { dateStyle: 'medium' }): string {
    return new Intl.DateTimeFormat(this.formatLocale, options).format(time);
  }

  dateTime(time: number | Date): string {
    return this.date(time, { dateStyle: 'medium', timeStyle: 'short' });
  }

  time(time: number | Date): string {
    return this.date(time, { timeStyle: 'short' });
  }

  /** A number as the language writes it ("10 000" in Swedish, "10,000" in English). */
  number(value: number): string {
    return new Intl.NumberFormat(this.formatLocale).format(value);
  }

  /** "5 minutes ago", "i går", … relative to `now`. */
  relative(time: number | Date, now: number = Date.now()): string {
    const seconds = Math.round((+time - now) / 1000);
    const abs = Math.abs(seconds);
    const rtf = new Intl.RelativeTimeFormat(this.formatLocale, { numeric: 'auto' });
    if (abs < 45) return rtf.format(0, 'second');
    if (abs < 45 * 60) return rtf.format(Math.round(seconds / 60), 'minute');
    if (abs < 22 * 3600) return rtf.format(Math.round(seconds / 3600), 'hour');
    if (abs < 26 * 86400) return rtf.format(Math.round(seconds / 86400), 'day');
    return this.date(time);
  }
}

export function regionalVariant(
  locale: Locale,
  languages: readonly string[] = globalThis.navigator?.languages ?? []
): string {
  const match = languages.find((lang) => lang.toLowerCase().split('-')[0] === locale);
  try {
    return match ? (Intl.getCanonicalLocales(match)[0] ?? locale) : locale;
  } catch {
    return locale; // not a well-formed language tag
  }
}

function readPreference(): LocalePreference {
  try {
    const stored = globalThis.localStorage?.getItem(STORAGE_KEY);
    return stored === 'sv' || stored === 'en' ? stored : 'auto';
  } catch {
    return 'auto';
  }
}

export const i18n = new I18n();
export const t = i18n.t;
