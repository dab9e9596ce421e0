// Unicode's explicit bidirectional embeddings, overrides and isolates (U+202A–U+202E,
// U+2066–U+2069) in a value would reorder what a reader sees around them: an imported
// "ROSSI\u202Efdp.exe" reads "ROSSIexe.pdf" (the "Trojan Source" trick). Wherever the platform
// shows or exports a value (the portal's pages, every CSV), they are written as visible markers
// (`[U+202E]`), never obeyed. Marks (U+200E, U+200F) and right-to-left letters are text: kept.
export const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/g;

/** The visible marker of one bidirectional control: `[U+202E]`. */
export function bidiMarker(control: string): string {
  return `[U+${control.codePointAt(0)!.toString(16).toUpperCase()}]`;
}

/** `text` with each bidirectional control shown as its marker. */
export function showBidiControls(text: string): string {
  return text.replace(BIDI_CONTROLS, bidiMarker);
}
