import { readFileSync } from 'node:fs';

/** The text of a template beside this file with each `{{name}}` replaced; throws on a name not given. */
export function fillTemplate(fileName: string, values: Readonly<Record<string, string | number>>): string {
  const text = readFileSync(new URL(fileName, import.meta.url), 'utf8');
  return text.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`${fileName}: no value for {{${name}}}`);
    return String(value);
  });
}
