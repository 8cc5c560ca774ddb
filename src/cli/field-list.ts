/** One line of a report for people: a label and one value, or several shown one per line. */
export interface Field {
  readonly label: string;
  readonly value: string | readonly string[];
}

const INDENT = '  ';

/**
 * A titled block of aligned fields, as `step certificate inspect` prints them. A list value
 * continues on lines of its own under the first; an empty list leaves its field out.
 */
export function renderFields(title: string, fields: readonly Field[]): string {
  const shown = fields.filter((field) => typeof field.value === 'string' || field.value.length > 0);
  const width = Math.max(0, ...shown.map((field) => field.label.length + 1)) + 2;
  const lines = [title];
  for (const { label, value } of shown) {
    const values = typeof value === 'string' ? [value] : value;
    values.forEach((item, index) => {
      const head = index === 0 ? `${label}:`.padEnd(width) : ' '.repeat(width);
      lines.push(`${INDENT}${head}${item}`.trimEnd());
    });
  }
  return lines.join('\n') + '\n';
}
