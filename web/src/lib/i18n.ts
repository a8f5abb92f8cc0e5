/**
 * Two languages, Bahasa Indonesia first. Each part of the app declares its own strings with
 * `defineStrings(id, en)`: the Indonesian dictionary fixes the keys and the English one must
 * have exactly those keys, so a missing or stray translation is a compile error rather than a
 * blank on screen. The chosen language lives in one context (and localStorage), and the API
 * client reads it for `Accept-Language` so the gateway's problems arrive in the same language.
 */
import { createContext, h, type ComponentChildren, type JSX } from "preact";
import { useCallback, useContext, useEffect, useMemo, useState } from "preact/hooks";

export const LANGS = ["id", "en"] as const;
export type Lang = (typeof LANGS)[number];
export const DEFAULT_LANG: Lang = "id";

/** Values a message may interpolate as `{name}`; an undefined one leaves its placeholder. */
export type Params = Readonly<Record<string, string | number | undefined>>;

/** One part's strings in both languages, with the same keys in each. */
export interface Strings<K extends string> {
  readonly id: Readonly<Record<K, string>>;
  readonly en: Readonly<Record<K, string>>;
}

/** A translator bound to one language and one part's strings. */
export type Translate<K extends string> = (key: K, params?: Params) => string;

/**
 * Declares a part's strings. `en` must name every key of `id` and no other (excess keys are
 * rejected in an object literal), which is the completeness check.
 */
export function defineStrings<K extends string>(
  id: Readonly<Record<K, string>>,
  en: Readonly<Record<NoInfer<K>, string>>,
): Strings<K> {
  return { id, en };
}

/** Replaces `{name}` placeholders; an unknown placeholder stays visible so it is noticed. */
export function interpolate(template: string, params?: Params): string {
  if (params === undefined) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    return value === undefined ? whole : String(value);
  });
}

/** A translator for `strings` in `lang`, usable outside components (and in unit tests). */
export function translator<K extends string>(strings: Strings<K>, lang: Lang): Translate<K> {
  const dictionary = strings[lang];
  return (key, params) => interpolate(dictionary[key], params);
}

/** The `Accept-Language` value for a language: the choice first, the other as fallback. */
export function acceptLanguage(lang: Lang): string {
  return lang === "id" ? "id, en;q=0.5" : "en, id;q=0.5";
}

export function isLang(value: unknown): value is Lang {
  return typeof value === "string" && (LANGS as readonly string[]).includes(value);
}

const STORAGE_KEY = "satupintu.lang";

function storedLang(): Lang {
  try {
    const value = globalThis.localStorage?.getItem(STORAGE_KEY);
    return isLang(value) ? value : DEFAULT_LANG;
  } catch {
    return DEFAULT_LANG;
  }
}

let activeLang: Lang = typeof window === "undefined" ? DEFAULT_LANG : storedLang();

/** The language in use now, for code that runs outside components (the API middleware). */
export function currentLang(): Lang {
  return activeLang;
}

interface LangState {
  lang: Lang;
  setLang: (lang: Lang) => void;
}

const LangContext = createContext<LangState>({ lang: DEFAULT_LANG, setLang: () => undefined });

/** Holds the language for the whole app and keeps `<html lang>` and localStorage in step. */
export function LangProvider({ children }: { children: ComponentChildren }): JSX.Element {
  const [lang, setLangState] = useState<Lang>(activeLang);
  const setLang = useCallback((next: Lang) => {
    activeLang = next;
    try {
      globalThis.localStorage?.setItem(STORAGE_KEY, next);
    } catch {
      // Storage may be disabled (private mode); the choice then lasts for this page only.
    }
    setLangState(next);
  }, []);
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);
  const value = useMemo(() => ({ lang, setLang }), [lang, setLang]);
  return h(LangContext.Provider, { value }, children);
}

export function useLang(): LangState {
  return useContext(LangContext);
}

/** `const t = useT(strings)` in a component: re-renders in the new language on a switch. */
export function useT<K extends string>(strings: Strings<K>): Translate<K> {
  const { lang } = useLang();
  return useMemo(() => translator(strings, lang), [strings, lang]);
}

const switcherStrings = defineStrings(
  { switchTo: "English", switchLabel: "Switch to English" },
  { switchTo: "Bahasa Indonesia", switchLabel: "Ganti ke Bahasa Indonesia" },
);

/**
 * One button that offers the other language, named in that language (and labelled in it, with
 * `lang` set so a screen reader pronounces it right).
 */
export function LanguageSwitcher(): JSX.Element {
  const { lang, setLang } = useLang();
  const other: Lang = lang === "id" ? "en" : "id";
  const t = translator(switcherStrings, lang);
  return h(
    "button",
    { type: "button", class: "lang-switch", lang: other, "aria-label": t("switchLabel"), onClick: () => setLang(other) },
    t("switchTo"),
  );
}
