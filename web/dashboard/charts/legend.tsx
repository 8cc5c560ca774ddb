import { seriesColour } from './palette.js';

export function Legend({ names }: { readonly names: readonly string[] }) {
  return (
    <ul class="legend">
      {names.map((name, index) => (
        <li key={name}>
          <svg width="12" height="12" aria-hidden="true">
            <rect width="12" height="12" fill={seriesColour(index)} />
          </svg>
          {name}
        </li>
      ))}
    </ul>
  );
}
