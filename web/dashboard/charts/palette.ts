/** Series colours (distinguishable with the common colour-vision deficiencies; Okabe–Ito). */
const PALETTE = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#f0e442', '#000000'] as const;

export function seriesColour(index: number): string {
  return PALETTE[index % PALETTE.length]!;
}
