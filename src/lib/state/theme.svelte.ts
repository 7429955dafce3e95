/**
 * Light, dark or automatic (following the system), chosen per device: the choice is kept in
 * localStorage `fika.theme`, not in the person's account, because a phone in the sun and a
 * desktop at night want different themes.
 *
 * The root layout applies it as `data-theme` on <html> (absent when automatic, so the CSS
 * follows `prefers-color-scheme`); src/app.html applies the stored choice before the app starts,
 * so a reload does not flash the other theme.
 */
export type ThemePreference = 'auto' | 'light' | 'dark';

export const THEME_PREFERENCES: readonly ThemePreference[] = ['auto', 'light', 'dark'];
const STORAGE_KEY = 'fika.theme';

class Theme {
  preference = $state<ThemePreference>(readPreference());

  set(preference: ThemePreference): void {
    this.preference = preference;
    try {
      if (preference === 'auto') localStorage.removeItem(STORAGE_KEY);
      else localStorage.setItem(STORAGE_KEY, preference);
    } catch {
      // storage unavailable (private mode): the choice lasts for this visit
    }
  }
}

function readPreference(): ThemePreference {
  try {
    const stored = globalThis.localStorage?.getItem(STORAGE_KEY);
    return stored === 'light' || stored === 'dark' ? stored : 'auto';
  } catch {
    return 'auto';
  }
}

export const theme = new Theme();
